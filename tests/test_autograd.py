"""The autograd engine and its API, against torch where torch can be the oracle."""
import sys

import numpy as np
import pytest
import torch
from helpers import assert_close

import ember

R = np.random.default_rng(0)


def _pair(shape=(3,), dtype=np.float32, rg=True):
    a = R.standard_normal(shape).astype(dtype)
    return ember.tensor(a, requires_grad=rg), torch.tensor(a, requires_grad=rg)


# --- backward ----------------------------------------------------------------------------------
def test_backward_accumulates_on_leaves():
    e, t = _pair()
    for _ in range(3):
        (e * e).sum().backward()
        (t * t).sum().backward()
    assert_close(e.grad, t.grad)
    assert e.grad.requires_grad is False and e.grad.grad_fn is None


def test_backward_with_gradient_argument():
    e, t = _pair((2, 3))
    ge = np.arange(6, dtype=np.float32).reshape(2, 3)
    (e * 3).backward(ember.tensor(ge))
    (t * 3).backward(torch.tensor(ge))
    assert_close(e.grad, t.grad)


def test_backward_inputs_restricts_accumulation():
    (ea, ta), (eb, tb) = _pair(), _pair()
    (ea * eb).sum().backward(inputs=[ea])
    (ta * tb).sum().backward(inputs=[ta])
    assert_close(ea.grad, ta.grad)
    assert eb.grad is None and tb.grad is None


def test_nonleaf_grad_is_none_unless_retained():
    e, t = _pair()
    ye, yt = e * 2, t * 2
    ze, zt = e * 3, t * 3
    ye.retain_grad()
    yt.retain_grad()
    (ye * ze).sum().backward()
    (yt * zt).sum().backward()
    with pytest.warns(UserWarning, match="is not a leaf Tensor is being accessed"):
        assert ze.grad is None
    with pytest.warns(UserWarning) as w:
        _ = zt.grad
    with pytest.warns(UserWarning) as we:
        _ = ze.grad
    assert str(w[0].message).startswith(str(we[0].message))  # torch adds "(Triggered ...)"
    assert ye.retains_grad and not ze.retains_grad
    assert_close(ye.grad, yt.grad)
    assert_close(e.grad, t.grad)


def test_second_backward_raises_unless_retained():
    e, _ = _pair()
    y = (e.exp() * e).sum()
    y.backward(retain_graph=True)
    y.backward()
    with pytest.raises(RuntimeError) as info:
        y.backward()
    with pytest.raises(RuntimeError) as tinfo:
        t = torch.ones(3, requires_grad=True)
        z = (t.exp() * t).sum()
        z.backward()
        z.backward()
    assert str(info.value) == str(tinfo.value)


def test_backward_errors_match_torch():
    cases = [
        lambda m, x: (x * 2).backward(),
        lambda m, x: m.ones(2).sum().backward(),
        lambda m, x: (x * 2).sum().backward(m.ones(2)),
        lambda m, x: m.autograd.grad((x * 2).sum(), m.ones(2)),
        lambda m, x: m.autograd.grad((x * 2).sum(), [x, m.ones(2, requires_grad=True)]),
        lambda m, x: x.add_(1),
        lambda m, x: (x * 2).requires_grad_(False),
        lambda m, x: m.ones(2).register_hook(lambda g: g),
        lambda m, x: m.ones(2, dtype=m.int64).requires_grad_(),
        lambda m, x: x.numpy(),
        lambda m, x: (x * 2).sum().backward(inputs=[]),
        lambda m, x: m.autograd.grad((x * 2).sum(), []),
        lambda m, x: m.autograd.grad([(x * 2).sum()], [x], grad_outputs=[m.ones(1)]),
    ]
    for case in cases:
        errs = []
        for m in (ember, torch):
            with pytest.raises(Exception) as info:
                case(m, m.ones(3, requires_grad=True))
            errs.append(info.value)
        assert type(errs[0]) is type(errs[1]), errs
        assert str(errs[0]) == str(errs[1]).replace("torch.Size", "ember.Size"), errs


# --- detach, requires_grad, data -----------------------------------------------------------
def test_detach_and_data_share_storage_without_history():
    e = ember.ones(3, requires_grad=True)
    y = e * 2
    d = y.detach()
    assert not d.requires_grad and d.grad_fn is None and d.is_leaf
    d.add_(1)
    assert y.tolist() == [3.0, 3.0, 3.0]
    data = e.data
    assert not data.requires_grad
    data.mul_(5)
    assert e.tolist() == [5.0, 5.0, 5.0]
    y.detach_()
    assert not y.requires_grad and y.grad_fn is None
    e.data = ember.zeros(3)
    assert e.tolist() == [0.0, 0.0, 0.0] and e.requires_grad


def test_detach_shares_version_counter():
    e = ember.ones(3, requires_grad=True)
    y = e.exp()
    y.detach().add_(1)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


def test_requires_grad_propagation():
    a = ember.ones(2, requires_grad=True)
    b = ember.ones(2)
    assert (a + b).requires_grad and not (b + b).requires_grad
    assert not (a > 0).requires_grad
    assert not a.long().requires_grad
    c = ember.ones(2).requires_grad_()
    assert c.requires_grad and c.is_leaf
    c.requires_grad = False
    assert not c.requires_grad


def test_variable_alias():
    x = ember.ones(2)
    assert ember.autograd.Variable(x) is x
    assert ember.autograd.Variable(x, requires_grad=True).requires_grad


# --- hooks -------------------------------------------------------------------------------------
@pytest.mark.parametrize("leaf", [True, False])
def test_register_hook_sees_and_replaces_grads(leaf):
    grads = {}
    res = []
    for m in (ember, torch):
        x = m.tensor([1.0, 2.0, 3.0], requires_grad=True)
        y = x if leaf else x * 2
        seen = []
        h = y.register_hook(lambda g, seen=seen: (seen.append(g.clone()), g * 10)[1])
        (y * y).sum().backward(retain_graph=True)
        h.remove()
        (y * y).sum().backward()  # the removed hook no longer runs
        grads[m] = (seen, x.grad)
        res.append(len(seen))
    assert res == [1, 1]
    assert_close(grads[ember][0][0], grads[torch][0][0])
    assert_close(grads[ember][1], grads[torch][1])


def test_hook_on_nonleaf_used_twice_runs_once_on_summed_grad():
    for m in (ember, torch):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        y = x * 2
        calls = []
        y.register_hook(lambda g, calls=calls: calls.append(g.tolist()))
        (y * y + y).sum().backward()
        assert len(calls) == 1
        assert calls[0] == [5.0, 9.0]


def test_post_accumulate_grad_hook():
    x = ember.ones(2, requires_grad=True)
    seen = []
    x.register_post_accumulate_grad_hook(lambda t: seen.append(t.grad.tolist()))
    (x * 3).sum().backward()
    assert seen == [[3.0, 3.0]]


# --- grad modes ----------------------------------------------------------------------------
def test_grad_modes_context_managers():
    x = ember.ones(2, requires_grad=True)
    with ember.no_grad():
        assert not ember.is_grad_enabled()
        assert not (x * 2).requires_grad
        with ember.enable_grad():
            assert (x * 2).requires_grad
    with ember.set_grad_enabled(False):
        assert not (x * 2).requires_grad
    assert ember.is_grad_enabled()
    with ember.inference_mode():
        assert not (x * 2).requires_grad
    with ember.inference_mode(False):
        assert (x * 2).requires_grad
    ember.set_grad_enabled(False)
    assert not ember.is_grad_enabled()
    ember.set_grad_enabled(True)
    assert ember.is_grad_enabled()


def test_grad_modes_restore_on_exception():
    with pytest.raises(ValueError):
        with ember.no_grad():
            raise ValueError
    assert ember.is_grad_enabled()


def test_grad_modes_as_decorators():
    x = ember.ones(2, requires_grad=True)

    @ember.no_grad()
    def f1(t):
        return t * 2

    @ember.no_grad
    def f2(t):
        return t * 2

    @ember.inference_mode
    def f3(t):
        return t * 2

    @ember.inference_mode()
    def f4(t):
        return t * 2

    @ember.enable_grad()
    def g(t):
        return t * 2

    @ember.set_grad_enabled(False)
    def f5(t):
        return t * 2

    assert ember.is_grad_enabled()
    for f in (f1, f2, f3, f4, f5):
        assert not f(x).requires_grad, f
    with ember.no_grad():
        assert g(x).requires_grad
    assert f2.__name__ == "f2"

    class M:
        @ember.no_grad()
        def method(self, t):
            return t * 2

    assert not M().method(x).requires_grad


def test_no_grad_decorates_generators():
    x = ember.ones(2, requires_grad=True)

    @ember.no_grad()
    def gen():
        yield x * 2
        yield x * 3

    assert all(not y.requires_grad for y in gen())


# --- autograd.grad -----------------------------------------------------------------------------
def test_grad_function_options():
    out = {}
    for m in (ember, torch):
        x = m.tensor([1.0, 2.0, 3.0], requires_grad=True)
        z = m.tensor([1.0], requires_grad=True)
        y = (x ** 3).sum()
        (g,) = m.autograd.grad(y, x, create_graph=True)
        (gg,) = m.autograd.grad(g, x, grad_outputs=m.ones(3))
        unused = m.autograd.grad((x * 2).sum(), [x, z], allow_unused=True)
        mat = m.autograd.grad((x * 2).sum(), [x, z], allow_unused=True, materialize_grads=True)
        assert x.grad is None
        out[m] = (g, gg, unused[0], unused[1], mat[1])
    assert out[ember][3] is None and out[torch][3] is None
    assert out[ember][0].requires_grad
    for e, t in zip(out[ember][:3] + out[ember][4:], out[torch][:3] + out[torch][4:]):
        assert_close(e.detach(), t.detach())


def test_grad_retain_graph():
    x = ember.ones(2, requires_grad=True)
    y = (x.exp() * x).sum()
    ember.autograd.grad(y, x, retain_graph=True)
    ember.autograd.grad(y, x)
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        ember.autograd.grad(y, x)


def test_hessian_vector_product_and_gradient_penalty():
    a = R.standard_normal((4,)).astype(np.float64)
    v = R.standard_normal((4,)).astype(np.float64)
    res = {}
    for m in (ember, torch):
        x = m.tensor(a, requires_grad=True)
        f = (x.exp() * x * x).sum() + (x * x * x).sum()
        (g,) = m.autograd.grad(f, x, create_graph=True)
        (hv,) = m.autograd.grad((g * m.tensor(v)).sum(), x)
        w = m.tensor(a, requires_grad=True)
        inp = m.tensor(v, requires_grad=True)
        out = (w * inp).exp().sum()
        (gin,) = m.autograd.grad(out, inp, create_graph=True)
        penalty = ((gin * gin).sum() - 1) ** 2
        penalty.backward()
        res[m] = (hv, w.grad)
    assert_close(res[ember], res[torch], rtol=1e-10, atol=1e-10)


def test_backward_create_graph_makes_grad_differentiable():
    for m in (ember, torch):
        x = m.tensor([2.0], requires_grad=True)
        (x ** 3).sum().backward(create_graph=True)
        g = x.grad
        assert g.requires_grad
        (gg,) = m.autograd.grad(g.sum(), x)
        assert gg.tolist() == [12.0]


# --- engine ------------------------------------------------------------------------------------
def test_long_chain_has_no_recursion_limit():
    x = ember.tensor([1.0], requires_grad=True)
    y = x
    for _ in range(100_000):
        y = y * 1.0
    assert sys.getrecursionlimit() < 100_000
    y.sum().backward()
    assert x.grad.tolist() == [1.0]


def test_node_reused_many_times_gets_each_contribution_once():
    x = ember.tensor([1.0, 2.0], requires_grad=True)
    y = x * 3
    total = y
    for _ in range(999):
        total = total + y
    total.sum().backward()
    assert x.grad.tolist() == [3000.0, 3000.0]


def test_diamond_graph_matches_torch():
    grads = []
    for m in (ember, torch):
        x = m.tensor([0.5, -1.5], requires_grad=True)
        a = x.exp()
        b = a * x
        c = a + b
        d = (b * c).sum() + (a * a).sum()
        d.backward()
        grads.append(x.grad)
    assert_close(grads[0], grads[1])


def test_multiple_roots_backward():
    for m in (ember, torch):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        m.autograd.backward([(x * 2).sum(), (x * x).sum()])
        assert x.grad.tolist() == [4.0, 6.0]


def test_grad_fn_graph_introspection():
    x = ember.ones(2, requires_grad=True)
    y = x * 2
    assert x.grad_fn is None
    assert y.grad_fn.name() == "MulBackward0"
    (fn, nr), = [f for f in y.grad_fn.next_functions if f[0] is not None]
    assert type(fn).__name__ == "AccumulateGrad" and fn.variable is x


# --- in-place / version counter ------------------------------------------------------------
@pytest.mark.parametrize("case", ["output", "input", "leaf_input"])
def test_inplace_modification_error_matches_torch(case):
    errs = []
    for m in (ember, torch):
        x = m.ones(3, requires_grad=True)
        with pytest.raises(RuntimeError) as info:
            if case == "output":
                y = (x * 2).exp()
                y.add_(1)
                y.sum().backward()
            elif case == "input":
                y = x * 3
                z = y * y
                y.mul_(2)
                z.sum().backward()
            else:
                w = m.ones(3)
                z = x * w
                w.add_(1)
                z.sum().backward()
        errs.append(str(info.value))
    assert errs[0] == errs[1]


# --- Function ----------------------------------------------------------------------------------
def _make_functions(m):
    class Cube(m.autograd.Function):
        @staticmethod
        def forward(ctx, x, k):
            ctx.save_for_backward(x)
            ctx.k = k
            return x ** 3 * k

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            assert ctx.needs_input_grad == (True, False)
            return grad * 3 * x ** 2 * ctx.k, None

    class SortLike(m.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            idx = m.arange(x.shape[0])
            ctx.mark_non_differentiable(idx)
            return x * 2, idx

        @staticmethod
        def backward(ctx, g, gidx):
            return g * 2

    class NoMat(m.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.set_materialize_grads(False)
            return x.clone(), x.clone()

        @staticmethod
        def backward(ctx, g1, g2):
            assert g2 is None
            return g1

    class Mat(m.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x.clone(), x.clone()

        @staticmethod
        def backward(ctx, g1, g2):
            assert g2 is not None and float((g2 * g2).sum()) == 0
            return g1 + g2

    class Once(m.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x.exp()

        @staticmethod
        @m.autograd.function.once_differentiable
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * x.exp()

    return Cube, SortLike, NoMat, Mat, Once


def test_custom_function_api():
    res = {}
    for m in (ember, torch):
        Cube, SortLike, NoMat, Mat, Once = _make_functions(m)
        x = m.tensor([1.0, -2.0], requires_grad=True)
        y = Cube.apply(x, 2.0)
        assert type(y.grad_fn).__name__.startswith("Cube") and not y.is_leaf
        assert y.grad_fn.name() == "CubeBackward"
        v, idx = SortLike.apply(x)
        assert not idx.requires_grad and v.requires_grad
        a, _ = NoMat.apply(x)
        b, _ = Mat.apply(x)
        c = Once.apply(x)
        (y.sum() + v.sum() + a.sum() + b.sum() + c.sum()).backward()
        res[m] = (y, x.grad)
    assert_close(res[ember][0].detach(), res[torch][0].detach())
    assert_close(res[ember][1], res[torch][1])


def test_custom_function_double_backward():
    res = []
    for m in (ember, torch):
        Cube = _make_functions(m)[0]
        x = m.tensor([1.5], requires_grad=True)
        (g,) = m.autograd.grad(Cube.apply(x, 1.0).sum(), x, create_graph=True)
        (gg,) = m.autograd.grad(g.sum(), x)
        res.append(gg)
    assert_close(res[0], res[1])


def test_custom_function_returning_input_and_no_grad_inputs():
    class Ident(ember.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x

        @staticmethod
        def backward(ctx, g):
            return g * 2

    x = ember.ones(2, requires_grad=True)
    y = Ident.apply(x)
    assert y is not x and y.grad_fn is not None
    y.sum().backward()
    assert x.grad.tolist() == [2.0, 2.0]
    z = Ident.apply(ember.ones(2))
    assert not z.requires_grad
    with ember.no_grad():
        assert not Ident.apply(x).requires_grad


def test_custom_function_wrong_number_of_grads():
    class Bad(ember.autograd.Function):
        @staticmethod
        def forward(ctx, x, y):
            return x * y

        @staticmethod
        def backward(ctx, g):
            return g

    x = ember.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="returned an incorrect number of gradients"):
        Bad.apply(x, x).sum().backward()


# --- gradcheck / anomaly ---------------------------------------------------------------------
def test_gradcheck_and_gradgradcheck():
    x = ember.tensor(R.standard_normal(4), dtype=ember.float64, requires_grad=True)
    y = ember.tensor(R.standard_normal(4), dtype=ember.float64, requires_grad=True)
    assert ember.autograd.gradcheck(lambda a, b: (a * b).exp() / (b * b + 1), (x, y))
    assert ember.autograd.gradgradcheck(lambda a, b: (a * b).exp() / (b * b + 1), (x, y))


def test_gradcheck_detects_wrong_gradient():
    class Wrong(ember.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return g * 3

    x = ember.tensor([1.0, 2.0], dtype=ember.float64, requires_grad=True)
    with pytest.raises(RuntimeError, match="Jacobian mismatch"):
        ember.autograd.gradcheck(Wrong.apply, (x,))
    assert ember.autograd.gradcheck(Wrong.apply, (x,), raise_exception=False) is False


def test_detect_anomaly_names_the_op():
    class NanBack(ember.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return g * float("nan")

    x = ember.tensor([1.0], requires_grad=True)
    with pytest.warns(UserWarning), ember.autograd.detect_anomaly():
        with pytest.raises(RuntimeError) as info:
            NanBack.apply(x).sum().backward()
    assert str(info.value) == "Function 'NanBackBackward' returned nan values in its 0th output."
    with ember.autograd.set_detect_anomaly(True):
        assert ember.autograd.is_anomaly_enabled()
        y = ember.tensor([0.0], requires_grad=True)
        with pytest.raises(RuntimeError, match="Function 'DivBackward0' returned nan"):
            (y / y).sum().backward()
    assert not ember.autograd.is_anomaly_enabled()
    (NanBack.apply(x)).sum().backward()  # off again: no error


# --- functional (bonus) ------------------------------------------------------------------------
def test_functional_jacobian_hessian_vjp_hvp():
    a = R.standard_normal(3)
    v = R.standard_normal(3)
    res = {}
    for m in (ember, torch):
        F = m.autograd.functional

        def f(x, m=m):
            return (x.exp() * x).sum()

        def g(x, m=m):
            return x * x.sum()

        x = m.tensor(a)
        vt = m.tensor(v)
        res[m] = (F.jacobian(g, x), F.hessian(f, x), F.vjp(g, x, vt)[1], F.hvp(f, x, vt)[1],
                  F.jvp(g, x, vt)[1], F.vhp(f, x, vt)[1])
    assert_close(res[ember], res[torch], rtol=1e-10, atol=1e-10)


def test_gradcheck_on_non_contiguous_input():
    base = ember.tensor(R.standard_normal((3, 4)), dtype=ember.float64)
    x = base.t().detach().requires_grad_()
    assert not x.is_contiguous()
    assert ember.autograd.gradcheck(lambda a: (a * a).exp(), (x,))


def test_graphs_are_freed_by_reference_counting():
    import gc
    import weakref

    gc.collect()
    gc.disable()
    try:
        x = ember.ones(3, requires_grad=True)
        y = (x * 2).exp().sum()
        node = weakref.ref(y.grad_fn)
        del y
        assert node() is None  # no reference cycle through saved outputs
        y = (x * x).exp() * x
        node, out = weakref.ref(y.grad_fn), weakref.ref(y)
        y.sum().backward()
        del y
        assert node() is None and out() is None
        leaf = weakref.ref(x)
        del x
        assert leaf() is None  # a leaf and its AccumulateGrad form no cycle
    finally:
        gc.enable()


def test_autograd_grad_edge_cases_match_torch():
    res = {}
    for m in (ember, torch):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        y = x * 2
        z = y * 3
        g_self = m.autograd.grad(x, x, m.ones(2))[0]
        g_mid = m.autograd.grad(z.sum(), [y, x])
        two = m.autograd.grad([(x * 2).sum(), (x * 3).sum()], x,
                              grad_outputs=[m.tensor(1.0), None])[0]
        preset = m.zeros(2)
        x.grad = preset
        (x * 2).sum().backward()
        assert x.grad is preset  # accumulated in place into the assigned tensor
        res[m] = (g_self, g_mid[0], g_mid[1], two, x.grad)
    assert_close(res[ember], res[torch])


def test_assigning_grad_is_validated_as_torch():
    for value in ("ones(3)", "ones(2, dtype=m.float64)", "ones(2, dtype=m.int64)", "5"):
        errs = []
        for m in (ember, torch):
            x = m.ones(2, requires_grad=True)
            with pytest.raises(Exception) as info:
                x.grad = eval(value if value == "5" else "m." + value, {"m": m})
            errs.append(info.value)
        assert type(errs[0]) is type(errs[1]) and str(errs[0]) == str(errs[1]), errs
    x = ember.ones(2, requires_grad=True)
    x.grad = ember.full((2,), 3.0)
    del x.grad
    assert x.grad is None


def test_saved_output_that_forward_returned_as_a_numpy_scalar_keeps_its_history():
    # NumPy full reductions return scalars; the saved output must still be the graph output
    class FullProd(ember.autograd.Function):
        _array_forward = True

        @staticmethod
        def forward(ctx, x):
            out = x.prod()
            ctx.save_for_backward(x, out)
            return out

        @staticmethod
        def backward(ctx, grad):
            x, out = ctx.saved_tensors
            return grad * out / x

    a = R.standard_normal(4) + 3
    x = ember.tensor(a, dtype=ember.float64, requires_grad=True)
    assert ember.autograd.gradgradcheck(FullProd.apply, (x,))


def test_functional_with_tuple_inputs_and_outputs():
    a = R.standard_normal(3)
    b = R.standard_normal(2)
    res = {}
    for m in (ember, torch):
        F = m.autograd.functional

        def f(x, y):
            return x * x.sum(), (y * y).sum() * x

        def s(x, y):
            return x.exp().sum() * (y * y).sum()

        x, y = m.tensor(a), m.tensor(b)
        v3, v2 = m.ones(3, dtype=m.float64), m.ones(2, dtype=m.float64)
        res[m] = (F.jacobian(f, (x, y)), F.hessian(s, (x, y)), F.vjp(f, (x, y), (v3, v3))[1],
                  F.jvp(f, (x, y), (v3, v2))[1], F.hvp(s, (x, y), (v3, v2))[1])
    assert_close(res[ember], res[torch], rtol=1e-10, atol=1e-10)


def test_custom_function_mark_dirty_and_needs_input_grad_in_forward():
    res = []
    for m in (ember, torch):
        class Dbl(m.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                ctx.mark_dirty(x)
                x.mul_(2)
                return x

            @staticmethod
            def backward(ctx, g):
                return g * 2

        class Flags(m.autograd.Function):
            @staticmethod
            def forward(ctx, x, y):
                ctx.flags = tuple(ctx.needs_input_grad)
                return x * y

            @staticmethod
            def backward(ctx, g):
                return g, g

        a = m.tensor([1.0, 2.0], requires_grad=True)
        b = a * 1
        c = Dbl.apply(b)
        assert c is b and c.grad_fn.name() == "DblBackward"
        (c * c).sum().backward()
        assert Flags.apply(a, m.ones(2)).grad_fn.flags == (True, False)
        res.append(a.grad)
    assert_close(res[0], res[1])
