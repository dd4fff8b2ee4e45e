"""Tensor attributes, Python protocols and conversions, against torch."""
import copy
import pickle

import numpy as np
import pytest
import torch
from helpers import assert_close

import ember

ATTR_CASES = [
    "m.tensor([1.0, 2.0]).T", "m.ones(2, 3).mT.shape", "m.ones(2, 3, 4).mT.shape",
    "m.ones(2, 3).T.shape", "m.ones(2, 3).size(1)", "m.ones(2, 3).size(-1)", "m.ones(2, 3).size()",
    "m.ones(2, 3).shape", "m.ones(2, 3).stride()", "m.ones(2, 3).t().stride()",
    "m.ones(2, 3).stride(0)", "m.ones(2, 3).numel()", "m.ones(2, 3).dim()", "m.ones(2, 3).ndim",
    "m.ones(2, 3).ndimension()", "m.ones(2, 3).nelement()", "m.ones(2).element_size()",
    "m.ones(2, dtype=m.float64).itemsize", "m.ones(2).nbytes", "m.ones(2).dtype",
    "m.ones(2).device", "m.ones(2).is_cuda", "m.ones(2).is_cpu", "m.ones(2).is_leaf",
    "m.ones(2).requires_grad", "m.ones(2).grad", "m.ones(2).grad_fn",
    "m.ones(2).is_floating_point()", "m.ones(2, dtype=m.int64).is_floating_point()",
    "m.ones(2).is_complex()", "m.ones(2, 3).is_contiguous()", "m.ones(3, 2).t().is_contiguous()",
    "m.ones(3, 2).t().contiguous().is_contiguous()", "m.ones(2).is_sparse",
    "m.Size([2, 3])", "m.Size([2, 3]).numel()", "m.ones(2, 3).shape[1:]",
    "m.ones(2, 3).shape + (1,)", "m.ones(2, 3).shape == (2, 3)", "m.is_tensor(m.ones(1))",
    "m.is_tensor([1])", "m.numel(m.ones(2, 5))", "m.is_floating_point(m.ones(1))",
]


@pytest.mark.parametrize("expr", ATTR_CASES)
def test_attributes_match_torch(expr):
    _same_in_both(expr)


def _same_in_both(expr):
    """``expr`` with ``m`` as ember and as torch: equal tensors, or the same repr."""
    e = eval(expr, {"m": ember})
    t = eval(expr, {"m": torch})
    if isinstance(t, torch.Tensor):
        assert_close(e, t)
    else:
        assert repr(e) == repr(t).replace("torch.", "ember."), (e, t)


PROTOCOL_CASES = [
    "m.tensor(3.5).item()", "m.tensor([7]).item()", "m.tensor(True).item()",
    "m.tensor([2], dtype=m.uint8).item()", "m.tensor([[1, 2]]).tolist()",
    "m.tensor([[1.5, 2.0]]).tolist()", "m.tensor(2.0).tolist()", "len(m.ones(4, 2))",
    "[1, 2, 3][m.tensor(1)]", "list(range(10))[m.tensor(2):m.tensor(5)]",
    "format(m.tensor(3.14159), '.2f')", "f'{m.tensor(5):>4}'", "format(m.ones(2))",
    "bool(m.tensor([0.0]))", "bool(m.tensor(2))", "int(m.tensor(2.7))", "int(m.tensor([-2.7]))",
    "float(m.tensor([1]))", "complex(m.tensor(1.5))", "m.tensor(2).__index__()",
    "m.tensor([1.0, 2.0]).numpy()", "np.asarray(m.tensor([1.0, 2.0]))",
    "np.asarray(m.tensor([1.0, 2.0]), dtype=np.float64)", "np.array(m.tensor([[1, 2]]))",
    "m.ones(1, 1).__array__().shape", "str(m.tensor([1.0]))", "m.ones(2, 3).__len__()",
    "[x.tolist() for x in m.tensor([[1, 2], [3, 4]])]", "m.tensor(1) in m.tensor([1, 2])",
    "m.ones(2).type()", "m.ones(2, dtype=m.int64).type()", "m.ones(2, dtype=m.float64).type()",
    "m.ones(2, dtype=m.bool).type()",
]


@pytest.mark.parametrize("expr", PROTOCOL_CASES)
def test_protocols_match_torch(expr):
    e = eval(expr, {"m": ember, "np": np})
    t = eval(expr, {"m": torch, "np": np})
    if isinstance(t, np.ndarray):
        assert e.dtype == t.dtype and np.array_equal(e, t)
    else:
        assert type(e) is type(t) and e == t, (e, t)


ERROR_CASES = [
    "m.ones(2).item()", "bool(m.ones(2))", "bool(m.ones(0))", "float(m.ones(2))",
    "int(m.ones(2))", "len(m.tensor(1.0))", "iter(m.tensor(1.0))", "m.tensor(1.5).__index__()",
    "m.ones(2).__index__()", "format(m.ones(2), '>10')",
    "m.ones(2, requires_grad=True).numpy()", "np.asarray(m.ones(2, requires_grad=True))",
    "m.ones(2, 3).size(2)", "m.ones(2, 3).stride(-3)", "m.device('gpu')",
]


@pytest.mark.parametrize("expr", ERROR_CASES)
def test_protocol_errors_match_torch(expr):
    errs = []
    for mod in (ember, torch):
        with pytest.raises(Exception) as info:
            eval(expr, {"m": mod, "np": np})
        errs.append(info.value)
    assert type(errs[0]) is type(errs[1]), errs
    if "gpu" not in expr:  # torch lists its many device types
        assert str(errs[0]) == str(errs[1]), errs


def test_hash_is_identity_and_tensors_work_as_dict_keys():
    a, b = ember.ones(2), ember.ones(2)
    d = {a: 1, b: 2}
    assert d[a] == 1 and d[b] == 2 and hash(a) != hash(b)
    assert len({a, b, a}) == 2


def test_iteration_yields_rows_with_grad():
    x = ember.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    rows = list(x)
    assert [r.tolist() for r in rows] == [[1.0, 2.0], [3.0, 4.0]]
    (rows[0] * 2 + rows[1]).sum().backward()
    assert x.grad.tolist() == [[2.0, 2.0], [1.0, 1.0]]


def test_numpy_shares_memory_and_array_protocol():
    x = ember.zeros(3)
    x.numpy()[0] = 5
    assert x[0].item() == 5
    a = np.asarray(x)
    assert np.shares_memory(a, x.numpy())
    assert not np.shares_memory(np.array(x), x.numpy())
    with pytest.raises(ValueError):
        np.asarray(x, dtype=np.float64, copy=False)
    assert np.add(x, 1).tolist() == [6.0, 1.0, 1.0]
    assert ember.ones(2, requires_grad=True).detach().numpy().tolist() == [1.0, 1.0]


# --- conversions ----------------------------------------------------------------------------
CONVERSIONS = ["float", "double", "half", "long", "int", "short", "char", "byte", "bool"]


@pytest.mark.parametrize("name", CONVERSIONS)
@pytest.mark.parametrize("src", [np.array([1.5, -2.0, 0.0], np.float32), np.array([3, 0, 1])])
def test_conversion_methods(name, src):
    e = getattr(ember.tensor(src), name)()
    t = getattr(torch.tensor(src), name)()
    if name in ("byte", "char"):
        src = np.abs(src)
        e = getattr(ember.tensor(src), name)()
        t = getattr(torch.tensor(src), name)()
    assert_close(e, t)


TO_CASES = [
    "x.to(m.float64)", "x.to('cpu', m.float64)", "x.to(m.float64, False)",
    "x.to(device='cpu', dtype=m.float16)", "x.to(m.zeros(1, dtype=m.int32))",
    "x.to(m.device('cpu'))", "x.to('cpu')", "x.to(dtype=m.int64)", "x.to(m.float64, copy=True)",
    "x.type(m.int32)", "x.type('torch.IntTensor')", "x.type_as(m.ones(1, dtype=m.float64))",
    "x.cpu()", "x.clone()", "x.contiguous()", "x.detach()",
]


@pytest.mark.parametrize("expr", TO_CASES)
def test_to_and_friends(expr):
    a = np.array([1.5, -2.5], np.float32)
    e = eval(expr, {"m": ember, "x": ember.tensor(a)})
    t = eval(expr, {"m": torch, "x": torch.tensor(a)})
    assert_close(e, t)


def test_to_returns_self_when_nothing_changes_and_copies_on_request():
    x = ember.ones(2)
    assert x.to(ember.float32) is x and x.to("cpu") is x and x.cpu() is x
    assert x.contiguous() is x
    y = x.to(ember.float32, copy=True)
    assert y is not x
    y.add_(1)
    assert x.tolist() == [1.0, 1.0]


def test_to_is_differentiable():
    res = []
    for m in (ember, torch):
        x = m.tensor([1.5, 2.5], requires_grad=True)
        y = x.to(m.float64)
        assert y.grad_fn.name() == "ToCopyBackward0"
        (y * y).sum().backward()
        assert x.grad.dtype == m.float32
        assert not x.to(m.int64).requires_grad
        res.append(x.grad)
    assert_close(res[0], res[1])


def test_clone_and_contiguous_grads():
    for m in (ember, torch):
        x = m.ones(2, 3, requires_grad=True)
        y = x.t().contiguous()
        z = x.clone()
        (y.sum() + (z * 2).sum()).backward()
        assert x.grad.tolist() == [[3.0] * 3] * 2


def test_cuda_unavailable_errors_name_the_missing_piece():
    assert ember.cuda.is_available() is False
    assert ember.cuda.device_count() == 0
    assert ember.accelerator.is_available() is False
    assert ember.accelerator.current_accelerator() is None
    for fn in (lambda: ember.ones(2).cuda(), lambda: ember.ones(2, device="cuda"),
               lambda: ember.ones(2).to("cuda"), lambda: ember.tensor([1.0], device="cuda:0"),
               lambda: ember.randn(2, device="cuda"), lambda: ember.zeros_like(
                   ember.ones(1), device="cuda")):
        with pytest.raises(RuntimeError, match="CuPy") as info:
            fn()
        assert isinstance(info.value, AssertionError)  # what torch raises, too
        assert "GPU" in str(info.value)


def test_device_objects():
    for m in (ember, torch):
        assert str(m.device("cuda", 1)) == "cuda:1"
        assert m.device("cuda:1").index == 1 and m.device("cuda:1").type == "cuda"
        assert m.device("cpu") == m.device("cpu") and m.device("cpu") != m.device("cuda")
        assert (m.device("cpu") == "cpu") is False
        assert m.device(m.device("cpu")).type == "cpu"
        assert len({m.device("cpu"), m.device("cpu")}) == 1
    assert repr(ember.device("cuda", 0)) == repr(torch.device("cuda", 0))
    assert pickle.loads(pickle.dumps(ember.device("cuda:1"))) == ember.device("cuda:1")


def test_cudnn_flags_are_settable():
    ember.backends.cudnn.benchmark = True
    assert ember.backends.cudnn.benchmark is True
    ember.backends.cudnn.benchmark = False
    ember.backends.cudnn.deterministic = True
    ember.backends.cudnn.deterministic = False


def test_legacy_constructor_and_variable():
    assert_close(ember.Tensor([1, 2]), torch.Tensor([1, 2]))
    assert tuple(ember.Tensor(2, 3).shape) == (2, 3)
    x = ember.ones(2)
    assert ember.autograd.Variable(x) is x


def test_pickle_and_deepcopy():
    x = ember.tensor([[1.0, 2.0]], requires_grad=True)
    y = pickle.loads(pickle.dumps(x))
    assert y.tolist() == x.tolist() and y.requires_grad and y.dtype is ember.float32
    z = copy.deepcopy(x)
    assert z.tolist() == x.tolist() and z.requires_grad and z is not x
    z.data.add_(1)
    assert x.tolist() == [[1.0, 2.0]]
    with pytest.raises(RuntimeError, match="deepcopy"):
        copy.deepcopy(x * 2)


def test_process_settings_programs_touch():
    assert ember.backends.mps.is_available() is False
    ember.backends.cuda.matmul.allow_tf32 = True
    assert ember.backends.cuda.matmul.allow_tf32 is True
    ember.backends.cuda.matmul.allow_tf32 = False
    assert ember.get_float32_matmul_precision() == "highest"
    ember.set_float32_matmul_precision("high")
    assert ember.get_float32_matmul_precision() == "high"
    ember.set_float32_matmul_precision("highest")
    assert ember.get_num_threads() >= 1


LEGACY_CASES = [
    "m.Tensor()", "m.Tensor(m.Size([2])).shape", "m.Tensor(m.tensor([1, 2]))",
    "m.ones(2).new(3).shape", "m.ones(2, dtype=m.int32).new([1, 2])",
    "m.ones(2).apply_(lambda v: v * 2)", "m.ones(2, 3)[1].storage_offset()",
    "m.ones(2, 3)[:, 1:].storage_offset()", "m.ones(2).is_meta", "m.ones(2).layout",
    "m.ones(2).__class__", "m.Size", "m.ones(2, 3).__contains__(1)",
    "m.ones(2).__contains__(m.tensor(2.0))",
]


@pytest.mark.parametrize("expr", LEGACY_CASES)
def test_legacy_and_misc_match_torch(expr):
    _same_in_both(expr)


def test_contains_rejects_other_types():
    with pytest.raises(RuntimeError, match="only supports Tensor or scalar"):
        "a" in ember.ones(2)  # noqa: B015


NUMPY_LEFT_CASES = [
    "np.float64(2.0) * x", "np.float32(2.0) + x", "np.int64(3) - x", "np.float64(2.0) < x",
    "np.float64(2.0) ** x", "np.float64(1.0) / x", "np.sin(x)", "np.add(x, 1)",
    "np.float64(0.5) * xi",
]


@pytest.mark.parametrize("expr", NUMPY_LEFT_CASES)
def test_numpy_scalars_and_ufuncs_give_tensors(expr):
    # a NumPy scalar on the left must not turn the tensor into a float64 array (PyTorch sets
    # __array_priority__ so the Tensor's reflected operator runs)
    e = eval(expr, {"np": np, "x": ember.ones(2), "xi": ember.ones(2, dtype=ember.int64)})
    t = eval(expr, {"np": np, "x": torch.ones(2), "xi": torch.ones(2, dtype=torch.int64)})
    assert isinstance(e, ember.Tensor)
    assert_close(e, t)
