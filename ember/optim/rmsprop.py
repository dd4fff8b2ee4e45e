"""RMSprop: divide the gradient by a running root-mean-square of its magnitudes."""
from ..backends import get_array_module
from ._functional import check_range, ema_sq_, lerp_, weight_decay, zeros_state
from .optimizer import Optimizer, _step_tensor

__all__ = ["RMSprop"]


class RMSprop(Optimizer):
    r"""RMSprop (Hinton, lecture 6e), optionally centered and with momentum.

    .. math::
        v_t = \alpha v_{t-1} + (1-\alpha) g_t^2, \qquad
        \bar g_t = \alpha \bar g_{t-1} + (1-\alpha) g_t \text{ (centered)},

        \tilde v_t = v_t - \bar g_t^2 \text{ if centered else } v_t, \qquad
        b_t = \mu b_{t-1} + g_t / (\sqrt{\tilde v_t} + \epsilon),

        \theta_t = \theta_{t-1} - \gamma b_t \text{ if } \mu > 0 \text{ else }
        \theta_{t-1} - \gamma g_t / (\sqrt{\tilde v_t} + \epsilon)

    Args:
        params (iterable): parameters or parameter groups.
        lr (float): learning rate :math:`\gamma`. Default: 1e-2.
        alpha (float): smoothing constant :math:`\alpha`. Default: 0.99.
        eps (float): :math:`\epsilon`. Default: 1e-8.
        weight_decay (float): L2 penalty. Default: 0.
        momentum (float): momentum factor :math:`\mu`. Default: 0.
        centered (bool): normalise by the estimated variance of the gradient. Default: False.
        maximize (bool): maximize the objective. Default: False.

    Example:
        >>> import ember
        >>> w = ember.tensor([1.0], requires_grad=True)
        >>> opt = ember.optim.RMSprop([w], lr=0.01, alpha=0.75)
        >>> w.grad = ember.tensor([2.0])
        >>> opt.step()
        >>> w
        tensor([0.9800], requires_grad=True)
    """

    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0,
                 centered=False, capturable=False, foreach=None, maximize=False,
                 differentiable=False):
        check_range("lr", lr, label="learning rate")
        check_range("eps", eps, label="epsilon value")
        check_range("momentum", momentum)
        check_range("weight_decay", weight_decay)
        check_range("alpha", alpha)
        defaults = dict(lr=lr, momentum=momentum, alpha=alpha, eps=eps, centered=centered,
                        weight_decay=weight_decay, capturable=capturable, foreach=foreach,
                        maximize=maximize, differentiable=differentiable)
        super().__init__(params, defaults)

    def _update(self, p, g, state, group):
        xp = get_array_module(p)
        alpha, mom = group["alpha"], group["momentum"]
        if not state:
            state["step"] = _step_tensor()
            zeros_state(state, p, "square_avg")
            if mom > 0:
                zeros_state(state, p, "momentum_buffer")
            if group["centered"]:
                zeros_state(state, p, "grad_avg")
        state["step"]._data += 1
        g = weight_decay(p, g, group)
        square_avg = ema_sq_(state["square_avg"]._data, g, alpha)
        if group["centered"]:
            grad_avg = lerp_(state["grad_avg"]._data, g, 1 - alpha)
            avg = square_avg - grad_avg * grad_avg
            xp.sqrt(avg, out=avg)
        else:
            avg = xp.sqrt(square_avg)
        avg += group["eps"]
        if mom > 0:
            buf = state["momentum_buffer"]._data
            buf *= mom
            xp.divide(g, avg, out=avg)
            buf += avg
            p += -group["lr"] * buf
        else:
            xp.divide(g, avg, out=avg)
            avg *= -group["lr"]
            p += avg
