"""Per-op overhead and large-op throughput of ember vs PyTorch, in one process.

Each case runs on ember and on torch alternately (after a warm-up), several rounds; the table
shows the median time per call and the ratio ember / torch (lower is better for ember).

    python benchmarks/bench_core.py              # all cases, wall time, each library's
                                                 # default threads (every core for both)
    python benchmarks/bench_core.py --quick      # fewer rounds
    python benchmarks/bench_core.py --cpu-time   # per-core: torch on 1 thread, thread CPU
                                                 # time (stable on a busy shared machine)
"""
import argparse
import os
import statistics
import sys
from pathlib import Path

if "--cpu-time" in sys.argv:  # one BLAS thread for NumPy too, set before NumPy loads
    for _v in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[_v] = "1"

import numpy as np  # noqa: E402
import torch  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import _timing  # noqa: E402  (benchmarks/, the script's own folder)

import ember  # noqa: E402


def _cases():
    rng = np.random.default_rng(0)
    small_a = rng.standard_normal(10).astype(np.float32)
    small_b = rng.standard_normal(10).astype(np.float32)
    big_a = rng.standard_normal(1_000_000).astype(np.float32)
    big_b = rng.standard_normal(1_000_000).astype(np.float32)
    m1 = rng.standard_normal((512, 512)).astype(np.float32)
    m2 = rng.standard_normal((512, 512)).astype(np.float32)
    red = rng.standard_normal((1000, 1000)).astype(np.float32)

    def make(lib):
        a, b = lib.tensor(small_a), lib.tensor(small_b)
        ag, bg = lib.tensor(small_a, requires_grad=True), lib.tensor(small_b, requires_grad=True)
        x, y = lib.tensor(big_a), lib.tensor(big_b)
        p, q = lib.tensor(m1), lib.tensor(m2)
        r = lib.tensor(red)

        def fwd_bwd():
            (ag + bg).sum().backward()

        return {
            "add 10 elem (forward)": (lambda: a + b, 20000),
            "add+sum+backward 10 elem": (fwd_bwd, 5000),
            "mul 10 elem, requires_grad (forward)": (lambda: ag * bg, 20000),
            "chain 1M: (x*y+x)*y-x": (lambda: (x * y + x) * y - x, 30),
            "matmul 512x512": (lambda: p @ q, 30),
            "sum dim=1 1000x1000": (lambda: r.sum(dim=1), 100),
        }

    return make(ember), make(torch)




def _time(fn, n):
    clock = _timing.clock
    t0 = clock()
    for _ in range(n):
        fn()
    return (clock() - t0) / n


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    _timing.add_args(ap)
    args = ap.parse_args()
    _timing.setup(ap, args)
    rounds = 3 if args.quick else 7
    ember_cases, torch_cases = _cases()
    print(f"torch {torch.__version__}, numpy {np.__version__}, threads: torch "
          f"{torch.get_num_threads()}, ember {ember.get_num_threads()}; clock "
          f"{_timing.clock.__name__}, median of {rounds} rounds")
    print(f"{'case':40s} {'ember':>11s} {'torch':>11s} {'ratio':>7s}")
    for name in ember_cases:
        fe, n = ember_cases[name]
        ft, _ = torch_cases[name]
        if args.quick:
            n = max(n // 4, 5)
        _time(fe, max(n // 10, 2))
        _time(ft, max(n // 10, 2))
        te, tt = [], []
        for _ in range(rounds):
            te.append(_time(fe, n))
            tt.append(_time(ft, n))
        me, mt = statistics.median(te), statistics.median(tt)
        print(f"{name:40s} {_fmt(me):>11s} {_fmt(mt):>11s} {me / mt:7.2f}")


def _fmt(t):
    return f"{t * 1e6:.1f} us" if t < 1e-3 else f"{t * 1e3:.2f} ms"


if __name__ == "__main__":
    main()
