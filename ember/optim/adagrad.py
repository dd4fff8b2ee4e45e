"""Adagrad: per-coordinate learning rates from the sum of squared gradients."""
from .._tensor import Tensor
from ..backends import get_array_module
from ._functional import addcdiv_, check_range, weight_decay
from .optimizer import Optimizer, _step_tensor

__all__ = ["Adagrad"]


class Adagrad(Optimizer):
    r"""Adagrad (Duchi et al., 2011).

    .. math::
        \tilde\gamma_t = \frac{\gamma}{1 + (t-1)\eta}, \qquad
        s_t = s_{t-1} + g_t^2, \qquad
        \theta_t = \theta_{t-1} - \tilde\gamma_t \frac{g_t}{\sqrt{s_t} + \epsilon}

    with :math:`s_0` the ``initial_accumulator_value`` and :math:`g_t` the gradient plus
    :math:`\lambda\theta_{t-1}`.

    Args:
        params (iterable): parameters or parameter groups.
        lr (float): learning rate :math:`\gamma`. Default: 1e-2.
        lr_decay (float): :math:`\eta`. Default: 0.
        weight_decay (float): :math:`\lambda`. Default: 0.
        initial_accumulator_value (float): :math:`s_0`. Default: 0.
        eps (float): :math:`\epsilon`. Default: 1e-10.
        maximize (bool): maximize the objective. Default: False.

    Example:
        >>> import ember
        >>> w = ember.tensor([1.0], requires_grad=True)
        >>> opt = ember.optim.Adagrad([w], lr=0.5)
        >>> w.grad = ember.tensor([4.0])
        >>> opt.step()
        >>> w
        tensor([0.5000], requires_grad=True)
    """

    def __init__(self, params, lr=1e-2, lr_decay=0, weight_decay=0,
                 initial_accumulator_value=0, eps=1e-10, foreach=None, *, maximize=False,
                 differentiable=False, fused=None):
        check_range("lr", lr, label="learning rate")
        check_range("lr_decay", lr_decay)
        check_range("weight_decay", weight_decay)
        check_range("initial_accumulator_value", initial_accumulator_value)
        check_range("eps", eps, label="epsilon value")
        defaults = dict(lr=lr, lr_decay=lr_decay, eps=eps, weight_decay=weight_decay,
                        initial_accumulator_value=initial_accumulator_value, foreach=foreach,
                        maximize=maximize, differentiable=differentiable, fused=fused)
        super().__init__(params, defaults)
        # PyTorch creates Adagrad's state eagerly, so a fresh state_dict already holds it.
        for group in self.param_groups:
            for p in group["params"]:
                self._init_state(p._data, self.state[p], group)

    @staticmethod
    def _init_state(p, state, group):
        xp = get_array_module(p)
        state["step"] = _step_tensor()
        state["sum"] = Tensor._make(xp.full_like(p, group["initial_accumulator_value"]))

    def _update(self, p, g, state, group):
        xp = get_array_module(p)
        if not state:
            self._init_state(p, state, group)
        step_t = state["step"]._data
        step_t += 1
        g = weight_decay(p, g, group)
        clr = group["lr"] / (1 + (float(step_t) - 1) * group["lr_decay"])
        state_sum = state["sum"]._data
        state_sum += g * g
        std = xp.sqrt(state_sum)
        std += group["eps"]
        addcdiv_(p, g, std, -clr)
