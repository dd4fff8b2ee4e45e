"""Datasets, samplers and collation, against torch.utils.data."""
import collections

import numpy as np
import pytest
import torch
import torch.utils.data as tdata

import ember
import ember.utils.data as edata

Point = collections.namedtuple("Point", ["x", "y"])


def _plain(obj):
    """Nested structure with tensors replaced by (dtype name, ndarray) for comparison."""
    if isinstance(obj, (torch.Tensor, ember.Tensor)):
        return ("T", str(obj.dtype).split(".")[-1], np.asarray(obj.detach().numpy()).tolist(),
                tuple(obj.shape))
    if isinstance(obj, dict):
        return {k: _plain(v) for k, v in obj.items()}
    if isinstance(obj, tuple) and hasattr(obj, "_fields"):
        return (type(obj).__name__,) + tuple(_plain(v) for v in obj)
    if isinstance(obj, (list, tuple)):
        return (type(obj).__name__, [_plain(v) for v in obj])
    return obj


def _batch(make):
    """The same samples for both frameworks (tensors built by ``make(framework)``)."""
    return [make(ember, i) for i in range(3)], [make(torch, i) for i in range(3)]


COLLATE_CASES = {
    "tensor": lambda F, i: F.tensor([[i, 2.0 * i]]),
    "int_tensor": lambda F, i: F.tensor([i, i + 1]),
    "ndarray_f32": lambda F, i: np.full((2, 2), i, np.float32),
    "ndarray_i16": lambda F, i: np.arange(3, dtype=np.int16) + i,
    "np_scalar": lambda F, i: np.float32(i) / 2,
    "np_int_scalar": lambda F, i: np.int32(i),
    "float": lambda F, i: i / 3,
    "int": lambda F, i: i,
    "bool": lambda F, i: i % 2 == 0,
    "str": lambda F, i: f"s{i}",
    "dict": lambda F, i: {"a": F.tensor([float(i)]), "b": i, "c": f"x{i}"},
    "tuple": lambda F, i: (np.arange(2) + i, 0.5 * i, "t"),
    "namedtuple": lambda F, i: Point(F.tensor(float(i)), [i, i + 1]),
    "nested": lambda F, i: [{"k": (i, np.float64(i))}, [F.tensor([i]), "z"]],
}


@pytest.mark.parametrize("case", list(COLLATE_CASES))
def test_default_collate_matches_torch(case):
    eb, tb = _batch(COLLATE_CASES[case])
    assert _plain(edata.default_collate(eb)) == _plain(tdata.default_collate(tb))


@pytest.mark.parametrize("case", ["ndarray_f32", "np_scalar", "dict", "tuple", "namedtuple",
                                  "nested", "str", "int"])
def test_default_convert_matches_torch(case):
    e = COLLATE_CASES[case](ember, 1)
    t = COLLATE_CASES[case](torch, 1)
    assert _plain(edata.default_convert(e)) == _plain(tdata.default_convert(t))


def test_default_collate_errors_like_torch():
    for bad in ([[1, 2], [3]], [np.array(["a"], dtype=object)] * 2, [object()] * 2):
        with pytest.raises((RuntimeError, TypeError)) as te:
            tdata.default_collate(bad)
        with pytest.raises(te.type) as ee:
            edata.default_collate(bad)
        assert str(ee.value).split(";")[0] == str(te.value).split(";")[0]
    with pytest.raises(RuntimeError, match="stack expects each tensor to be equal size"):
        edata.default_collate([ember.zeros(2), ember.zeros(3)])


def test_tensor_concat_subset_stack_datasets():
    x = np.arange(12, dtype=np.float32).reshape(6, 2)
    ds = edata.TensorDataset(ember.tensor(x), ember.arange(6))
    assert len(ds) == 6 and ds[4][0].tolist() == [8.0, 9.0] and ds[4][1].item() == 4
    with pytest.raises(AssertionError, match="Size mismatch"):
        edata.TensorDataset(ember.zeros(3), ember.zeros(4))
    cat = edata.ConcatDataset([range(3), range(10, 12), range(20, 24)])
    tcat = tdata.ConcatDataset([range(3), range(10, 12), range(20, 24)])
    assert len(cat) == len(tcat) == 9 and cat.cumulative_sizes == tcat.cumulative_sizes
    assert [cat[i] for i in range(-9, 9)] == [tcat[i] for i in range(-9, 9)]
    sub = edata.Subset(range(100, 110), [3, 1, 4])
    assert [sub[i] for i in range(3)] == [103, 101, 104] and len(sub) == 3
    both = edata.Dataset.__add__(edata.Subset(range(3), [0, 2]), edata.Subset(range(3), [1]))
    assert [both[i] for i in range(3)] == [0, 2, 1]
    st = edata.StackDataset(a=range(3), b=range(10, 13))
    assert st[1] == {"a": 1, "b": 11} and len(st) == 3


def test_chain_dataset():
    class It(edata.IterableDataset):
        def __init__(self, lo, hi):
            self.lo, self.hi = lo, hi

        def __iter__(self):
            return iter(range(self.lo, self.hi))

        def __len__(self):
            return self.hi - self.lo

    chain = It(0, 3) + It(10, 12)
    assert isinstance(chain, edata.ChainDataset)
    assert list(chain) == [0, 1, 2, 10, 11] and len(chain) == 5


def test_random_split_lengths_fractions_generator():
    g = ember.Generator().manual_seed(7)
    parts = edata.random_split(range(10), [3, 7], generator=g)
    assert [len(p) for p in parts] == [3, 7]
    assert sorted(list(parts[0]) + list(parts[1])) == list(range(10))
    again = edata.random_split(range(10), [3, 7], generator=ember.Generator().manual_seed(7))
    assert [list(p) for p in parts] == [list(p) for p in again]
    # fractions: floors plus the remainder round-robin, exactly as torch computes them
    for fr in ([0.5, 0.3, 0.2], [0.33, 0.33, 0.34], [0.1, 0.9]):
        e = edata.random_split(range(11), fr)
        t = tdata.random_split(range(11), fr)
        assert [len(p) for p in e] == [len(p) for p in t]
    with pytest.raises(ValueError, match="Sum of input lengths"):
        edata.random_split(range(10), [3, 3])
    with pytest.raises(ValueError, match="Fraction at index 0 is not between 0 and 1"):
        edata.random_split(range(10), [1.5, -0.5])


def test_sequential_random_subset_samplers():
    assert list(edata.SequentialSampler(range(4))) == [0, 1, 2, 3]
    s = edata.RandomSampler(range(20), generator=ember.Generator().manual_seed(1))
    a, b = list(s), list(s)
    assert sorted(a) == list(range(20)) and a != b  # a new permutation each epoch
    s2 = edata.RandomSampler(range(20), generator=ember.Generator().manual_seed(1))
    assert list(s2) == a
    more = list(edata.RandomSampler(range(5), num_samples=12))
    assert len(more) == 12 and sorted(more[:10]) == sorted(list(range(5)) * 2)
    rep = list(edata.RandomSampler(range(3), replacement=True, num_samples=70))
    assert len(rep) == 70 and set(rep) == {0, 1, 2}
    with pytest.raises(ValueError, match="num_samples should be a positive integer"):
        edata.RandomSampler(range(3), num_samples=0)
    with pytest.raises(TypeError, match="replacement should be a boolean"):
        edata.RandomSampler(range(3), replacement=1)
    sub = list(edata.SubsetRandomSampler([5, 7, 9]))
    assert sorted(sub) == [5, 7, 9]


def test_weighted_random_sampler():
    w = [0.0, 1.0, 3.0, 0.0]
    draws = list(edata.WeightedRandomSampler(w, 4000, generator=ember.Generator().manual_seed(0)))
    counts = np.bincount(draws, minlength=4)
    assert counts[0] == counts[3] == 0 and abs(counts[2] / counts[1] - 3.0) < 0.5
    no_rep = list(edata.WeightedRandomSampler([1, 1, 1, 5], 4, replacement=False))
    assert sorted(no_rep) == [0, 1, 2, 3]
    with pytest.raises(ValueError, match="weights should be a 1d sequence"):
        edata.WeightedRandomSampler([[1.0]], 1)


@pytest.mark.parametrize("drop_last", [False, True])
def test_batch_sampler_matches_torch(drop_last):
    e = edata.BatchSampler(edata.SequentialSampler(range(10)), 3, drop_last)
    t = tdata.BatchSampler(tdata.SequentialSampler(range(10)), 3, drop_last)
    assert list(e) == list(t) and len(e) == len(t)
    with pytest.raises(ValueError, match="batch_size should be a positive integer"):
        edata.BatchSampler(range(3), 0, False)
