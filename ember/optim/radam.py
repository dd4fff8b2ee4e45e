"""RAdam: Adam with a rectified (variance-corrected) adaptive learning rate."""
from ..backends import get_array_module
from ._functional import ema_sq_, lerp_, weight_decay, zeros_state
from .adam import _check_adam_args
from .optimizer import Optimizer, _step_tensor

__all__ = ["RAdam"]


class RAdam(Optimizer):
    r"""RAdam (Liu et al., 2019).

    .. math::
        m_t = \beta_1 m_{t-1} + (1-\beta_1) g_t, \qquad
        v_t = \beta_2 v_{t-1} + (1-\beta_2) g_t^2, \qquad
        \hat m_t = m_t / (1-\beta_1^t),

        \rho_\infty = \frac{2}{1-\beta_2} - 1, \qquad
        \rho_t = \rho_\infty - \frac{2 t \beta_2^t}{1-\beta_2^t},

        \theta_t = \theta_{t-1} - \gamma \hat m_t\, r_t
        \frac{\sqrt{1-\beta_2^t}}{\sqrt{v_t} + \epsilon} \text{ if } \rho_t > 5
        \text{ else } \theta_{t-1} - \gamma \hat m_t,

        r_t = \sqrt{\frac{(\rho_t-4)(\rho_t-2)\rho_\infty}{(\rho_\infty-4)(\rho_\infty-2)\rho_t}}

    Args:
        params (iterable): parameters or parameter groups.
        lr (float): learning rate :math:`\gamma`. Default: 1e-3.
        betas (Tuple[float, float]): :math:`(\beta_1, \beta_2)`. Default: (0.9, 0.999).
        eps (float): :math:`\epsilon`. Default: 1e-8.
        weight_decay (float): :math:`\lambda` (L2, or decoupled). Default: 0.
        decoupled_weight_decay (bool): decay the weights directly. Default: False.
        maximize (bool): maximize the objective. Default: False.

    Example:
        >>> import ember
        >>> w = ember.tensor([1.0], requires_grad=True)
        >>> opt = ember.optim.RAdam([w], lr=0.1)
        >>> w.grad = ember.tensor([2.0])
        >>> opt.step()
        >>> w
        tensor([0.8000], requires_grad=True)
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 decoupled_weight_decay=False, *, foreach=None, maximize=False,
                 capturable=False, differentiable=False):
        _check_adam_args(lr, betas, eps, weight_decay)
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                        maximize=maximize, foreach=foreach, capturable=capturable,
                        decoupled_weight_decay=decoupled_weight_decay,
                        differentiable=differentiable)
        super().__init__(params, defaults)

    def _update(self, p, g, state, group):
        xp = get_array_module(p)
        if not state:
            state["step"] = _step_tensor()
            zeros_state(state, p, "exp_avg", "exp_avg_sq")
        lr, (beta1, beta2) = group["lr"], group["betas"]
        step_t = state["step"]._data
        step_t += 1
        step = float(step_t)
        g = weight_decay(p, g, group)
        exp_avg, exp_avg_sq = state["exp_avg"]._data, state["exp_avg_sq"]._data
        lerp_(exp_avg, g, 1 - beta1)
        ema_sq_(exp_avg_sq, g, beta2)
        bias_correction2 = 1 - beta2 ** step
        update = exp_avg / (1 - beta1 ** step)
        update *= lr
        rho_inf = 2 / (1 - beta2) - 1
        rho_t = rho_inf - 2 * step * (beta2 ** step) / bias_correction2
        if rho_t > 5.0:
            rect = ((rho_t - 4) * (rho_t - 2) * rho_inf
                    / ((rho_inf - 4) * (rho_inf - 2) * rho_t)) ** 0.5
            denom = xp.sqrt(exp_avg_sq)
            denom += group["eps"]
            update *= bias_correction2 ** 0.5 / denom
            update *= rect
        p -= update
