"""DataLoader throughput: num_workers=2 against 0 on a dataset with a costly per-item
transform (a few ms of single-threaded NumPy work per sample), ember and PyTorch side by side.

The speedup needs free cores: on a machine whose cores are busy with other work it stays
near 1 for both frameworks (check ``uptime`` before trusting a figure).

Run: python benchmarks/bench_dataloader.py [--items 192] [--batch-size 16] [--repeats 3]
"""
import argparse
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from ember.utils.data import DataLoader, Dataset  # noqa: E402


class CostlyTransform(Dataset):
    """Each sample: a 256x256 image through elementwise NumPy ops (about 3-5 ms)."""

    def __init__(self, n, size=256):
        self.n, self.size = n, size

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        rng = np.random.default_rng(i)
        x = rng.standard_normal((self.size, self.size)).astype(np.float32)
        for _ in range(6):  # elementwise work stays on one core (no BLAS threads)
            x = np.tanh(np.sin(x) * 1.5 + np.cos(x * 0.5))
        return x, i


def _time(make_loader, repeats):
    best = float("inf")
    for _ in range(repeats):
        loader = make_loader()
        t0 = time.perf_counter()
        n = sum(int(b[1].shape[0]) for b in loader)
        best = min(best, time.perf_counter() - t0)
    return best, n


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--items", type=int, default=192)
    ap.add_argument("--batch-size", type=int, default=16)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    ds = CostlyTransform(args.items)
    t0 = time.perf_counter()
    ds[0]
    per_item = (time.perf_counter() - t0) * 1e3
    print(f"{args.items} items, batch {args.batch_size}, ~{per_item:.1f} ms per item, "
          f"{os.cpu_count()} CPUs; best of {args.repeats}")
    results = {}
    for w in (0, 2):
        results["ember", w] = _time(lambda w=w: DataLoader(ds, batch_size=args.batch_size,
                                                           num_workers=w), args.repeats)[0]
    try:
        import torch
        import torch.utils.data as tdata

        # collation is one stack per field; keep torch's on one thread like NumPy's, or its
        # thread pool's spinning dominates on a small, busy machine
        torch.set_num_threads(1)

        class TorchDS(CostlyTransform, tdata.Dataset):
            pass

        tds = TorchDS(args.items)
        for w in (0, 2):
            results["torch", w] = _time(lambda w=w: tdata.DataLoader(
                tds, batch_size=args.batch_size, num_workers=w), args.repeats)[0]
    except ImportError:
        pass
    for fw in ("ember", "torch"):
        if (fw, 0) in results:
            t0_, t2 = results[fw, 0], results[fw, 2]
            print(f"{fw:6s} num_workers=0: {t0_:6.3f} s   num_workers=2: {t2:6.3f} s   "
                  f"speedup x{t0_ / t2:.2f}")
    if ("torch", 2) in results:
        print(f"ember/torch time ratio at num_workers=2: "
              f"{results['ember', 2] / results['torch', 2]:.2f}")


if __name__ == "__main__":
    main()
