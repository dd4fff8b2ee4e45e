"""Adamax: Adam with the infinity norm of past gradients."""
from ..backends import get_array_module
from ._functional import lerp_, weight_decay, zeros_state
from .adam import _check_adam_args
from .optimizer import Optimizer, _step_tensor

__all__ = ["Adamax"]


class Adamax(Optimizer):
    r"""Adamax (Kingma & Ba, 2014, section 7).

    .. math::
        g_t = \nabla f_t(\theta_{t-1}) + \lambda\theta_{t-1}, \qquad
        m_t = \beta_1 m_{t-1} + (1-\beta_1) g_t, \qquad
        u_t = \max(\beta_2 u_{t-1}, |g_t| + \epsilon),

        \theta_t = \theta_{t-1} - \frac{\gamma}{1-\beta_1^t} \frac{m_t}{u_t}

    Args:
        params (iterable): parameters or parameter groups.
        lr (float): learning rate :math:`\gamma`. Default: 2e-3.
        betas (Tuple[float, float]): :math:`(\beta_1, \beta_2)`. Default: (0.9, 0.999).
        eps (float): :math:`\epsilon`. Default: 1e-8.
        weight_decay (float): :math:`\lambda`. Default: 0.
        maximize (bool): maximize the objective. Default: False.

    Example:
        >>> import ember
        >>> w = ember.tensor([1.0], requires_grad=True)
        >>> opt = ember.optim.Adamax([w], lr=0.1)
        >>> w.grad = ember.tensor([3.0])
        >>> opt.step()
        >>> w
        tensor([0.9000], requires_grad=True)
    """

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 foreach=None, *, maximize=False, differentiable=False, capturable=False):
        _check_adam_args(lr, betas, eps, weight_decay)
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                        foreach=foreach, maximize=maximize, differentiable=differentiable,
                        capturable=capturable)
        super().__init__(params, defaults)

    def _update(self, p, g, state, group):
        xp = get_array_module(p)
        if not state:
            state["step"] = _step_tensor()
            zeros_state(state, p, "exp_avg", "exp_inf")
        beta1, beta2 = group["betas"]
        step_t = state["step"]._data
        step_t += 1
        g = weight_decay(p, g, group)
        exp_avg, exp_inf = state["exp_avg"]._data, state["exp_inf"]._data
        lerp_(exp_avg, g, 1 - beta1)
        exp_inf *= beta2
        norm = xp.abs(g)
        norm += group["eps"]
        xp.maximum(exp_inf, norm, out=exp_inf)
        clr = group["lr"] / (1 - beta1 ** float(step_t))
        upd = exp_avg / exp_inf
        upd *= -clr
        p += upd
