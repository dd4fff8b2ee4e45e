"""NAdam: Adam with Nesterov momentum and a momentum-decay schedule."""
from ..backends import get_array_module
from ._functional import check_range, ema_sq_, lerp_, weight_decay, zeros_state
from .adam import _check_adam_args
from .optimizer import Optimizer, _step_tensor

__all__ = ["NAdam"]


class NAdam(Optimizer):
    r"""NAdam (Dozat, 2016).

    .. math::
        \mu_t = \beta_1 \big(1 - \tfrac12\, 0.96^{t\psi}\big), \qquad
        m_t = \beta_1 m_{t-1} + (1-\beta_1) g_t, \qquad
        v_t = \beta_2 v_{t-1} + (1-\beta_2) g_t^2,

        \theta_t = \theta_{t-1}
        - \gamma \frac{\mu_{t+1} m_t}{1 - \prod_{i=1}^{t+1}\mu_i}
          \Big/ \big(\sqrt{v_t / (1-\beta_2^t)} + \epsilon\big)
        - \gamma \frac{(1-\mu_t) g_t}{1 - \prod_{i=1}^{t}\mu_i}
          \Big/ \big(\sqrt{v_t / (1-\beta_2^t)} + \epsilon\big)

    with :math:`g_t` the gradient plus :math:`\lambda\theta_{t-1}` (or decoupled decay).

    Args:
        params (iterable): parameters or parameter groups.
        lr (float): learning rate :math:`\gamma`. Default: 2e-3.
        betas (Tuple[float, float]): :math:`(\beta_1, \beta_2)`. Default: (0.9, 0.999).
        eps (float): :math:`\epsilon`. Default: 1e-8.
        weight_decay (float): :math:`\lambda`. Default: 0.
        momentum_decay (float): :math:`\psi`. Default: 4e-3.
        decoupled_weight_decay (bool): decay the weights directly (NAdamW). Default: False.
        maximize (bool): maximize the objective. Default: False.

    Example:
        >>> import ember
        >>> w = ember.tensor([1.0], requires_grad=True)
        >>> opt = ember.optim.NAdam([w], lr=0.1)
        >>> w.grad = ember.tensor([1.0])
        >>> opt.step()
        >>> round(w.item(), 3)
        0.894
    """

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 momentum_decay=4e-3, decoupled_weight_decay=False, *, foreach=None,
                 maximize=False, capturable=False, differentiable=False):
        _check_adam_args(lr, betas, eps, weight_decay)
        check_range("momentum_decay", momentum_decay, label="momentum_decay value")
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                        momentum_decay=momentum_decay,
                        decoupled_weight_decay=decoupled_weight_decay, maximize=maximize,
                        foreach=foreach, capturable=capturable, differentiable=differentiable)
        super().__init__(params, defaults)

    def _update(self, p, g, state, group):
        xp = get_array_module(p)
        if not state:
            state["step"] = _step_tensor()
            state["mu_product"] = _step_tensor(1.0)
            zeros_state(state, p, "exp_avg", "exp_avg_sq")
        lr, (beta1, beta2) = group["lr"], group["betas"]
        step_t, mu_product = state["step"]._data, state["mu_product"]._data
        step_t += 1
        step = float(step_t)
        g = weight_decay(p, g, group)
        psi = group["momentum_decay"]
        mu = beta1 * (1.0 - 0.5 * 0.96 ** (step * psi))
        mu_next = beta1 * (1.0 - 0.5 * 0.96 ** ((step + 1) * psi))
        mu_product *= mu  # kept in float32, as PyTorch keeps it
        exp_avg, exp_avg_sq = state["exp_avg"]._data, state["exp_avg_sq"]._data
        lerp_(exp_avg, g, 1 - beta1)
        ema_sq_(exp_avg_sq, g, beta2)
        denom = exp_avg_sq / (1 - beta2 ** step)
        xp.sqrt(denom, out=denom)
        denom += group["eps"]
        prod = float(mu_product)
        p += (-lr * (1.0 - mu) / (1.0 - prod)) * g / denom
        p += ((-lr * mu_next) / (1.0 - prod * mu_next)) * exp_avg / denom
