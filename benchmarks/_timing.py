"""Thread count and clock, shared by the side-by-side benchmarks.

``--threads N`` (or the script's own flag name) sets torch and ember to N threads; ``--cpu-time``
times by the calling thread's CPU time, which other processes on the machine barely disturb.
It counts one thread only, so it implies one thread each (another count is an error).
"""
import time

import torch

import ember

clock = time.perf_counter  # replaced by ``setup`` under --cpu-time


def add_args(ap, flag="--threads"):
    ap.add_argument(flag, type=int, default=None,
                    help="torch.set_num_threads(N) and ember.set_num_threads(N) first "
                         "(default: each library's own default)")
    ap.add_argument("--cpu-time", action="store_true",
                    help="time by this thread's CPU time (one thread each): steady figures "
                         "while other processes share the cores")


def setup(ap, args, dest="threads"):
    """Apply the thread count and choose the clock (read it as ``_timing.clock``)."""
    global clock
    n = getattr(args, dest)
    if args.cpu_time:
        if n not in (None, 1):
            ap.error("--cpu-time measures one thread: it runs each library on one thread")
        n = 1
        setattr(args, dest, 1)
        clock = time.thread_time
    if n:
        torch.set_num_threads(n)
        # the same count for ember (its elementwise pool and BLAS): one core against one core
        # with 1, and under --cpu-time no work on threads whose CPU time the clock cannot see
        ember.set_num_threads(n)
