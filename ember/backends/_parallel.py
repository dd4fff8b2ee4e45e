"""Intra-op parallelism for large elementwise NumPy calls (PyTorch's intra-op thread pool).

Why: a NumPy ufunc runs on one thread, while PyTorch splits a large elementwise op over
``torch.get_num_threads()`` threads. NumPy releases the GIL inside its ufunc loops, so Python
threads that run the same function on disjoint slices of one output really run in parallel.

How: the output is cut into cache-sized pieces (flat when every array operand is C-contiguous
and of the output's shape, else along the first axis); the calling thread and a small
persistent pool pull pieces from a shared counter until none are left, so a core that another
process keeps busy simply takes fewer, and a pool thread that stalls never holds the caller up
(``_Job``). Where threads lose anyway (every core busy with other work), the measured choice in
:func:`call` keeps such calls on one thread. Only calls of at least ``MIN_SIZE`` output elements on
NumPy arrays take this path, and only when ``ember.get_num_threads() > 1``: the hot path pays
one comparison, ``size >= _BIG`` (a module global kept by :func:`watch`; infinite when one
thread is configured).

The thread count has one source of truth, ``backends/_blas.py`` (the user's
``set_num_threads`` or ``OMP_NUM_THREADS``/``OPENBLAS_NUM_THREADS``); when the user chose none,
elementwise work uses every core, like PyTorch, while OpenBLAS keeps the policy that
``_blas.py`` explains (one thread for small products, every core for large ones). CuPy arrays
never come here: the GPU already runs the whole op at once.
"""
import itertools
import os
import queue
import threading
from time import perf_counter as _clock

import numpy as np

from . import _blas

__all__ = ["num_threads", "refresh", "run", "call", "watch", "big", "MIN_SIZE"]

# output elements: below this the hand-off (tens of microseconds) costs more than it saves
MIN_SIZE = 1 << 18
# elements per piece: 512 KB of float32, so a composite's temporaries stay in cache
PIECE = 1 << 17
_INF = float("inf")
big = [_INF]        # the hot-path threshold: MIN_SIZE when more than one thread, else never
_nd = np.ndarray


def _default_threads():
    """PyTorch's default: ``OMP_NUM_THREADS`` when set, else the usable cores."""
    v = os.environ.get("OMP_NUM_THREADS", "")
    if v.strip().isdigit() and int(v) > 0:
        return int(v)
    return _blas._cores()


_DEFAULT = _default_threads()


def num_threads():
    """The intra-op thread count: the user's choice (``set_num_threads`` or the BLAS
    environment variables, kept in ``_blas``), else ``OMP_NUM_THREADS``, else every core."""
    return _blas._threads[0] if _blas._user[0] else _DEFAULT


_watchers = []


def watch(namespace, name="_BIG"):
    """Keep ``namespace[name]`` (a module's globals) equal to the threshold: the ops' hot
    paths read a module global, which is cheaper than ``big[0]``."""
    _watchers.append((namespace, name))
    namespace[name] = big[0]


def refresh():
    """Recompute the hot-path threshold after the thread count changed."""
    big[0] = MIN_SIZE if num_threads() > 1 else _INF
    for namespace, name in _watchers:
        namespace[name] = big[0]


class _Job:
    """One parallel call: the pieces, a shared counter, and who has written what.

    The calling thread writes its pieces straight into the output. A pool thread computes a
    piece into its own buffer and copies it in under ``lock`` only while the job is open, so
    a pool thread that the OS has put aside never holds the caller up: after a short wait the
    caller closes the job and computes the missing pieces itself (a late result is dropped).
    """

    __slots__ = ("fn", "ins", "out", "n", "step", "ufunc", "next", "written", "left", "lock",
                 "all_written", "closed", "err", "errstate")

    def _args(self, i):
        lo = i * self.step
        return lo, lo + self.step, [a[lo:lo + self.step] if s else a for a, s in self.ins]

    def write(self, i):
        """Compute piece ``i`` straight into the output (the calling thread)."""
        lo, hi, args = self._args(i)
        if self.ufunc:
            self.fn(*args, out=self.out[lo:hi])
        else:
            self.out[lo:hi] = self.fn(*args)
        self.written[i] = 1

    def work(self):
        """A pool thread's share: pieces computed aside, then copied in while the job is open."""
        with np.errstate(**self.errstate):  # NumPy's error state does not cross threads
            for i in self.next:  # itertools.count: atomic under the GIL
                if i >= self.n or self.closed:
                    return
                lo, hi, args = self._args(i)
                try:
                    res, err = self.fn(*args), None
                except BaseException as e:  # re-raised by the calling thread
                    res, err = None, e
                with self.lock:
                    if self.closed:
                        return
                    if err is None:
                        self.out[lo:hi] = res
                    elif self.err is None:
                        self.err = err
                    self.written[i] = 1
                    self.left -= 1
                    if not self.left:
                        self.all_written.release()

    def run_caller(self):
        """The calling thread's share, then the wait, then whatever the pool did not write."""
        mine, t0 = 0, _clock()
        for i in self.next:
            if i >= self.n:
                break
            self.write(i)
            mine += 1
        with self.lock:
            self.left -= mine
            waiting = self.left > 0
        if waiting:
            # a pool thread that runs finishes its piece in about the caller's time per piece
            per = (_clock() - t0) / mine if mine else 1e-3
            self.all_written.acquire(timeout=max(2 * per, 1e-4))
        with self.lock:
            self.closed = True
        for i in range(self.n):
            if not self.written[i]:
                self.write(i)


_jobs = queue.SimpleQueue()
_workers = []
_start_lock = threading.Lock()


def _worker():
    while True:
        _jobs.get().work()


def _ensure_workers(n):
    """Start pool threads up to ``n`` helpers (daemon threads, started on first use)."""
    if len(_workers) >= n:
        return
    with _start_lock:
        while len(_workers) < n:
            t = threading.Thread(target=_worker, name=f"ember-intraop-{len(_workers)}",
                                 daemon=True)
            t.start()
            _workers.append(t)


def _layout(arrays, shape):
    """True: every array is C-contiguous of the full shape, so cut the raveled output; False:
    cut along axis 0; None: neither keeps NumPy's output layout (then run serially)."""
    if all(a.shape == shape and a.flags.c_contiguous for a in arrays):
        return True
    if len(shape) < 2 or shape[0] < 2:
        return None
    for a in arrays:  # operands cut along axis 0 must be C-contiguous, as the output is
        if a.ndim == len(shape) and a.shape[0] == shape[0] and not a.flags.c_contiguous:
            return None
    return False


def run(fn, *args):
    """``fn(*args)`` computed in pieces on the intra-op pool, or None when the call does not
    qualify (then the caller computes it serially, and any error is raised there).

    ``fn`` is a ufunc (each piece is written with ``out=``) or any elementwise function of
    its array arguments (each piece's result is copied into the output). Arguments are NumPy
    arrays or scalars; broadcasting is allowed.
    """
    arrays = [a for a in args if a.__class__ is _nd and a.ndim]
    if not arrays or any(not (a.__class__ is _nd or isinstance(a, (int, float, complex,
                                                                  np.generic)))
                         for a in args):
        return None  # a CuPy array or something unexpected: serial
    try:
        shape = np.broadcast_shapes(*[a.shape for a in arrays])
    except ValueError:
        return None
    size = 1
    for s in shape:
        size *= s
    nthreads = num_threads()
    if size < MIN_SIZE or nthreads < 2:
        return None
    flat = _layout(arrays, shape)
    if flat is None:
        return None
    job = _Job()
    if flat:
        ins = [(a.reshape(-1), True) if a.__class__ is _nd and a.ndim else (a, False)
               for a in args]
        step, rows = PIECE, size
    else:
        ins = [(a, a.__class__ is _nd and a.ndim == len(shape) and a.shape[0] == shape[0])
               for a in args]
        step, rows = max(1, PIECE * shape[0] // size), shape[0]
    probe = fn(*[a[:0] if s else a for a, s in ins])  # the result dtype, at no cost
    if probe.__class__ is not _nd or probe.dtype.hasobject:
        return None
    out = np.empty((size,) if flat else shape, dtype=probe.dtype)
    job.fn, job.ins, job.out, job.step = fn, ins, out, step
    job.n = n = -(-rows // step)
    job.ufunc = isinstance(fn, np.ufunc) and fn.nout == 1
    job.next, job.written, job.left = itertools.count(), bytearray(n), n
    job.closed, job.err, job.errstate = False, None, np.geterr()
    job.lock, job.all_written = threading.Lock(), threading.Lock()
    job.all_written.acquire()
    helpers = min(nthreads - 1, n - 1)
    _ensure_workers(helpers)
    for _ in range(helpers):
        _jobs.put(job)
    job.run_caller()
    if job.err is not None:
        raise job.err
    return out.reshape(shape) if flat else out


# Measured choice between the pool and one thread. Threads pay off on free cores, but where
# other processes keep every core busy each hand-off of the GIL waits on the scheduler: the
# pool was measured 1.5x slower than one thread there (2 cores, load 3-4). So each function
# and size class keeps a moving average of the time per element of both ways and uses the
# faster. Now and then a call tries the other way, so the choice follows the machine's load:
# after EXPLORE calls, and twice as long after each try that lost (up to EXPLORE_MAX calls),
# since a losing try on a busy machine can cost many calls' worth.
ADAPTIVE = True  # False: always the pool when a call qualifies (tests)
EXPLORE, EXPLORE_MAX = 16, 1024
_ALPHA = 0.25  # weight of the newest timing in the moving average
_choices = {}


class _Choice:
    __slots__ = ("serial", "pool", "every", "countdown")

    def __init__(self):
        self.serial = self.pool = 0.0  # seconds per element; 0.0: not timed yet
        self.every = self.countdown = EXPLORE


def call(fn, *args):
    """``fn(*args)`` on NumPy arrays: on the intra-op pool or on this thread, whichever the
    recent timings of this function at this size say is faster (see ``_Choice``)."""
    if not ADAPTIVE:
        out = run(fn, *args)
        return fn(*args) if out is None else out
    size = max(a.size for a in args if a.__class__ is _nd)
    key = (fn, size.bit_length())
    c = _choices.get(key)
    if c is None:
        c = _choices[key] = _Choice()
    explore = False
    if not c.pool:
        use_pool = True
    elif not c.serial:
        use_pool = False
    else:
        c.countdown -= 1
        explore = c.countdown <= 0
        use_pool = (c.pool < c.serial) != explore
    t0 = _clock()
    out = run(fn, *args) if use_pool else None
    if out is None:
        if use_pool:  # the call does not qualify: nothing to learn
            return fn(*args)
        out = fn(*args)
    per = (_clock() - t0) / out.size
    if explore:
        lost = per >= (c.serial if use_pool else c.pool)
        c.every = min(2 * c.every, EXPLORE_MAX) if lost else EXPLORE
        c.countdown = c.every
    if use_pool:
        c.pool = per if not c.pool else c.pool + _ALPHA * (per - c.pool)
    else:
        c.serial = per if not c.serial else c.serial + _ALPHA * (per - c.serial)
    return out


def _after_fork():
    # a forked child has none of the parent's pool threads: start afresh (the calling thread
    # would otherwise do every piece itself while stale jobs pile up in the queue)
    global _jobs, _start_lock
    _jobs = queue.SimpleQueue()
    _start_lock = threading.Lock()
    _workers.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork)
refresh()
