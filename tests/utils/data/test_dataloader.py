"""DataLoader: batching against torch's, and real worker processes (order, seeds, sharding,
errors, dead workers, timeouts, cleanup)."""
import multiprocessing
import os
import random
import signal
import time

import numpy as np
import pytest
import torch
import torch.utils.data as tdata
from torch.utils.data._utils.worker import _generate_state as torch_generate_state

import ember
import ember.utils.data as edata
from ember.utils.data._worker import _generate_state


class Squares(edata.Dataset, tdata.Dataset):
    """A map-style dataset usable by both frameworks (NumPy samples)."""

    def __init__(self, n=10, delay=0.0):
        self.n, self.delay = n, delay

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        if self.delay:
            time.sleep(self.delay * ((i * 7) % 3))  # uneven: results come back out of order
        return {"x": np.full(2, i, np.float32), "y": i * i}


class WhoAmI(edata.Dataset):
    def __len__(self):
        return 8

    def __getitem__(self, i):
        info = edata.get_worker_info()
        return (i, info.id, info.seed, ember.initial_seed(), os.getpid(),
                int(np.random.randint(0, 2 ** 31)), random.random())


class Stream(edata.IterableDataset):
    def __init__(self, n, shard=True):
        self.n, self.shard = n, shard

    def __iter__(self):
        info = edata.get_worker_info()
        if info is None or not self.shard:
            return iter(range(self.n))
        return iter(range(info.id, self.n, info.num_workers))

    def __len__(self):
        return self.n


class Failing(edata.Dataset):
    def __init__(self, exc=ValueError, at=3):
        self.exc, self.at = exc, at

    def __len__(self):
        return 8

    def __getitem__(self, i):
        if i == self.at:
            raise self.exc(f"bad item {i}")
        return i


class Exiting(edata.Dataset):
    def __len__(self):
        return 8

    def __getitem__(self, i):
        if i == 3:
            os._exit(7)
        return i


class Slow(edata.Dataset):
    def __len__(self):
        return 4

    def __getitem__(self, i):
        time.sleep(0.05 if i == 0 else 10)
        return i


def _same(e, t):
    if isinstance(t, dict):
        assert set(e) == set(t)
        for k in t:
            _same(e[k], t[k])
    elif not isinstance(t, torch.Tensor):
        assert type(e) is type(t) and e == t
    else:
        np.testing.assert_array_equal(e.numpy(), t.numpy())
        assert str(e.dtype).split(".")[-1] == str(t.dtype).split(".")[-1]


def _children():
    return {p.pid for p in multiprocessing.active_children()}


@pytest.mark.parametrize("kw", [dict(batch_size=3), dict(batch_size=3, drop_last=True),
                                dict(batch_size=None), dict(batch_size=4, num_workers=2)])
def test_batches_match_torch(kw):
    before = _children()
    e = list(edata.DataLoader(Squares(), **kw))
    t = list(tdata.DataLoader(Squares(), **{**kw, "num_workers": 0}))
    assert len(e) == len(t) == len(edata.DataLoader(Squares(), **kw))
    for a, b in zip(e, t):
        _same(a, b)
    assert _children() <= before


def test_batch_sampler_shuffle_and_len():
    bs = edata.BatchSampler(edata.SequentialSampler(range(7)), 2, False)
    dl = edata.DataLoader(range(7), batch_sampler=bs)
    assert [b.tolist() for b in dl] == [[0, 1], [2, 3], [4, 5], [6]] and len(dl) == 4
    dl = edata.DataLoader(range(10), batch_size=10, shuffle=True,
                          generator=ember.Generator().manual_seed(3))
    (batch,) = list(dl)
    assert sorted(batch.tolist()) == list(range(10)) and batch.tolist() != list(range(10))
    assert dl.dataset == range(10)
    assert len(edata.DataLoader(Stream(10), batch_size=4)) == 3
    assert len(edata.DataLoader(Stream(10), batch_size=4, drop_last=True)) == 2


@pytest.mark.parametrize("kw", [
    dict(num_workers=-1), dict(timeout=-1), dict(prefetch_factor=2),
    dict(persistent_workers=True), dict(sampler=[0], shuffle=True),
    dict(batch_sampler=[[0]], batch_size=2), dict(batch_size=None, drop_last=True)])
def test_argument_errors_match_torch(kw):
    with pytest.raises(ValueError) as te:
        tdata.DataLoader(range(4), **kw)
    with pytest.raises(ValueError) as ee:
        edata.DataLoader(range(4), **kw)
    assert str(ee.value) == str(te.value)


def test_iterable_dataset_errors_and_frozen_attributes():
    with pytest.raises(ValueError, match="expected unspecified shuffle option"):
        edata.DataLoader(Stream(3), shuffle=True)
    dl = edata.DataLoader(range(3))
    with pytest.raises(ValueError, match="batch_size attribute should not be set after"):
        dl.batch_size = 5


def test_workers_deliver_in_order_in_parallel():
    before = _children()
    ds = Squares(12, delay=0.02)
    got = [b["y"].tolist() for b in edata.DataLoader(ds, batch_size=2, num_workers=3)]
    assert got == [[i * i, (i + 1) ** 2] for i in range(0, 12, 2)]
    assert _children() <= before


def test_worker_seeds_follow_torch_rules():
    dl = edata.DataLoader(WhoAmI(), batch_size=2, num_workers=2,
                          generator=ember.Generator().manual_seed(11))
    rows = [tuple(col[k].item() if hasattr(col[k], "item") else col[k] for col in b)
            for b in dl for k in range(2)]
    seeds, first = {}, {}
    for _i, wid, seed, initial, _pid, np_draw, py_draw in rows:
        assert seed == initial  # ember.initial_seed() inside the worker is its seed
        seeds.setdefault(wid, set()).add(seed)
        first.setdefault(wid, (np_draw, py_draw))
    assert set(seeds) == {0, 1}
    (s0,), (s1,) = seeds[0], seeds[1]
    assert s1 == s0 + 1  # base_seed + worker_id
    # the same generator seed gives the same base seed (reproducible workers) ...
    dl2 = edata.DataLoader(WhoAmI(), batch_size=2, num_workers=2,
                           generator=ember.Generator().manual_seed(11))
    assert {b[2][0].item() for b in dl2} == {s0, s1}
    # ... and each new epoch draws a new base seed from the generator
    assert {b[2][0].item() for b in dl2}.isdisjoint({s0, s1})
    # Python's random is seeded with the worker's seed, NumPy with torch's per-worker hash
    for wid, (np_draw, py_draw) in first.items():
        assert py_draw == random.Random(s0 + wid).random()
        legacy = np.random.RandomState(torch_generate_state(s0, wid))
        assert np_draw == legacy.randint(0, 2 ** 31)


@pytest.mark.parametrize("base_seed,worker_id", [(0, 0), (12345, 1), (2 ** 62 + 17, 3),
                                                 (987654321987, 7)])
def test_numpy_seed_state_is_torch_s(base_seed, worker_id):
    assert _generate_state(base_seed, worker_id) == torch_generate_state(base_seed, worker_id)


def test_iterable_dataset_sharding():
    dl = edata.DataLoader(Stream(11), batch_size=2, num_workers=3)
    items = [x for b in dl for x in b.tolist()]
    assert sorted(items) == list(range(11))
    unsharded = edata.DataLoader(Stream(4, shard=False), batch_size=None, num_workers=2)
    assert sorted(unsharded) == sorted(list(range(4)) * 2)
    assert edata.get_worker_info() is None


@pytest.mark.parametrize("exc", [ValueError, KeyError])
def test_worker_exception_reraised_with_traceback(exc):
    before = _children()
    it = iter(edata.DataLoader(Failing(exc), batch_size=2, num_workers=2))
    assert next(it).tolist() == [0, 1]
    with pytest.raises(exc) as info:
        next(it)
    msg = str(info.value)
    assert "Caught " + exc.__name__ + " in DataLoader worker process 1" in msg
    assert "Original Traceback" in msg and "bad item 3" in msg and "__getitem__" in msg
    del it, info
    assert _children() <= before


def test_worker_init_fn_error_and_call():
    def init(worker_id):
        raise RuntimeError(f"init failed in {worker_id}")

    with pytest.raises(RuntimeError, match="init failed in 0"):
        list(edata.DataLoader(range(4), num_workers=1, worker_init_fn=init))


def test_unpicklable_batch_is_reported():
    with pytest.raises(Exception, match="pickling the batch"):
        list(edata.DataLoader(range(2), num_workers=1, collate_fn=lambda b: lambda: b))


def test_dead_worker_raises_quickly():
    before = _children()
    t0 = time.monotonic()
    with pytest.raises(RuntimeError, match=r"DataLoader worker \(pid\(s\) \d+\) exited "
                                           "unexpectedly"):
        list(edata.DataLoader(Exiting(), batch_size=2, num_workers=2))
    assert time.monotonic() - t0 < 5
    assert _children() <= before


def test_sigkilled_worker_raises():
    it = iter(edata.DataLoader(Slow(), num_workers=2, timeout=0))
    assert next(it).tolist() == [0]
    for w in it._workers:
        os.kill(w.pid, signal.SIGKILL)
    t0 = time.monotonic()
    with pytest.raises(RuntimeError, match="exited unexpectedly"):
        next(it)
    assert time.monotonic() - t0 < 5
    assert not any(w.is_alive() for w in it._workers)


def test_timeout():
    it = iter(edata.DataLoader(Slow(), num_workers=1, timeout=0.3))
    assert next(it).tolist() == [0]
    t0 = time.monotonic()
    with pytest.raises(RuntimeError, match=r"DataLoader timed out after 0.3 seconds"):
        next(it)
    assert time.monotonic() - t0 < 4
    assert not any(w.is_alive() for w in it._workers)


def test_no_worker_outlives_break_or_deletion():
    before = _children()
    for _ in edata.DataLoader(Squares(20), batch_size=2, num_workers=2):
        break
    assert _children() <= before
    dl = edata.DataLoader(Squares(6), batch_size=2, num_workers=2, persistent_workers=True)
    pids = []
    for _ in range(2):
        assert [b["y"].tolist() for b in dl] == [[0, 1], [4, 9], [16, 25]]
        pids.append({w.pid for w in dl._iterator._workers})
    assert pids[0] == pids[1] and pids[0] <= _children()  # same workers across epochs
    del dl
    assert _children() <= before


def test_persistent_workers_iterable_epochs():
    dl = edata.DataLoader(Stream(7), batch_size=2, num_workers=2, persistent_workers=True)
    for _ in range(2):
        assert sorted(x for b in dl for x in b.tolist()) == list(range(7))
    # a new epoch started before the previous one finished drops the stale batches
    it = iter(dl)
    next(it)
    assert sorted(x for b in dl for x in b.tolist()) == list(range(7))


def test_spawn_context():
    x = ember.arange(6)
    dl = edata.DataLoader(edata.TensorDataset(x, x * 2), batch_size=3, num_workers=1,
                          multiprocessing_context="spawn")
    assert [b[1].tolist() for b in dl] == [[0, 2, 4], [6, 8, 10]]


class Range(edata.IterableDataset):
    def __init__(self, start, end):
        self.start, self.end = start, end

    def __iter__(self):
        return iter(range(self.start, self.end))


def _split_range(worker_id):
    """PyTorch's documented pattern: worker_init_fn reconfigures the worker's dataset copy."""
    info = edata.get_worker_info()
    ds = info.dataset
    per = -(-(ds.end - ds.start) // info.num_workers)
    ds.start, ds.end = ds.start + worker_id * per, min(ds.start + (worker_id + 1) * per, ds.end)


def test_worker_init_fn_shards_dataset_copy():
    ds = Range(3, 10)
    got = sorted(edata.DataLoader(ds, num_workers=2, batch_size=None,
                                  worker_init_fn=_split_range))
    assert got == list(range(3, 10))
    assert (ds.start, ds.end) == (3, 10)  # the main process's dataset is untouched
    with pytest.raises(RuntimeError, match="Cannot assign attributes to WorkerInfo"):
        edata._worker.WorkerInfo(id=0).id = 1


_ORPHAN_SCRIPT = """
import os, signal, sys, time
from ember.utils.data import DataLoader
# worker 1 is still starting up when the main process dies (a race once missed)
it = iter(DataLoader(range(100), num_workers=2,
                     worker_init_fn=lambda wid: time.sleep(0.8 * wid)))
next(it)
print(" ".join(str(w.pid) for w in it._workers), flush=True)
os.kill(os.getpid(), signal.SIGKILL)
"""


def _running(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            state = next(line for line in f if line.startswith("State:"))
        return "Z" not in state.split()[1]
    except (FileNotFoundError, ProcessLookupError):
        return False


@pytest.mark.skipif(not os.path.isdir("/proc"), reason="reads /proc")
def test_workers_exit_when_main_process_is_killed():
    import subprocess
    import sys

    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(__file__))))
    proc = subprocess.run([sys.executable, "-c", _ORPHAN_SCRIPT], capture_output=True,
                          text=True, timeout=60, cwd=root,
                          env={**os.environ, "PYTHONPATH": root})
    pids = [int(p) for p in proc.stdout.split()]
    assert len(pids) == 2, proc.stderr
    deadline = time.monotonic() + 10
    while any(_running(p) for p in pids) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(_running(p) for p in pids)


@pytest.mark.skipif("forkserver" not in multiprocessing.get_all_start_methods(),
                    reason="no forkserver")
def test_forkserver_context():
    x = ember.arange(4)
    dl = edata.DataLoader(edata.TensorDataset(x), batch_size=2, num_workers=2,
                          multiprocessing_context="forkserver")
    assert [b[0].tolist() for b in dl] == [[0, 1], [2, 3]]
