"""What runs inside a DataLoader worker process, and the messages it exchanges.

A worker seeds itself (``base_seed + worker_id`` for ``random`` and ember, a hash of both for
NumPy, as PyTorch does), then loops: take ``(task_idx, indices)`` from its index queue, fetch
and collate the batch, put ``(task_idx, batch)`` on the shared result queue, whose feeder
thread pickles it (a pickling failure is reported like any other exception, see
:class:`ResultQueue`). ``None`` tells the worker to exit; it also exits when its parent
process disappears.
"""
import multiprocessing.queues
import os
import pickle
import queue
import random
import sys
import traceback

import numpy as np

__all__ = ["WorkerInfo", "get_worker_info", "ExceptionWrapper"]

# How often a blocked worker or the main process checks on the other side (seconds).
STATUS_CHECK_INTERVAL = 1.0

_worker_info = None


class WorkerInfo:
    """Facts about the current worker: ``id``, ``num_workers``, ``seed``, ``dataset`` (this
    worker's copy). Read-only."""

    _initialized = False

    def __init__(self, **kwargs):
        for k, v in kwargs.items():
            setattr(self, k, v)
        self.__keys = tuple(kwargs)
        self._initialized = True

    def __setattr__(self, key, val):
        if self._initialized:
            raise RuntimeError(f"Cannot assign attributes to {type(self).__name__} objects")
        super().__setattr__(key, val)

    def __repr__(self):
        items = ", ".join(f"{k}={getattr(self, k)}" for k in self.__keys)
        return f"{type(self).__name__}({items})"


def get_worker_info():
    """The :class:`WorkerInfo` of the current DataLoader worker, or None in the main process.

    Example:
        >>> get_worker_info() is None
        True
    """
    return _worker_info


class ExceptionWrapper:
    """An exception caught in a worker: its type and formatted traceback, re-raised in the
    main process with the worker's traceback in the message."""

    def __init__(self, exc_info=None, where="in background"):
        exc_type, exc, tb = exc_info if exc_info is not None else sys.exc_info()
        try:
            pickle.dumps(exc_type)
        except Exception:
            exc_type = RuntimeError  # a class defined in a local scope cannot travel
        self.exc_type = exc_type
        self.exc_msg = "".join(traceback.format_exception(type(exc), exc, tb))
        self.where = where

    def reraise(self):
        msg = f"Caught {self.exc_type.__name__} {self.where}.\nOriginal {self.exc_msg}"
        if self.exc_type is KeyError:
            msg = _KeyErrorMessage(msg)
        try:
            exception = self.exc_type(msg)
        except Exception:
            raise RuntimeError(msg) from None
        try:
            raise exception
        finally:
            del exception  # no frame -> exception -> traceback -> frame cycle keeps the
            # iterator (and its workers) alive until the next garbage collection


class _KeyErrorMessage(str):
    """KeyError quotes its message; this keeps the traceback readable."""

    def __repr__(self):
        return self


class _IterableDatasetStopIteration:
    def __init__(self, worker_id):
        self.worker_id = worker_id


class _ResumeIteration:
    """Sent to persistent workers at the start of a new epoch; echoed back as the ack."""


def _generate_state(base_seed, worker_id):
    """PyTorch's 4-word NumPy seed for a worker (a SeedSequence-style hash of both ids)."""
    mask = 0xFFFFFFFF
    mult_a, mult_b = 0x931E8875, 0x58F38DED
    consts = {"a": 0x43B0D7E5}

    def hash_(value):
        value = (value ^ consts["a"]) & mask
        consts["a"] = (consts["a"] * mult_a) & mask
        value = (value * consts["a"]) & mask
        return (value ^ (value >> 16)) & mask

    def mix(x, y):
        r = ((0xCA01F9DD * x) & mask) - ((0x4973F715 * y) & mask)
        r &= mask
        return (r ^ (r >> 16)) & mask

    pool = [hash_(e) for e in (worker_id, base_seed & mask, base_seed >> 32, 0)]
    for i_src in range(4):
        for i_dst in range(4):
            if i_src != i_dst:
                pool[i_dst] = mix(pool[i_dst], hash_(pool[i_src]))
    const_b, state = 0x8B51F9DD, []
    for v in pool:
        v = (v ^ const_b) & mask
        const_b = (const_b * mult_b) & mask
        v = (v * const_b) & mask
        state.append((v ^ (v >> 16)) & mask)
    return state


class _MapFetcher:
    def __init__(self, dataset, auto_collation, collate_fn, drop_last):
        self.dataset, self.auto_collation, self.collate_fn = dataset, auto_collation, collate_fn

    def fetch(self, index):
        if self.auto_collation:
            getitems = getattr(self.dataset, "__getitems__", None)
            data = getitems(index) if getitems else [self.dataset[i] for i in index]
        else:
            data = self.dataset[index]
        return self.collate_fn(data)


class _IterableFetcher:
    def __init__(self, dataset, auto_collation, collate_fn, drop_last):
        self.dataset_iter = iter(dataset)
        self.auto_collation, self.collate_fn, self.drop_last = auto_collation, collate_fn, drop_last
        self.ended = False

    def fetch(self, index):
        if self.ended:
            raise StopIteration
        if not self.auto_collation:
            return self.collate_fn(next(self.dataset_iter))
        data = []
        for _ in index:
            try:
                data.append(next(self.dataset_iter))
            except StopIteration:
                self.ended = True
                break
        if not data or (self.drop_last and len(data) < len(index)):
            raise StopIteration
        return self.collate_fn(data)


def create_fetcher(iterable, dataset, auto_collation, collate_fn, drop_last):
    cls = _IterableFetcher if iterable else _MapFetcher
    return cls(dataset, auto_collation, collate_fn, drop_last)


def _seed_worker(base_seed, worker_id):
    from ...ops.random import manual_seed

    seed = base_seed + worker_id
    random.seed(seed)
    manual_seed(seed)
    np.random.seed(_generate_state(base_seed, worker_id))
    return seed


class ResultQueue(multiprocessing.queues.Queue):
    """The workers' result queue. Results are pickled by the queue's feeder thread (one
    copy); if pickling fails there, the batch is replaced by a wrapped exception instead of
    being dropped, so the main process reports it rather than waiting forever."""

    worker_id = None  # set in each worker process

    def __init__(self, ctx):
        super().__init__(ctx=ctx)

    def _on_queue_feeder_error(self, e, obj):
        err = ExceptionWrapper(where=f"in DataLoader worker process {self.worker_id} "
                                     "(pickling the batch)")
        self.put((obj[0], err))


def _parent_alive(parent_pid):
    """Whether the DataLoader's process lives. Its pid comes from the parent itself: read
    here, it could already be init's if the parent died while this worker was starting."""
    if os.getppid() == parent_pid:
        return True
    # a forkserver's worker is not the DataLoader's child: look the process up instead
    try:
        os.kill(parent_pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        with open(f"/proc/{parent_pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return True


def worker_loop(iterable, dataset, index_queue, data_queue, done_event, auto_collation,
                collate_fn, drop_last, base_seed, init_fn, worker_id, num_workers, parent_pid):
    """The body of a worker process (see the module docstring)."""
    global _worker_info
    data_queue.worker_id = worker_id
    try:
        seed = _seed_worker(base_seed, worker_id)
        _worker_info = WorkerInfo(id=worker_id, num_workers=num_workers, seed=seed,
                                  dataset=dataset)
        where = f"in DataLoader worker process {worker_id}"
        init_error, fetcher = None, None
        try:
            if init_fn is not None:
                init_fn(worker_id)
            fetcher = create_fetcher(iterable, dataset, auto_collation, collate_fn, drop_last)
        except Exception:
            init_error = ExceptionWrapper(where=where)
        _serve(iterable, dataset, index_queue, data_queue, done_event, auto_collation,
               collate_fn, drop_last, worker_id, where, init_error, fetcher, parent_pid)
    except KeyboardInterrupt:
        pass
    if done_event.is_set():
        data_queue.cancel_join_thread()  # do not block exit on results nobody will read
        data_queue.close()


def _serve(iterable, dataset, index_queue, data_queue, done_event, auto_collation, collate_fn,
           drop_last, worker_id, where, init_error, fetcher, parent_pid):
    iteration_end = False
    while _parent_alive(parent_pid):
        try:
            r = index_queue.get(timeout=STATUS_CHECK_INTERVAL)
        except queue.Empty:
            continue
        if r is None:
            break
        if isinstance(r, _ResumeIteration):
            data_queue.put(("resume", worker_id))
            iteration_end = False
            if init_error is None:
                fetcher = create_fetcher(iterable, dataset, auto_collation, collate_fn,
                                         drop_last)
            continue
        if done_event.is_set() or iteration_end:
            continue
        idx, index = r
        if init_error is not None:
            data, init_error = init_error, None
        else:
            try:
                data = fetcher.fetch(index)
            except Exception as e:
                if isinstance(e, StopIteration) and iterable:
                    data = _IterableDatasetStopIteration(worker_id)
                    iteration_end = True
                else:
                    data = ExceptionWrapper(where=where)
        data_queue.put((idx, data))
        del data, idx, index, r
