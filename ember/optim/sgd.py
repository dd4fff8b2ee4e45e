"""Stochastic gradient descent, with momentum, Nesterov momentum and weight decay."""
from .._tensor import Tensor
from ..backends._blas import axpy
from ._functional import blocks, check_range, weight_decay
from .optimizer import Optimizer

__all__ = ["SGD"]


class SGD(Optimizer):
    r"""Stochastic gradient descent (optionally with momentum).

    .. math::
        g_t = \nabla_\theta f_t(\theta_{t-1}) + \lambda \theta_{t-1}, \qquad
        b_t = \mu b_{t-1} + (1 - \tau) g_t \quad (b_1 = g_1),

        \theta_t = \theta_{t-1} - \gamma\, (g_t + \mu b_t \text{ if nesterov else } b_t)

    (with ``maximize`` the gradient's sign is flipped first).

    Args:
        params (iterable): parameters or parameter groups.
        lr (float): learning rate :math:`\gamma`. Default: 1e-3.
        momentum (float): momentum factor :math:`\mu`. Default: 0.
        dampening (float): dampening :math:`\tau` of the momentum. Default: 0.
        weight_decay (float): L2 penalty :math:`\lambda`. Default: 0.
        nesterov (bool): use Nesterov momentum. Default: False.
        maximize (bool): maximize the objective instead of minimizing. Default: False.

    Example:
        >>> import ember
        >>> w = ember.tensor([1.0], requires_grad=True)
        >>> opt = ember.optim.SGD([w], lr=0.1, momentum=0.9)
        >>> for _ in range(2):
        ...     opt.zero_grad()
        ...     (w * w).sum().backward()
        ...     opt.step()
        >>> round(w.item(), 4)
        0.46
    """

    def __init__(self, params, lr=1e-3, momentum=0, dampening=0, weight_decay=0,
                 nesterov=False, *, maximize=False, foreach=None, differentiable=False,
                 fused=None):
        check_range("lr", lr, label="learning rate")
        check_range("momentum", momentum)
        check_range("weight_decay", weight_decay)
        defaults = dict(lr=lr, momentum=momentum, dampening=dampening,
                        weight_decay=weight_decay, nesterov=nesterov, maximize=maximize,
                        foreach=foreach, differentiable=differentiable, fused=fused)
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        super().__init__(params, defaults)

    def _update(self, p, g, state, group):
        mom = group["momentum"]
        g = weight_decay(p, g, group)
        buf = decay = None
        if mom != 0:
            buf = state.get("momentum_buffer")
            if buf is None:  # b_1 = g_1
                state["momentum_buffer"] = Tensor._make(g.copy())
                buf = state["momentum_buffer"]._data
            else:
                buf, decay = buf._data, mom
        args = (mom, decay, 1.0 - group["dampening"], group["nesterov"], float(group["lr"]))
        for pb, gb, bb in blocks(p, g, buf):
            _sgd_block(pb, gb, bb, *args)


def _sgd_block(p, g, buf, mom, decay, damp, nesterov, lr):
    """``buf = decay buf + damp g`` (decay None: buf was just set to g); ``p += -lr step``."""
    if buf is not None:
        if decay is not None:
            buf *= decay
            buf += g if damp == 1.0 else damp * g  # (1 - 0) * g is g exactly
        g = g + mom * buf if nesterov else buf
    if not axpy(-lr, g, p):  # one fused pass by BLAS where it can (PyTorch's add_(g, alpha))
        p += -lr * g
