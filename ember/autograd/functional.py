"""Higher-level autograd: ``jacobian``, ``hessian``, ``vjp``, ``jvp``, ``hvp``, ``vhp`` (the API
of ``torch.autograd.functional``), built on :func:`ember.autograd.grad`.

Jacobians are assembled row by row (one vector-Jacobian product per output element), as
PyTorch does without ``vectorize``; ``jvp`` uses the double-vjp trick.

Example:
    >>> import ember
    >>> from ember.autograd.functional import jacobian
    >>> jacobian(lambda x: x ** 2, ember.tensor([1.0, 2.0]))
    tensor([[2., 0.],
            [0., 4.]])
"""
from . import grad as _grad
from .grad_mode import enable_grad

__all__ = ["vjp", "jvp", "jacobian", "hessian", "hvp", "vhp"]


def _tuple(x):
    return (tuple(x), True) if isinstance(x, (tuple, list)) else ((x,), False)


def _prep(inputs, create_graph):
    xs, is_tuple = _tuple(inputs)
    prepped = []
    for x in xs:
        x = x if create_graph and x.requires_grad else x.detach()
        prepped.append(x.requires_grad_(True) if not x.requires_grad else x)
    return tuple(prepped), is_tuple


def _out(xs, is_tuple):
    return xs if is_tuple else xs[0]


def _grads(outputs, inputs, grad_outputs, create_graph):
    diff = [(o, g) for o, g in zip(outputs, grad_outputs) if o.requires_grad]
    if not diff:
        return tuple(None for _ in inputs)
    return _grad([o for o, _ in diff], list(inputs), [g for _, g in diff],
                 retain_graph=True, create_graph=create_graph, allow_unused=True)


def _zeros_if_none(gs, refs):
    from ..ops.creation import zeros_like

    return tuple(zeros_like(r) if g is None else g for g, r in zip(gs, refs))


def _detach(xs, create_graph):
    return tuple(x if create_graph else x.detach() for x in xs)


def vjp(func, inputs, v=None, create_graph=False, strict=False):
    """``(func(inputs), v^T J)``."""
    with enable_grad():
        xs, in_tuple = _prep(inputs, create_graph)
        outs, out_tuple = _tuple(func(*xs))
        if v is None:
            from ..ops.creation import ones_like

            if len(outs) != 1 or outs[0].numel() != 1:
                raise RuntimeError("The vector v can only be None if the user-provided function "
                                   "returns a single Tensor with a single element.")
            v = ones_like(outs[0])
        vs, _ = _tuple(v)
        gs = _zeros_if_none(_grads(outs, xs, vs, create_graph), xs)
    return _out(_detach(outs, create_graph), out_tuple), _out(_detach(gs, create_graph),
                                                               in_tuple)


def jvp(func, inputs, v=None, create_graph=False, strict=False):
    """``(func(inputs), J v)``, by differentiating a vjp with respect to its vector."""
    from ..ops.creation import ones_like, zeros_like

    with enable_grad():
        xs, in_tuple = _prep(inputs, create_graph)
        outs, out_tuple = _tuple(func(*xs))
        if v is None:
            v = ones_like(xs[0])
        vs, _ = _tuple(v)
        us = tuple(zeros_like(o).requires_grad_(True) for o in outs)
        gs = _zeros_if_none(_grads(outs, xs, us, True), xs)
        diff = [(g, w) for g, w in zip(gs, vs) if g.requires_grad]
        if diff:
            res = _grad([g for g, _ in diff], list(us), [w for _, w in diff],
                        create_graph=create_graph, allow_unused=True)
        else:
            res = (None,) * len(us)
        res = _zeros_if_none(res, outs)
    return _out(_detach(outs, create_graph), out_tuple), _out(_detach(res, create_graph),
                                                               out_tuple)


def jacobian(func, inputs, create_graph=False, strict=False, vectorize=False,
             strategy="reverse-mode"):
    """The Jacobian of ``func`` at ``inputs``: for each (output, input) pair a tensor of shape
    ``output.shape + input.shape``."""
    from ..ops.creation import zeros, zeros_like

    with enable_grad():
        xs, in_tuple = _prep(inputs, create_graph)
        outs, out_tuple = _tuple(func(*xs))
        blocks = []
        for o in outs:
            flat = o.reshape(-1)
            rows = [[] for _ in xs]
            for j in range(flat.shape[0]):
                e = zeros(flat.shape[0], dtype=o.dtype)
                e[j] = 1
                gs = _grads([flat], xs, [e], create_graph) if o.requires_grad else (None,) * len(xs)
                for k, (g, x) in enumerate(zip(gs, xs)):
                    rows[k].append(zeros_like(x) if g is None else g)
            per_in = []
            for k, x in enumerate(xs):
                if rows[k]:
                    jac = _stack(rows[k]).reshape(tuple(o.shape) + tuple(x.shape))
                else:
                    jac = zeros(tuple(o.shape) + tuple(x.shape), dtype=x.dtype)
                per_in.append(jac if create_graph else jac.detach())
            blocks.append(_out(tuple(per_in), in_tuple))
    return _out(tuple(blocks), out_tuple)


def _stack(rows):
    """Stack equal-shape tensors along a new first dim (differentiably, via setitem)."""
    from ..ops.creation import zeros

    out = zeros((len(rows),) + tuple(rows[0].shape), dtype=rows[0].dtype)
    for j, r in enumerate(rows):
        out[j] = r
    return out


def hessian(func, inputs, create_graph=False, strict=False, vectorize=False,
            outer_jacobian_strategy="reverse-mode"):
    """The Hessian of a scalar ``func`` at ``inputs``."""
    xs, in_tuple = _tuple(inputs)

    def grad_fn(*ys):
        out = func(*ys)
        if out.numel() != 1:
            raise RuntimeError("The function given to hessian should return a single Tensor "
                               "with a single element.")
        gs = _grad([out.reshape(())], list(ys), create_graph=True, allow_unused=True)
        return _out(_zeros_if_none(gs, ys), in_tuple)

    return jacobian(grad_fn, _out(xs, in_tuple), create_graph=create_graph)


def vhp(func, inputs, v=None, create_graph=False, strict=False):
    """``(func(inputs), v^T H)`` for a scalar ``func``."""
    with enable_grad():
        xs, in_tuple = _prep(inputs, create_graph)
        out = func(*xs)
        gs = _zeros_if_none(_grad([out.reshape(())], list(xs), create_graph=True,
                                  allow_unused=True), xs)
        vs, _ = _tuple(v)
        res = _zeros_if_none(_grads(list(gs), xs, vs, create_graph), xs)
    return (out if create_graph else out.detach()), _out(_detach(res, create_graph), in_tuple)


def hvp(func, inputs, v=None, create_graph=False, strict=False):
    """``(func(inputs), H v)``; equal to :func:`vhp` since the Hessian is symmetric."""
    return vhp(func, inputs, v, create_graph, strict)
