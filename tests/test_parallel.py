"""The intra-op pool for large elementwise ops (ember/backends/_parallel.py) and the thread-count
knobs ``ember.set_num_threads``/``get_num_threads``."""
import os
import subprocess
import sys
import warnings

import numpy as np
import pytest
import torch

import ember
from ember.backends import _blas, _parallel

N = _parallel.MIN_SIZE * 2  # large enough for the pool


@pytest.fixture
def threads2():
    """Two intra-op threads for the test, then the previous setting back (BLAS included)."""
    user, count = _blas._user[0], _blas._threads[0]
    blas = _blas._get() if _blas._get is not None else None
    ember.set_num_threads(2)
    _parallel.ADAPTIVE = False  # always the pool, not the measured faster way
    yield
    _parallel.ADAPTIVE = True
    _blas._user[0], _blas._threads[0] = user, count
    if blas is not None:
        _blas._set(blas)
    _parallel.refresh()


def _run_fresh(code, **env):
    e = {k: v for k, v in os.environ.items()
         if k not in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                      "GOTO_NUM_THREADS")}
    e.update(env)
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=e,
                         cwd=root, check=True)
    return out.stdout.split()


def test_default_thread_count_is_every_core_like_torch():
    n, big, blas = _run_fresh("import ember; from ember.backends import _blas, _parallel; "
                              "print(ember.get_num_threads(), _parallel.big[0], "
                              "_blas._get() if _blas._get else 1)")
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    assert int(n) == cores
    assert float(big) == (_parallel.MIN_SIZE if cores > 1 else float("inf"))
    assert int(blas) == 1  # OpenBLAS keeps its one-thread default (backends/_blas.py)


def test_omp_num_threads_sets_the_count_like_torch():
    (n,) = _run_fresh("import ember; print(ember.get_num_threads())", OMP_NUM_THREADS="1")
    (t,) = _run_fresh("import torch; print(torch.get_num_threads())", OMP_NUM_THREADS="1")
    assert n == t == "1"


def test_set_num_threads_round_trip_and_switches_the_pool(threads2):
    assert ember.get_num_threads() == 2
    assert _parallel.big[0] == _parallel.MIN_SIZE
    ember.set_num_threads(1)
    assert ember.get_num_threads() == 1
    assert _parallel.big[0] == float("inf")
    assert _parallel.run(np.add, np.ones(N), 1.0) is None


@pytest.mark.parametrize("bad, msg", [(0, "set_num_threads expects a positive integer"),
                                      (-1, "set_num_threads expects a positive integer"),
                                      (1.5, "set_num_threads expects an int, but got float")])
def test_set_num_threads_bad_input(bad, msg):
    for lib in (ember, torch):
        with pytest.raises(RuntimeError, match=msg):
            lib.set_num_threads(bad)


def _inputs():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((N // 512, 512)).astype(np.float32)
    y = rng.standard_normal((N // 512, 512)).astype(np.float32)
    return x, y


_CASES = {
    "add": (lambda a, b: a + b, lambda a, b: a + b),
    "sub": (lambda a, b: a - b, lambda a, b: a - b),
    "mul": (lambda a, b: a * b, lambda a, b: a * b),
    "div": (lambda a, b: a / b, lambda a, b: a / b),
    "pow": (lambda a, b: a.abs() ** b, lambda a, b: np.abs(a) ** b),
    "rsub scalar": (lambda a, b: 1.5 - a, lambda a, b: np.float32(1.5) - a),
    "bias row": (lambda a, b: b[0] + a, lambda a, b: b[0] + a),
    "column": (lambda a, b: a[:, :1] * b, lambda a, b: a[:, :1] * b),
    "transposed": (lambda a, b: a.t() + b.t(), lambda a, b: a.T + b.T),
    "int": (lambda a, b: (a * 10).long() * 3, lambda a, b: (a * 10).astype(np.int64) * 3),
    "neg": (lambda a, b: -a, lambda a, b: -a),
    "exp": (lambda a, b: a.exp(), np.exp),
    "log": (lambda a, b: a.abs().log(), lambda a, b: np.log(np.abs(a))),
    "tanh": (lambda a, b: a.tanh(), np.tanh),
    "sigmoid": (lambda a, b: a.sigmoid(), lambda a, b: 1 / (1 + np.exp(-a))),
    "relu": (lambda a, b: a.relu(), lambda a, b: np.maximum(a, 0)),
    "maximum": (lambda a, b: ember.maximum(a, b), lambda a, b: np.maximum(a, b)),
    "sqrt": (lambda a, b: a.abs().sqrt(), lambda a, b: np.sqrt(np.abs(a))),
}


@pytest.mark.parametrize("name", list(_CASES))
def test_pool_results_equal_numpy_bit_for_bit(name, threads2):
    fe, fn = _CASES[name]
    x, y = _inputs()
    with np.errstate(all="ignore"):
        want = fn(x, y)
    got = fe(ember.from_numpy(x), ember.from_numpy(y)).numpy()
    assert got.dtype == want.dtype and got.shape == want.shape
    assert got.strides == want.strides  # the same memory layout as NumPy's own result
    np.testing.assert_array_equal(got, want)


def test_pool_is_used_and_matches_torch(threads2, monkeypatch):
    used = []
    run = _parallel.run

    def spy(fn, *args):
        out = run(fn, *args)
        used.append(out is not None)
        return out

    monkeypatch.setattr(_parallel, "run", spy)  # call() looks run up at each call
    x, y = _inputs()
    got = ((ember.from_numpy(x) * ember.from_numpy(y) + 1) * 2).numpy()
    want = ((torch.from_numpy(x) * torch.from_numpy(y) + 1) * 2).numpy()
    assert used and all(used)
    np.testing.assert_allclose(got, want, rtol=1e-6)


def test_small_ops_never_reach_the_pool(threads2, monkeypatch):
    monkeypatch.setattr(_parallel, "run", lambda *a: pytest.fail("pool used for a small op"))
    x = ember.ones(_parallel.MIN_SIZE - 1)
    (x * 2 + x).exp().relu()


def test_gradients_through_the_pool(threads2):
    x, y = _inputs()
    xe = ember.tensor(x, requires_grad=True)
    xt = torch.tensor(x, requires_grad=True)
    ((xe * 2).relu() * xe.sigmoid()).sum().backward()
    ((xt * 2).relu() * xt.sigmoid()).sum().backward()
    np.testing.assert_allclose(xe.grad.numpy(), xt.grad.numpy(), rtol=1e-5, atol=1e-6)


def test_errstate_reaches_the_workers(threads2):
    # log(0) and 0/0 stay quiet (PyTorch never warns) even when the pieces run on other threads
    z = np.zeros(N, np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = ember.from_numpy(z).log()
        q = ember.from_numpy(z) / ember.from_numpy(z)
    assert np.isneginf(out.numpy()).all() and np.isnan(q.numpy()).all()


def test_an_error_in_a_piece_is_raised_by_the_caller(threads2):
    def boom(a):
        if a.size:
            raise ValueError("bad piece")
        return a

    with pytest.raises(ValueError, match="bad piece"):
        _parallel.run(boom, np.ones(N, np.float32))


def test_broadcast_mismatch_keeps_the_usual_error(threads2):
    with pytest.raises(RuntimeError, match="The size of tensor a"):
        ember.ones(N // 4, 4) + ember.ones(N // 4, 3)


def test_only_plain_numpy_arrays_take_the_pool(threads2):
    class Sub(np.ndarray):
        pass

    assert _parallel.run(np.add, np.ones(N).view(Sub), 1.0) is None
    assert _parallel.run(np.add, np.ones(N), [1.0]) is None  # an unexpected operand: serial
    assert _parallel.run(np.add, np.ones(N, dtype=object), 1) is None


def test_a_stalled_pool_thread_never_holds_the_caller(threads2):
    # the pool thread is held inside its piece (as if the OS had put it aside): the caller
    # computes that piece itself and returns, and the late result is dropped, never written
    import threading
    import time

    main = threading.main_thread()
    release, entered, finished = threading.Event(), threading.Event(), []

    def held_neg(a):
        if threading.current_thread() is not main and a.size:
            entered.set()
            release.wait(10)
            finished.append(1)
        elif a.size:  # on a busy machine the pool thread may start late: wait until it holds
            entered.wait(10)  # a piece, so the test always exercises the take-over
        return np.negative(a)

    x = np.arange(N, dtype=np.float32)
    out = _parallel.run(held_neg, x)
    assert not finished  # returned while the pool thread was still held
    np.testing.assert_array_equal(out, -x)
    out[:] = 7  # the user's in-place write must survive the pool thread's late result
    release.set()
    for _ in range(500):  # let the pool thread finish its piece
        if finished:
            break
        time.sleep(0.01)
    time.sleep(0.05)
    assert finished and (out == 7).all()


def _spy_run(monkeypatch):
    used = []
    run = _parallel.run

    def spy(fn, *args):
        used.append(1)
        return run(fn, *args)

    monkeypatch.setattr(_parallel, "run", spy)
    return used


def test_measured_choice_uses_the_faster_way(threads2, monkeypatch):
    monkeypatch.setattr(_parallel, "ADAPTIVE", True)
    ticks = iter(range(10**6))  # each reading of the clock: one more second
    monkeypatch.setattr(_parallel, "_clock", lambda: float(next(ticks)))
    x = np.ones(N, np.float32)
    unit = 1.0 / x.size  # a one-thread call reads the clock twice: 1 s
    key = (np.sqrt, x.size.bit_length())
    monkeypatch.setitem(_parallel._choices, key, _parallel._Choice())
    c = _parallel._choices[key]
    used = _spy_run(monkeypatch)
    _parallel.call(np.sqrt, x)  # first call: times the pool
    _parallel.call(np.sqrt, x)  # second: times one thread
    assert used == [1] and c.pool >= unit and c.serial == unit
    c.pool, c.serial = 10 * unit, unit  # the pool measured slower: one thread
    for _ in range(_parallel.EXPLORE - 1):
        np.testing.assert_array_equal(_parallel.call(np.sqrt, x), np.sqrt(x))
    assert used == [1]
    _parallel.call(np.sqrt, x)  # then one call tries the other way ...
    assert used == [1, 1]
    assert c.every == 2 * _parallel.EXPLORE  # ... it was no faster: the next try waits longer
    c.pool, c.serial = unit, 10 * unit  # the pool measured faster: the pool
    _parallel.call(np.sqrt, x)
    assert used == [1, 1, 1]
