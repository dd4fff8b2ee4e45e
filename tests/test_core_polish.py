"""Last parity items of the core issue, each checked against PyTorch."""
import warnings
import zlib

import numpy as np
import pytest
import torch

import ember

# --- var / std to the last float32 ulp --------------------------------------------------------
VAR_CASES = [((1000,), None), ((37,), None), ((5000,), None), ((100, 100), None),
             ((64, 33), 1), ((64, 33), 0), ((8, 9, 10), (0, 2)), ((3, 1000), 1),
             ((7, 1, 5), -1), ((4, 6), (1, 0))]


@pytest.mark.parametrize("shape,dim", VAR_CASES)
@pytest.mark.parametrize("name", ["var", "std"])
@pytest.mark.parametrize("loc,scale", [(0.0, 1.0), (5.0, 0.1), (100.0, 3.0)])
def test_var_std_float32_match_torch_bit_for_bit(shape, dim, name, loc, scale):
    # torch accumulates in double (Welford over dim, float32 mean + double deviations over
    # all elements); a float32 two-pass differs in the last ulp for a third of these inputs.
    x = (np.random.default_rng(zlib.crc32(repr((shape, dim, loc)).encode())).standard_normal(shape)
         * scale + loc).astype(np.float32)
    kw = {} if dim is None else {"dim": dim}
    for c in (0, 1, 2):
        e = getattr(ember.from_numpy(x), name)(**kw, correction=c)
        t = getattr(torch.from_numpy(x), name)(**kw, correction=c)
        assert e.dtype == ember.float32
        np.testing.assert_array_equal(e.numpy(), t.numpy())


def test_var_float64_matches_torch_to_float64_rounding():
    # float64: torch's Welford and NumPy's pairwise two-pass order the sums differently
    x = np.random.default_rng(3).standard_normal((50, 40)) * 2 + 7
    for kw in ({}, {"dim": 0}, {"dim": 1}):
        e = ember.from_numpy(x).var(**kw).numpy()
        t = torch.from_numpy(x).var(**kw).numpy()
        np.testing.assert_allclose(e, t, rtol=1e-14, atol=0)


def test_var_std_complex_are_real_and_match_torch():
    x = np.array([[1 + 2j, 3 - 1j, 0.5j], [2, -1j, 1 + 1j]], dtype=np.complex64)
    for name in ("var", "std"):
        for kw in ({}, {"dim": 1}, {"dim": 0}):
            e = getattr(ember.from_numpy(x), name)(**kw)
            t = getattr(torch.from_numpy(x), name)(**kw)
            assert e.dtype == ember.float32 and t.dtype == torch.float32
            np.testing.assert_allclose(e.numpy(), t.numpy(), rtol=1e-6)


@pytest.mark.parametrize("make", [
    lambda m: m.var(m.ones(0)), lambda m: m.var(m.ones(1)), lambda m: m.ones(2, 0).var(1),
    lambda m: m.ones(2, 0).var(0), lambda m: m.tensor([1., 2.]).var(correction=3),
    lambda m: m.tensor([1., float("nan")]).std(), lambda m: m.tensor([[1., float("inf")]]).var(1),
    lambda m: m.tensor([1., 2., 4.], dtype=m.float16).var()])
def test_var_edge_cases_match_torch(make):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        e, t = make(ember), make(torch)
    assert tuple(e.shape) == tuple(t.shape) and str(e.dtype)[6:] == str(t.dtype)[6:]
    np.testing.assert_array_equal(e.numpy(), t.numpy())


def test_var_std_gradients_match_torch():
    x = np.random.default_rng(1).standard_normal((4, 5)).astype(np.float32)
    for name, kw in (("var", {"dim": 1}), ("std", {}), ("std", {"dim": (0, 1), "keepdim": True})):
        e, t = ember.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        getattr(e, name)(**kw).sum().backward()
        getattr(t, name)(**kw).sum().backward()
        np.testing.assert_allclose(e.grad.numpy(), t.grad.numpy(), rtol=1e-5, atol=1e-6)


# --- _version: an int, shared by views and detach(), fresh for .data -----------------------------
def _version_trace(lib):
    a = lib.zeros(3)
    out = [type(a._version).__name__, a._version]
    a.add_(1)
    out.append(a._version)
    v = a[1:]
    out.append(v._version)
    v.mul_(2)
    out += [a._version, v._version]
    d = a.data
    out.append(d._version)
    d.add_(1)
    out += [a._version, d._version]
    e = a.detach()
    out.append(e._version)
    e.add_(1)
    out.append(a._version)
    a[0] = 5
    out += [a._version, a.view(3)._version, a.clone()._version]
    x = lib.zeros(2)
    p = lib.nn.Parameter(x)
    out.append(p._version)
    x.add_(1)
    out.append(p._version)
    with lib.no_grad():
        p.add_(1)
    out.append(p._version)
    return out


def test_version_is_an_int_matching_torch():
    assert _version_trace(ember) == _version_trace(torch)


def test_version_is_read_only_like_torch():
    for lib in (ember, torch):
        with pytest.raises(AttributeError):
            lib.zeros(1)._version = 3


def test_version_bumped_by_optimizer_step_like_torch():
    vs = []
    for lib in (ember, torch):
        p = lib.nn.Parameter(lib.ones(3))
        opt = lib.optim.SGD([p], lr=0.1, momentum=0.9)
        p.sum().backward()
        v0 = p._version
        opt.step()
        vs.append(p._version - v0 > 0)
    assert vs == [True, True]


# --- real / imag / conj / adjoint / get_device / anomaly flags -----------------------------------
def _outcome(fn):
    try:
        r = fn()
    except Exception as e:  # the exception type and message are part of the contract
        return (type(e).__name__, str(e))
    if isinstance(r, (ember.Tensor, torch.Tensor)):
        return ("tensor", str(r.dtype).split(".")[-1], tuple(r.shape), r.detach().tolist())
    return r


@pytest.mark.parametrize("expr", [
    "t.real is t", "t.imag", "lib.ones(3, dtype=lib.int64).imag",
    "lib.tensor([1 + 2j, 3 - 1j]).real", "lib.tensor([1 + 2j, 3 - 1j]).imag",
    "lib.real(lib.tensor([1 + 2j]))", "lib.imag(lib.tensor([1 + 2j]))",
    "t.adjoint()", "lib.ones(3).adjoint()", "lib.ones(2, 3, 4).adjoint()",
    "lib.tensor([[1 + 2j, 3 - 1j]]).adjoint()", "lib.adjoint(lib.tensor([[1 + 2j]]))",
    "t.conj() is t", "lib.tensor([1 + 2j]).conj()", "t.resolve_conj() is t", "t.is_conj()",
    "t.get_device()", "lib.is_anomaly_enabled()", "lib.is_anomaly_check_nan_enabled()"])
def test_complex_parts_and_small_apis_match_torch(expr):
    def run(lib):
        return _outcome(lambda: eval(expr, {"lib": lib, "t": lib.ones(2, 3)}))

    assert run(ember) == run(torch)


def test_real_of_a_real_tensor_is_itself():
    t = ember.ones(2)
    assert t.real is t and ember.real(t) is t


def _complex_parts_trace(lib):
    y = lib.tensor([1 + 2j, 3 - 1j])
    y.real.mul_(2)
    y.imag.add_(1)
    after = (y.tolist(), y._version)
    y.real = lib.zeros(2)
    grads = []
    w = lib.tensor([[2.], [3.]])
    for f in (lambda c: c.conj().real.sum(), lambda c: (c.conj().imag * 2).sum(),
              lambda c: (c.adjoint().real * w).sum()):
        c = lib.tensor([[1 + 2j, 3 - 1j]], requires_grad=True)
        f(c).backward()
        grads.append([complex(z) + 0 for z in c.grad.flatten().tolist()])
    return after, y.tolist(), grads


def test_real_imag_are_views_with_torch_gradients():
    assert _complex_parts_trace(ember) == _complex_parts_trace(torch)


def _anomaly_trace(lib, check_nan):
    x = lib.zeros(2, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with lib.autograd.detect_anomaly(check_nan=check_nan):
            flags = (lib.is_anomaly_enabled(), lib.is_anomaly_check_nan_enabled())
            out = _outcome(lambda: (x * 0).div(x * 0).sum().backward())
    return (flags, out[0] if isinstance(out, tuple) else out, lib.is_anomaly_enabled(),
            lib.is_anomaly_check_nan_enabled())


@pytest.mark.parametrize("check_nan", [True, False])
def test_detect_anomaly_check_nan_matches_torch(check_nan):
    assert _anomaly_trace(ember, check_nan) == _anomaly_trace(torch, check_nan)


def test_set_detect_anomaly_restores_both_flags():
    for lib in (ember, torch):
        with lib.autograd.set_detect_anomaly(True, check_nan=False):
            assert lib.is_anomaly_enabled() and not lib.is_anomaly_check_nan_enabled()
        assert not lib.is_anomaly_enabled() and lib.is_anomaly_check_nan_enabled()
        lib.set_anomaly_enabled(True)
        assert lib.is_anomaly_enabled()
        lib.set_anomaly_enabled(False)


# --- gradcheck's failure report -------------------------------------------------------------------
def _half_square(lib):
    class HalfSquare(lib.autograd.Function):  # backward off by a factor 2
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * x

    return HalfSquare.apply


def _gradcheck_failure(lib, case):
    f = _half_square(lib)
    x = lib.tensor([1., 2.], dtype=lib.float64, requires_grad=True)
    y = lib.tensor([3.], dtype=lib.float64, requires_grad=True)
    z = lib.tensor([1., 2.], dtype=lib.float64)
    ones = lib.ones(2)
    fn, inputs = [(lambda a, b: (f(a), b * 2), (x, y)),
                  (lambda a, b: (b * 2, a * 2 + f(a).sum()), (x, y)),
                  (lambda c, a: (ones, f(a) * c), (z, x)),  # a non-differentiable output
                  (lambda c, a: f(a)[0], (z, x))][case]
    mod = __import__(lib.__name__ + ".autograd.gradcheck", fromlist=["GradcheckError"])
    with pytest.raises(mod.GradcheckError) as info:
        lib.autograd.gradcheck(fn, inputs)
    assert isinstance(info.value, RuntimeError)
    assert lib.autograd.gradcheck(fn, inputs, raise_exception=False) is False
    return str(info.value).replace("ember.", "torch.")


@pytest.mark.parametrize("case", range(4))
def test_gradcheck_error_message_matches_torch(case):
    assert _gradcheck_failure(ember, case) == _gradcheck_failure(torch, case)


# --- creation ops, random APIs, conversions: outcomes (value or exception) match torch ------------
def _normalised(lib, expr):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = _outcome(lambda: eval(expr, {"lib": lib, "np": np}))
    msgs = [str(w.message).replace("torch.tensor(", "ember.tensor(") for w in caught]
    return repr((out, msgs)).replace("torch.", "ember.")


PARITY = [
    # size forms and their errors
    "lib.zeros(size=(2,))", "lib.ones(size=[2, 1])", "lib.empty(size=(0,)).shape",
    "lib.rand(size=(2,)).shape", "lib.randn(size=(2, 3)).shape", "lib.zeros(2, size=[2])",
    "lib.zeros(2.0)", "lib.zeros((2.0,))", "lib.zeros((2, 1.5))", "lib.zeros(2, 3, 1.5)",
    "lib.zeros(1.5, 2)", "lib.zeros(2, (3,))", "lib.zeros(True)", "lib.zeros(lib.tensor(2.))",
    "lib.zeros(lib.tensor(3))", "lib.zeros(np.int64(2))", "lib.rand(2.0)", "lib.randn((2, 1.5))",
    "lib.full(2, 3.)", "lib.full((2.0,), 1.)", "lib.full([], 2.)", "lib.full((2,), lib.tensor(3.))",
    # out=: written in place, dtype from out, PyTorch's errors
    "lib.zeros(2, out=lib.empty(5))", "lib.ones(2, out=lib.empty(2, dtype=lib.int64))",
    "lib.zeros(2, dtype=lib.int64, out=lib.empty(0))", "lib.full((2,), 7, out=lib.empty(2))",
    "lib.full((2,), 7.5, out=lib.empty(0, dtype=lib.int64))",
    "lib.arange(3, out=lib.empty(0, dtype=lib.float64))", "lib.arange(0, 1, 0.5, out=lib.empty(0))",
    "lib.linspace(0, 1, 3, out=lib.empty(0, dtype=lib.int64))",
    "lib.eye(2, out=lib.empty(0, dtype=lib.int64))",
    "lib.logspace(0, 2, 3, out=lib.empty(0, dtype=lib.float64))",
    "lib.rand(2, out=lib.empty(0, dtype=lib.float64)).dtype",
    "lib.rand(2, out=lib.empty(0, dtype=lib.int64))",
    "lib.randn(2, 3, out=lib.empty(0, dtype=lib.float64)).shape",
    "lib.randint(0, 5, (2,), out=lib.empty(0)).dtype",
    "lib.randint(0, 5, (2,), out=lib.empty(0, dtype=lib.int32)).dtype",
    "lib.randperm(3, out=lib.empty(0)).sort().values",
    "lib.normal(0., 1., (2,), out=lib.empty(0, dtype=lib.float64)).dtype",
    "lib.zeros(2, out=lib.ones(2, requires_grad=True))",
    "lib.multinomial(lib.tensor([1., 2.]), 2, out=lib.empty(0))",
    # arange / linspace
    "lib.arange(0, 1, 0.1)", "lib.arange(0, 1, 0.3)", "lib.arange(-1, 1, 0.1).shape",
    "lib.arange(1.0, 1.3, 0.1).shape", "lib.arange(0, 0.3, 0.1).shape", "lib.arange(0, 1, 1 / 3)",
    "lib.arange(0., 2.1, 0.7)", "lib.arange(10, 0, -3)", "lib.arange(0, 5, 0)", "lib.arange(5, 0)",
    "lib.arange(lib.tensor(2.5))", "lib.arange(5, requires_grad=True)",
    "lib.linspace(0, 10, 4, dtype=lib.int64)", "lib.linspace(0.5, 7.5, 5, dtype=lib.int64)",
    "lib.linspace(-0.5, 7.9, 5, dtype=lib.int64)", "lib.linspace(-1.5, 2.5, 3, dtype=lib.int64)",
    "lib.linspace(-7, 0, 5, dtype=lib.int32)", "lib.linspace(1, 10, 10, dtype=lib.uint8)",
    "lib.linspace(0, 1, 1)", "lib.linspace(0, 1, 0)", "lib.linspace(0, 1, -1)",
    # tensor(): copy-construct warning, overflow
    "lib.tensor(lib.ones(2))", "lib.ones(2).new_tensor(lib.ones(2))",
    "lib.ones(2).new_tensor(lib.ones(2, dtype=lib.int64))", "lib.tensor(1e100)",
    "lib.tensor(2**63)", "lib.ones(2).new_tensor([1, 2], requires_grad=True)",
    # randint signatures and bounds
    "lib.randint(5, (3,)).shape", "lib.randint(5, size=(3,)).shape",
    "lib.randint(2, 5, (3,)).shape",
    "lib.randint(low=2, high=5, size=(3,)).shape", "lib.randint(high=5, size=(3,)).shape",
    "lib.randint(5, [2]).shape", "lib.randint(5, lib.Size([2])).shape",
    "lib.randint(lib.tensor(5), (2,)).shape", "lib.randint(5, 3)", "lib.randint(5.0, (2,))",
    "lib.randint(5, 5, (2,))", "lib.randint(0, 300, (2,), dtype=lib.uint8)",
    "lib.randint(-1, 3, (2,), dtype=lib.uint8)", "lib.randint(-200, 3, (2,), dtype=lib.int8)",
    "lib.randint(0, 129, (2,), dtype=lib.int8)", "lib.randint(0, 128, (2,), dtype=lib.int8).dtype",
    "lib.randint(0, 2**31 + 1, (2,), dtype=lib.int32)", "lib.randint(0, 3, (2,), dtype=lib.bool)",
    "lib.randint(0, 70000, (2,), dtype=lib.float16)", "lib.randint(0, 2**63, (2,))",
    "lib.randint(3, (2, 2), requires_grad=True)", "lib.randint(-3, -1, (50,)).max().item() < -1",
    # randperm / multinomial errors
    "lib.randperm(-1)", "lib.randperm(0)", "lib.randperm(4, dtype=lib.float32).sort().values",
    "lib.multinomial(lib.tensor([1., 2.]), 0)", "lib.multinomial(lib.tensor([1., 2.]), -1)",
    "lib.multinomial(lib.tensor([1, 2]), 1)", "lib.multinomial(lib.ones(2, 0), 1)",
    "lib.multinomial(lib.tensor([1., 2.]), 2.0)", "lib.multinomial(lib.tensor([-1., 2.]), 3)",
    "lib.multinomial(lib.tensor([-1., 2.]), 1)", "lib.multinomial(lib.tensor([0., 0.]), 1)",
    "lib.multinomial(lib.tensor([1., 0.]), 2).sort().values",
    "lib.multinomial(lib.ones(2, 2, 2), 1)",
    "lib.multinomial(lib.tensor([float('nan'), 2.]), 1)",
    # Generator
    "type(lib.manual_seed(3)).__name__", "lib.manual_seed(3).initial_seed()",
    "lib.manual_seed(1.5).initial_seed()", "lib.manual_seed(2**64)",
    "lib.Generator().manual_seed(-1).initial_seed()", "lib.Generator().manual_seed(2**64)",
    "lib.Generator().manual_seed(-2**63 - 1)", "lib.Generator().manual_seed(1.5)",
    "lib.Generator().manual_seed('1')", "lib.Generator().manual_seed(lib.tensor(3))",
    "lib.Generator().manual_seed(5).initial_seed()", "lib.Generator().get_state().dtype",
    "lib.Generator().get_state().dim()", "lib.Generator().set_state([1])",
    "lib.Generator().set_state(lib.zeros(3))", "type(lib.Generator().seed()).__name__",
    "lib.get_rng_state().dtype", "lib.random.manual_seed(4).initial_seed()",
    # item / tolist / __format__ / conversions
    "lib.tensor([1., 2.]).item()", "lib.tensor([]).item()", "lib.tensor([[1.5]]).item()",
    "type(lib.tensor(2).tolist()).__name__", "lib.tensor(2.5, dtype=lib.float16).tolist()",
    "lib.tensor(0.1).tolist()", "lib.tensor(True).tolist()", "lib.zeros(2, 0).tolist()",
    "format(lib.tensor(3.14159), '.2f')", "format(lib.tensor(3), '05d')",
    "format(lib.tensor(0.1), '')",
    "format(lib.tensor([1.]), '.2f')", "format(lib.tensor(1.5), '>8')", "f'{lib.tensor(7)}'",
    "format(lib.tensor(2.5, requires_grad=True), '.1f')", "'%.2f' % lib.tensor(2.5)",
    "lib.ones(()).size(0)", "lib.ones(()).size(-1)", "lib.ones(()).stride(0)",
    "lib.ones(()).stride()",
    "lib.ones(2, 3).size(-3)", "lib.tensor([1.5]).cfloat().dtype", "lib.tensor([1.5]).cdouble()",
    "lib.is_nonzero(lib.tensor([1.]))", "lib.is_nonzero(lib.tensor([1., 2.]))",
    "lib.is_nonzero(lib.tensor([]))", "lib.is_storage(lib.ones(1))", "lib.typename(lib.ones(1))",
    "lib.typename(lib.ones(1, dtype=lib.int64))", "lib.typename(1)",
    # new_* factories, *_like, eye/arange/linspace/full argument checks, casts, dtype=float
    "lib.ones(2).new_zeros(size=(2,))", "lib.ones(2).new_zeros([2, 3])",
    "lib.ones(2).new_full(2, 3.)", "lib.ones(2).new_zeros(2.5)", "lib.ones(2).new_full((2,), 3)",
    "lib.ones(2, dtype=lib.int64).new_full((2,), 3.5)",
    "lib.ones(2).new_full(size=(2,), fill_value=3.)",
    "lib.ones(2).new_empty((2,), requires_grad=True).requires_grad",
    "lib.zeros_like(lib.ones(2), memory_format=lib.preserve_format)",
    "lib.ones(2, 3, 4, 5).is_contiguous(memory_format=lib.channels_last)",
    "lib.ones(2, 1, 4, 5).is_contiguous(memory_format=lib.channels_last)",
    "lib.ones(2, 3).is_contiguous(memory_format=lib.channels_last)",
    "lib.ones(2, 3, 4, 5).permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2)"
    ".is_contiguous(memory_format=lib.channels_last)", "repr(lib.channels_last)",
    "lib.tensor(float('nan')).long()", "lib.tensor([1e10]).to(lib.int32).dtype",
    "lib.range(0, 1, 0.5)", "lib.eye(2.0)", "lib.arange(3, dtype=lib.bool)",
    "lib.arange(float('inf'))", "lib.arange(float('nan'))", "lib.arange(0, 5, lib.tensor(2))",
    "lib.linspace(1 + 1j, 2 + 2j, 3)", "lib.linspace(lib.tensor([0.]), 1, 3)",
    "lib.linspace(0, lib.tensor([1.]), 3)", "lib.linspace(lib.tensor(0), lib.tensor(10), 3)",
    "lib.full((2,), None)", "lib.full((2,), 'a')", "lib.full((2,), 2**40)",
    "lib.full((2,), 3, dtype=lib.bool)", "lib.zeros(2, dtype=float)", "lib.zeros(2, dtype=int)",
    "lib.tensor([1, 2], dtype=float)", "lib.ones(2).to(float)", "lib.ones(2).to(complex).dtype",
]


@pytest.mark.parametrize("expr", PARITY)
def test_outcome_matches_torch(expr):
    assert _normalised(ember, expr) == _normalised(torch, expr)


def test_out_returns_the_out_tensor_and_bumps_its_version():
    for lib in (ember, torch):
        o = lib.empty(5)
        v = o._version
        r = lib.zeros(2, out=o)
        assert r is o and tuple(o.shape) == (2,) and o._version > v
        o = lib.empty(3, dtype=lib.int64)
        assert lib.randint(0, 4, (3,), out=o) is o and lib.randperm(3, out=o) is o


def test_generator_state_round_trip_reproduces_draws():
    g = ember.Generator().manual_seed(7)
    state = g.get_state()
    a = ember.rand(4, generator=g)
    assert g.set_state(state) is g
    assert ember.equal(a, ember.rand(4, generator=g)) and g.initial_seed() == 7


@pytest.mark.parametrize("kw", [{}, {"precision": 2}, {"profile": "short"}, {"sci_mode": True},
                                {"sci_mode": False}, {"threshold": 5, "edgeitems": 1},
                                {"linewidth": 30}, {"precision": 0}, {"precision": 8}])
def test_printoptions_match_torch(kw):
    arrays = [np.array([1.23456, 2.5, -3.0], np.float32), np.arange(12.).reshape(3, 4) / 7,
              np.array([1e-5, 1e5, 3.], np.float32), np.arange(20),
              np.array([0.1, np.nan, np.inf], np.float32), np.array(3.14159, np.float32),
              np.linspace(0, 1, 30, dtype=np.float32).reshape(2, 15)]
    out = []
    for lib in (ember, torch):
        try:
            lib.set_printoptions(**kw)
            out.append([repr(lib.from_numpy(a.copy())).replace("torch.", "ember.")
                        for a in arrays])
        finally:
            lib.set_printoptions(profile="default")
            lib.set_printoptions(sci_mode=None)
    assert out[0] == out[1]


# --- reductions: dim checks, float16 accumulation, nansum/nanmean/nanmedian/aminmax --------------
REDUCE_PARITY = [
    "lib.ones(2, 3).sum(dim=(0, -2))", "lib.ones(2, 3).sum(dim=(1, -1, 0))",
    "lib.ones(2, 3).mean(dim=[1, 1])", "lib.ones(2, 3).amax(dim=(1, 1))",
    "lib.ones(2, 3).var(dim=(1, 1))", "lib.ones(2, 3).norm(dim=(0, 0))",
    "lib.ones(2, 3).logsumexp(dim=(0, 0))", "lib.tensor(3.).sum((0, -1))",
    "lib.tensor(3.).sum((0, 1))", "lib.tensor(3.).sum(1)", "lib.tensor(3.).amax(1)",
    "lib.tensor(3.).var(1)", "lib.tensor(3.).mean(-2)", "lib.tensor(3.).sum(-1)",
    "lib.ones(0).argmax()", "lib.ones(0, 3).argmax(0)", "lib.ones(0, 3).argmin(1)",
    "lib.ones(2, 3).prod(dim=(0, 1))",
    "lib.tensor([60000., 60000.], dtype=lib.float16).sum()",
    "lib.tensor([60000., 60000.], dtype=lib.float16).mean()",
    "lib.tensor([[1., float('nan')], [3., 4.]]).nansum(1)", "lib.nansum(lib.tensor([1, 2]))",
    "lib.tensor([float('nan')]).nansum(dtype=lib.float64)",
    "lib.tensor([[1., float('nan')], [3., 4.]]).nanmean()",
    "lib.nanmean(lib.ones(2, 3), dim=1, keepdim=True)", "lib.nanmean(lib.tensor([1, 2]))",
    "lib.nanmean(lib.tensor([float('nan')]))",
    "lib.tensor([[1., float('nan')], [3., 4.]]).nanmedian()",
    "lib.tensor([[1., 1., float('nan'), 3.], [2., 1., float('nan'), 1.]]).nanmedian(1)",
    "lib.tensor([2., 1., float('nan'), 1.]).nanmedian(0, keepdim=True)",
    "lib.tensor([float('nan')] * 2).nanmedian()", "lib.ones(0).nanmedian()",
    "lib.ones(0, 2).nanmedian(0)", "lib.tensor([1, 3, 2]).nanmedian()",
    "lib.aminmax(lib.tensor([[1., 5.], [3., 2.]]))", "lib.aminmax(lib.tensor(3.))",
    "lib.aminmax(lib.ones(2, 3), dim=1, keepdim=True)", "lib.aminmax(lib.ones(2, 3), keepdim=True)",
    "lib.aminmax(lib.tensor([1, 5]))", "lib.aminmax(lib.ones(0))", "lib.ones(2).aminmax(1)",
    "lib.ones(2, 3).aminmax(dim=-1)",
]


@pytest.mark.parametrize("expr", REDUCE_PARITY)
def test_reduction_outcome_matches_torch(expr):
    assert _normalised(ember, expr) == _normalised(torch, expr)


def test_float16_sum_and_mean_accumulate_in_float32_like_torch():
    x = np.random.default_rng(0).standard_normal((50, 100)).astype(np.float16)
    for kw in ({}, {"dim": 1}, {"dim": 0}):
        for name in ("sum", "mean"):
            e = getattr(ember.from_numpy(x), name)(**kw).numpy()
            t = getattr(torch.from_numpy(x), name)(**kw).numpy()
            np.testing.assert_array_equal(e, t)


def _nan_reduction_grads(lib):
    nan = float("nan")
    out = []
    for f in (lambda x: x.nansum(), lambda x: lib.nanmean(x, 1).sum(),
              lambda x: x.nanmedian(), lambda x: x.nanmedian(1).values.nansum(),
              lambda x: (lambda r: r.min.sum() + 2 * r.max.sum())(lib.aminmax(x, dim=0))):
        x = lib.tensor([[1., nan, 1.], [3., 4., 4.]], requires_grad=True)
        f(x).backward()
        out.append(np.round(x.grad.numpy(), 6).tolist())
    return repr(out)


def test_nan_reductions_and_aminmax_gradients_match_torch():
    assert _nan_reduction_grads(ember) == _nan_reduction_grads(torch)


@pytest.mark.parametrize("expr", [
    "lib.autograd.gradcheck(lambda x: x ** 2, lib.tensor([1., 2.], dtype=lib.float64))",
    "lib.autograd.gradcheck(lambda x: x.detach() ** 2, "
    "lib.tensor([1., 2.], dtype=lib.float64, requires_grad=True))",
    "lib.autograd.gradcheck(lambda x: x.detach() ** 2, "
    "lib.tensor([1., 2.], dtype=lib.float64, requires_grad=True), raise_exception=False)",
    "lib.autograd.gradcheck(lambda x: x.sum().detach() * 0, "
    "lib.tensor([1., 2.], dtype=lib.float64, requires_grad=True))",
    "lib.autograd.gradcheck(lambda x, n: x ** n, "
    "(lib.tensor([1., 2.], dtype=lib.float64, requires_grad=True), 3))",
])
def test_gradcheck_input_and_output_checks_match_torch(expr):
    assert _normalised(ember, expr) == _normalised(torch, expr)


# --- saved_tensors_hooks -------------------------------------------------------------------------
def _saved_hooks_trace(lib):
    class Cube(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x ** 3

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return 3 * g * x ** 2

    seen, unpacked = [], []

    def pack(t):
        seen.append(tuple(t.shape))
        return t * 1  # ops inside the hook are not hooked themselves

    def unpack(t):
        unpacked.append(1)
        return t

    x = lib.tensor([1., 2.], requires_grad=True)
    with lib.autograd.graph.saved_tensors_hooks(pack, unpack):
        y = (x * x).exp().sum() + Cube.apply(x).sum()
    y.backward()
    with lib.autograd.graph.save_on_cpu():
        z = (x.sin() * x).sum()
    (g,) = lib.autograd.grad(z, x)
    with lib.autograd.graph.disable_saved_tensors_hooks("no hooks here"):
        err = _outcome(lambda: lib.autograd.graph.saved_tensors_hooks(pack, unpack).__enter__())
    t = lib.ones(2)
    lib.autograd.graph.increment_version(t)
    # which tensors an op saves is an implementation choice: compare that each is packed
    # and unpacked once, not the list itself
    return (len(seen) >= 2, len(unpacked) == len(seen), np.round(x.grad.numpy(), 4).tolist(),
            np.round(g.numpy(), 4).tolist(), err, t._version)


def test_saved_tensors_hooks_match_torch():
    assert _saved_hooks_trace(ember) == _saved_hooks_trace(torch)
