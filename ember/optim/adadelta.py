"""Adadelta: step sizes from running averages of squared gradients and squared updates."""
from ..backends import get_array_module
from ._functional import check_range, ema_sq_, weight_decay, zeros_state
from .optimizer import Optimizer, _step_tensor

__all__ = ["Adadelta"]


class Adadelta(Optimizer):
    r"""Adadelta (Zeiler, 2012).

    .. math::
        v_t = \rho v_{t-1} + (1-\rho) g_t^2, \qquad
        \Delta x_t = \frac{\sqrt{u_{t-1} + \epsilon}}{\sqrt{v_t + \epsilon}}\, g_t,

        u_t = \rho u_{t-1} + (1-\rho) \Delta x_t^2, \qquad
        \theta_t = \theta_{t-1} - \gamma \Delta x_t

    Args:
        params (iterable): parameters or parameter groups.
        lr (float): coefficient :math:`\gamma` that scales the delta. Default: 1.0.
        rho (float): :math:`\rho`, the running averages' decay. Default: 0.9.
        eps (float): :math:`\epsilon`. Default: 1e-6.
        weight_decay (float): L2 penalty. Default: 0.
        maximize (bool): maximize the objective. Default: False.

    Example:
        >>> import ember
        >>> w = ember.tensor([1.0], requires_grad=True)
        >>> opt = ember.optim.Adadelta([w], lr=1.0, rho=0.0, eps=0.0)
        >>> w.grad = ember.tensor([2.0])
        >>> opt.step()
        >>> w
        tensor([1.], requires_grad=True)
    """

    def __init__(self, params, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0, foreach=None, *,
                 capturable=False, maximize=False, differentiable=False):
        check_range("lr", lr, label="learning rate")
        check_range("rho", rho, high=1.0 + 1e-12, label="rho value")
        check_range("eps", eps, label="epsilon value")
        check_range("weight_decay", weight_decay)
        defaults = dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay,
                        maximize=maximize, capturable=capturable, foreach=foreach,
                        differentiable=differentiable)
        super().__init__(params, defaults)

    def _update(self, p, g, state, group):
        xp = get_array_module(p)
        if not state:
            state["step"] = _step_tensor()
            zeros_state(state, p, "square_avg", "acc_delta")
        rho, eps = group["rho"], group["eps"]
        state["step"]._data += 1
        g = weight_decay(p, g, group)
        square_avg = ema_sq_(state["square_avg"]._data, g, rho)
        acc_delta = state["acc_delta"]._data
        std = square_avg + eps
        xp.sqrt(std, out=std)
        delta = acc_delta + eps
        xp.sqrt(delta, out=delta)
        delta /= std
        delta *= g
        ema_sq_(acc_delta, delta, rho)
        delta *= -group["lr"]
        p += delta
