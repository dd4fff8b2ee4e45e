"""nn.utils.rnn: padding and packing against PyTorch, values and gradients."""
import numpy as np
import pytest
import torch
import torch.nn.utils.rnn as T
from helpers import assert_close

import ember
import ember.nn.utils.rnn as E


def _leaf(a):
    return ember.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)


def _grad_both(ye, yt):
    w = np.random.default_rng(0).standard_normal(tuple(yt.shape)).astype(np.float32)
    (ye * ember.tensor(w)).sum().backward()
    (yt * torch.tensor(w)).sum().backward()


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("padding_side", ["right", "left"])
def test_pad_sequence(batch_first, padding_side):
    rng = np.random.default_rng(1)
    arrays = [rng.standard_normal((n, 2)).astype(np.float32) for n in (3, 5, 1)]
    pe = [ember.tensor(a, requires_grad=True) for a in arrays]
    pt = [torch.tensor(a, requires_grad=True) for a in arrays]
    ye = E.pad_sequence(pe, batch_first=batch_first, padding_value=-1.0,
                        padding_side=padding_side)
    yt = T.pad_sequence(pt, batch_first=batch_first, padding_value=-1.0,
                        padding_side=padding_side)
    assert_close(ye, yt)
    _grad_both(ye, yt)
    for a, b in zip(pe, pt):
        assert_close(a.grad, b.grad)


def test_pad_sequence_errors():
    with pytest.raises(RuntimeError, match="Expected padding_side to be one of left or right"):
        E.pad_sequence([ember.zeros(2, 3)], padding_side="up")
    with pytest.raises(RuntimeError, match="must match the size"):
        E.pad_sequence([ember.zeros(2, 3), ember.zeros(3, 4)])


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("lengths", [[5, 3, 3, 1], [3, 5, 1, 3]])
@pytest.mark.parametrize("as_tensor", [False, True])
def test_pack_padded_roundtrip(batch_first, lengths, as_tensor):
    enforce = lengths == sorted(lengths, reverse=True)
    shape = (4, 5, 2) if batch_first else (5, 4, 2)
    xe, xt = _leaf(np.random.default_rng(2).standard_normal(shape).astype(np.float32))
    le = ember.tensor(lengths) if as_tensor else lengths
    lt = torch.tensor(lengths) if as_tensor else lengths
    pe = E.pack_padded_sequence(xe, le, batch_first=batch_first, enforce_sorted=enforce)
    pt = T.pack_padded_sequence(xt, lt, batch_first=batch_first, enforce_sorted=enforce)
    assert_close(pe.data, pt.data)
    assert_close(pe.batch_sizes, pt.batch_sizes)
    for a, b in ((pe.sorted_indices, pt.sorted_indices),
                 (pe.unsorted_indices, pt.unsorted_indices)):
        assert (a is None) == (b is None)
        if b is not None:
            assert_close(a, b)
    ye, lens_e = E.pad_packed_sequence(pe, batch_first=batch_first, padding_value=0.5,
                                       total_length=6)
    yt, lens_t = T.pad_packed_sequence(pt, batch_first=batch_first, padding_value=0.5,
                                       total_length=6)
    assert_close(ye, yt)
    assert_close(lens_e, lens_t)
    _grad_both(ye, yt)
    assert_close(xe.grad, xt.grad)


def test_pack_sequence_and_unpack():
    rng = np.random.default_rng(3)
    arrays = [rng.standard_normal((n, 3)).astype(np.float32) for n in (2, 4, 3)]
    pe = E.pack_sequence([ember.tensor(a) for a in arrays], enforce_sorted=False)
    pt = T.pack_sequence([torch.tensor(a) for a in arrays], enforce_sorted=False)
    assert_close(pe.data, pt.data)
    assert_close(pe.batch_sizes, pt.batch_sizes)
    for a, b in zip(E.unpack_sequence(pe), T.unpack_sequence(pt)):
        assert_close(a, b)
    padded = E.pad_sequence([ember.tensor(a) for a in arrays], batch_first=True)
    for a, arr in zip(E.unpad_sequence(padded, ember.tensor([2, 4, 3]), batch_first=True),
                      arrays):
        np.testing.assert_array_equal(a.numpy(), arr)


def _err(fn):
    try:
        fn()
    except Exception as ex:  # noqa: BLE001
        return type(ex), str(ex)
    return None


@pytest.mark.parametrize("lengths,enforce", [([2, 3], True), ([3, 0], True),
                                             ([3, 2, 1], True), ([3, 0], False)])
def test_pack_errors_match_torch(lengths, enforce):
    x = np.zeros((3, 2, 2), np.float32)
    got = _err(lambda: E.pack_padded_sequence(ember.tensor(x), lengths, enforce_sorted=enforce))
    want = _err(lambda: T.pack_padded_sequence(torch.tensor(x), lengths,
                                               enforce_sorted=enforce))
    assert want is not None and got == want


def test_total_length_error():
    p = E.pack_padded_sequence(ember.zeros(4, 2, 1), [4, 2])
    with pytest.raises(ValueError, match="total_length=3 and max sequence length being 4"):
        E.pad_packed_sequence(p, total_length=3)


def test_packed_sequence_is_a_namedtuple():
    p = E.pack_padded_sequence(ember.ones(3, 2, 1), [3, 2])
    data, batch_sizes, si, ui = p
    assert si is None and ui is None
    assert batch_sizes.dtype == ember.int64 and batch_sizes.tolist() == [2, 2, 1]
    assert p.to(ember.float64).data.dtype == ember.float64
