"""Finite-difference checks of analytical gradients (PyTorch's ``gradcheck``/``gradgradcheck``).

Central differences in float64: for each input element, perturb by ``eps`` both ways and
compare the numerical Jacobian column with the analytical one from backward.
"""
import numpy as np

__all__ = ["gradcheck", "gradgradcheck", "GradcheckError"]


def _T():
    from .._tensor import Tensor

    return Tensor


def _as_tuple(x):
    return x if isinstance(x, tuple) else (x,)


def _outputs(fn, inputs):
    return [o for o in _as_tuple(fn(*inputs)) if isinstance(o, _T())]


def _numerical_jacobian(fn, inputs, eps):
    """Rows: flattened input elements; one block per (input, output)."""
    from .grad_mode import no_grad

    jac = []
    with no_grad():
        outs0 = _outputs(fn, inputs)
        for x in inputs:
            if not (isinstance(x, _T()) and x._requires_grad):
                jac.append(None)
                continue
            data = x._data  # perturbed in place, element by element (any strides)
            cols = [np.zeros((data.size, o._data.size)) for o in outs0]
            for i, idx in enumerate(np.ndindex(*data.shape)):
                orig = data[idx].item()
                data[idx] = orig + eps
                plus = [_host64(o) for o in _outputs(fn, inputs)]
                data[idx] = orig - eps
                minus = [_host64(o) for o in _outputs(fn, inputs)]
                data[idx] = orig
                for k in range(len(outs0)):
                    cols[k][i] = (plus[k] - minus[k]) / (2 * eps)
            jac.append(cols)
    return jac


def _host64(t):
    d = t._data if type(t._data) is np.ndarray else t._data.get()
    return np.array(d, dtype=np.float64).ravel()


def _analytical_jacobian(fn, inputs):
    from . import grad as agrad

    outs = _outputs(fn, inputs)
    diff_in = [x for x in inputs if isinstance(x, _T()) and x._requires_grad]
    jac = {id(x): [np.zeros((x._data.size, o._data.size)) for o in outs] for x in diff_in}
    for k, o in enumerate(outs):
        if not o._requires_grad:
            continue
        flat_n = o._data.size
        for j in range(flat_n):
            g = np.zeros(flat_n, dtype=o._data.dtype)
            g[j] = 1
            gt = _T()._make(g.reshape(o._data.shape))
            grads = agrad([o], diff_in, [gt], retain_graph=True, allow_unused=True)
            for x, gx in zip(diff_in, grads):
                if gx is not None:
                    jac[id(x)][k][:, j] = _host64(gx)
    return [jac.get(id(x)) if isinstance(x, _T()) and x._requires_grad else None
            for x in inputs]


def gradcheck(func, inputs, *, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True,
              nondet_tol=0.0, check_undefined_grad=True, check_grad_dtypes=False,
              check_batched_grad=False, check_batched_forward_grad=False,
              check_forward_ad=False, check_backward_ad=True, fast_mode=False, masked=None):
    """Check ``func``'s gradients against central finite differences.

    Inputs that require grad should be float64. Returns True, or raises (or returns False
    with ``raise_exception=False``) naming the input and output that disagree.

    Example:
        >>> import ember
        >>> x = ember.randn(3, dtype=ember.float64, requires_grad=True)
        >>> ember.autograd.gradcheck(lambda t: (t * t).sum(), (x,))
        True
    """
    inputs = _as_tuple(inputs) if not isinstance(inputs, list) else tuple(inputs)
    for i, x in enumerate(inputs):
        if isinstance(x, _T()) and x._requires_grad and x._data.dtype != np.float64:
            import warnings

            warnings.warn(f"Input #{i} requires gradient and is not a double precision "
                          "floating point. This check will likely fail if all the inputs are "
                          "not of double precision floating point.", stacklevel=2)
    if not any(isinstance(x, _T()) and x._requires_grad for x in inputs):
        raise ValueError("gradcheck expects at least one input tensor to require gradient, "
                         "but none of them have requires_grad=True.")
    num = _numerical_jacobian(func, inputs, eps)
    if not any(o._requires_grad for o in _outputs(func, inputs)):
        # no differentiable output: the function must not depend on the inputs numerically
        nonzero = any(bool((c != 0).any()) for n in num if n is not None for c in n)
        msg = "Numerical gradient for function expected to be zero" if nonzero else None
    else:
        msg = _first_mismatch(func, inputs, num, _analytical_jacobian(func, inputs), rtol,
                              atol)
    if msg is None:
        return True
    if raise_exception:
        raise GradcheckError(msg)
    return False


def _first_mismatch(func, inputs, num, ana, rtol, atol):
    """PyTorch's message for the first (output, input) Jacobian block that disagrees, or None.

    As in PyTorch, outputs are walked first and both indices count only the differentiable
    ones (outputs that require grad, inputs that require grad); a block has one row per input
    element and one column per output element.
    """
    diff_out = [o._requires_grad for o in _outputs(func, inputs)]
    diff_in = [i for i, n in enumerate(num) if n is not None]
    oi = 0
    for k, is_diff in enumerate(diff_out):
        if not is_diff:
            continue
        for j, i in enumerate(diff_in):
            nk, ak = num[i][k], ana[i][k]
            if not np.allclose(ak, nk, rtol=rtol, atol=atol):
                dt = inputs[i]._data.dtype
                return (f"Jacobian mismatch for output {oi} with respect to input {j},\n"
                        f"numerical:{_T()._make(nk.astype(dt))!r}\n"
                        f"analytical:{_T()._make(ak.astype(dt))!r}\n")
        oi += 1
    return None


def gradgradcheck(func, inputs, grad_outputs=None, *, eps=1e-6, atol=1e-5, rtol=1e-3,
                  gen_non_contig_grad_outputs=False, raise_exception=True, nondet_tol=0.0,
                  check_undefined_grad=True, check_grad_dtypes=False, check_batched_grad=False,
                  check_fwd_over_rev=False, check_rev_over_rev=True, fast_mode=False,
                  masked=False):
    """Check second derivatives: gradcheck of the map (inputs, v) -> vjp(func, v)."""
    from . import grad as agrad

    inputs = _as_tuple(inputs) if not isinstance(inputs, list) else tuple(inputs)
    outs = _outputs(func, inputs)
    if grad_outputs is None:
        rng = np.random.default_rng(0)
        grad_outputs = tuple(_T()._make(rng.standard_normal(o._data.shape).astype(
            o._data.dtype)).requires_grad_(o._data.dtype.kind == "f") for o in outs)
    grad_outputs = _as_tuple(grad_outputs)
    n_in = len(inputs)
    diff_idx = [i for i, x in enumerate(inputs) if isinstance(x, _T()) and x._requires_grad]

    def vjp(*args):
        from .grad_mode import enable_grad

        xs, vs = args[:n_in], args[n_in:]
        with enable_grad():
            # only differentiable outputs take part (e.g. not the indices of max(dim))
            pairs = [(oi, vi) for oi, vi in zip(_outputs(func, xs), vs) if oi._requires_grad]
            diff = [xs[i] for i in diff_idx]
            gs = agrad([p[0] for p in pairs], diff, [p[1] for p in pairs], create_graph=True,
                       allow_unused=True)
        return tuple(g for g in gs if g is not None)

    return gradcheck(vjp, inputs + tuple(grad_outputs), eps=eps, atol=atol, rtol=rtol,
                     raise_exception=raise_exception)


class GradcheckError(RuntimeError):
    """Raised by :func:`gradcheck` / :func:`gradgradcheck` when a check fails (a
    ``RuntimeError``, as ``torch.autograd.gradcheck.GradcheckError``)."""
