"""Adam and AdamW: adaptive moment estimation, with L2 or decoupled weight decay."""
from ..backends import get_array_module
from ._functional import addcdiv_, blocks, check_range, ema_sq_, lerp_, weight_decay, zeros_state
from .optimizer import Optimizer, _step_tensor

__all__ = ["Adam", "AdamW"]


class Adam(Optimizer):
    r"""Adam (Kingma & Ba, 2014), with optional AMSGrad and decoupled weight decay.

    .. math::
        g_t = \nabla f_t(\theta_{t-1}) + \lambda\theta_{t-1} \quad
        (\text{decoupled: } \theta_{t-1} \leftarrow \theta_{t-1}(1 - \gamma\lambda)),

        m_t = \beta_1 m_{t-1} + (1-\beta_1) g_t, \qquad
        v_t = \beta_2 v_{t-1} + (1-\beta_2) g_t^2, \qquad
        \hat v_t = \max(\hat v_{t-1}, v_t) \text{ if amsgrad else } v_t,

        \theta_t = \theta_{t-1} - \frac{\gamma}{1-\beta_1^t}\,
        \frac{m_t}{\sqrt{\hat v_t}/\sqrt{1-\beta_2^t} + \epsilon}

    Args:
        params (iterable): parameters or parameter groups.
        lr (float): learning rate :math:`\gamma`. Default: 1e-3.
        betas (Tuple[float, float]): :math:`(\beta_1, \beta_2)`. Default: (0.9, 0.999).
        eps (float): :math:`\epsilon`, added to the denominator. Default: 1e-8.
        weight_decay (float): :math:`\lambda`. Default: 0.
        amsgrad (bool): use AMSGrad's running maximum of :math:`v_t`. Default: False.
        maximize (bool): maximize the objective. Default: False.
        decoupled_weight_decay (bool): decay the weights directly (AdamW). Default: False.

    Example:
        >>> import ember
        >>> w = ember.tensor([1.0, -1.0], requires_grad=True)
        >>> opt = ember.optim.Adam([w], lr=0.1)
        >>> (w * w).sum().backward()
        >>> opt.step()
        >>> w
        tensor([ 0.9000, -0.9000], requires_grad=True)
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 amsgrad=False, *, foreach=None, maximize=False, capturable=False,
                 differentiable=False, fused=None, decoupled_weight_decay=False):
        _check_adam_args(lr, betas, eps, weight_decay)
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                        amsgrad=amsgrad, maximize=maximize, foreach=foreach,
                        capturable=capturable, differentiable=differentiable, fused=fused,
                        decoupled_weight_decay=decoupled_weight_decay)
        super().__init__(params, defaults)

    def _update(self, p, g, state, group):
        if not state:
            state["step"] = _step_tensor()
            zeros_state(state, p, "exp_avg", "exp_avg_sq")
            if group["amsgrad"]:
                zeros_state(state, p, "max_exp_avg_sq")
        lr, (beta1, beta2) = group["lr"], group["betas"]
        step_t = state["step"]._data
        step_t += 1
        step = float(step_t)
        g = weight_decay(p, g, group)
        exp_avg, exp_avg_sq = state["exp_avg"]._data, state["exp_avg_sq"]._data
        vmax = state["max_exp_avg_sq"]._data if group["amsgrad"] else None
        step_size = lr / (1 - beta1 ** step)
        bias_correction2_sqrt = (1 - beta2 ** step) ** 0.5
        for blk in blocks(p, g, exp_avg, exp_avg_sq, vmax):
            _adam_block(*blk, beta1, beta2, step_size, bias_correction2_sqrt, group["eps"])


def _adam_block(p, g, exp_avg, exp_avg_sq, vmax, beta1, beta2, step_size, bc2_sqrt, eps):
    """The moment updates and the step, in place, for one block of the arrays."""
    xp = get_array_module(p)
    lerp_(exp_avg, g, 1 - beta1)
    ema_sq_(exp_avg_sq, g, beta2)
    v = exp_avg_sq
    if vmax is not None:
        xp.maximum(vmax, exp_avg_sq, out=vmax)
        v = vmax
    denom = xp.sqrt(v)
    denom /= bc2_sqrt
    denom += eps
    addcdiv_(p, exp_avg, denom, -step_size)


class AdamW(Adam):
    r"""Adam with decoupled weight decay (Loshchilov & Hutter, 2017).

    The update is Adam's with :math:`\theta_{t-1} \leftarrow \theta_{t-1}(1 - \gamma\lambda)`
    applied to the weights before the moment update, instead of adding
    :math:`\lambda\theta` to the gradient.

    Args:
        params (iterable): parameters or parameter groups.
        lr (float): learning rate. Default: 1e-3.
        betas (Tuple[float, float]): Default: (0.9, 0.999).
        eps (float): Default: 1e-8.
        weight_decay (float): decoupled decay coefficient. Default: 1e-2.
        amsgrad (bool): Default: False.
        maximize (bool): Default: False.

    Example:
        >>> import ember
        >>> w = ember.tensor([1.0], requires_grad=True)
        >>> opt = ember.optim.AdamW([w], lr=0.1, weight_decay=0.5)
        >>> w.grad = ember.tensor([0.0])
        >>> opt.step()
        >>> w
        tensor([0.9500], requires_grad=True)
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2,
                 amsgrad=False, *, maximize=False, foreach=None, capturable=False,
                 differentiable=False, fused=None):
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, foreach=foreach,
                         maximize=maximize, capturable=capturable,
                         differentiable=differentiable, fused=fused,
                         decoupled_weight_decay=True)


def _check_adam_args(lr, betas, eps, weight_decay):
    check_range("lr", lr, label="learning rate")
    check_range("eps", eps, label="epsilon value")
    check_range("beta1", betas[0], high=1.0, label="beta parameter at index 0")
    check_range("beta2", betas[1], high=1.0, label="beta parameter at index 1")
    check_range("weight_decay", weight_decay, label="weight_decay value")
