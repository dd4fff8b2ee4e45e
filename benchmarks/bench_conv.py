"""Forward + backward time of the seed CNN's layers, ember vs PyTorch, in one process.

Layers: the seed CNN's (W1 of bench_workloads.py) at their own shapes, Conv2d(1, 32, 3) on
(64, 1, 28, 28), MaxPool2d(2) on (64, 32, 26, 26), Conv2d(32, 64, 3) on (64, 32, 13, 13),
MaxPool2d(2) on (64, 64, 11, 11) (odd: the last row and column belong to no window); the DCGAN
generator's three ConvTranspose2d (W5: a 1x1 input, then kernel 4 stride 2 twice); a
training-mode BatchNorm2d; and a conv-conv-pool chain. Ember and torch run alternately;
reports the medians of ``--reps`` runs, their ratio ember / torch (below 1: ember is faster)
and the ratio of the minima (steadier on a loaded machine).

Run: ``python benchmarks/bench_conv.py [--reps 15]``; one core each, timed by thread CPU time
(steady while other processes share the machine; ember's BLAS runs one thread by default):
``python benchmarks/bench_conv.py --threads 1 --cpu-time``
"""
import argparse
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import _timing  # noqa: E402  (benchmarks/, the script's own folder)

import ember  # noqa: E402
import ember.nn  # noqa: E402,F401


def _time_pair(fe, ft, reps):
    """Run ember and torch alternately (so both see the same machine load); return the
    (median, min) times in ms of each."""
    fe()
    ft()
    te, tt = [], []
    for _ in range(reps):
        for fn, acc in ((fe, te), (ft, tt)):
            t0 = _timing.clock()
            fn()
            acc.append(_timing.clock() - t0)
    return [(1e3 * float(np.median(t)), 1e3 * min(t)) for t in (te, tt)]


def _step(lib, layers, x):
    def run():
        for p in layers.parameters():
            p.grad = None
        xi = x.detach().requires_grad_(True)
        y = layers(xi)
        y.sum().backward()
    return run


def _cases():
    return [
        ("Conv2d(1,32,3)", (64, 1, 28, 28), lambda nn: nn.Conv2d(1, 32, 3)),
        ("MaxPool2d(2) 26x26", (64, 32, 26, 26), lambda nn: nn.MaxPool2d(2)),
        ("Conv2d(32,64,3)", (64, 32, 13, 13), lambda nn: nn.Conv2d(32, 64, 3)),
        ("MaxPool2d(2) 11x11", (64, 64, 11, 11), lambda nn: nn.MaxPool2d(2)),
        ("ConvT2d(100,128,7)", (64, 100, 1, 1), lambda nn: nn.ConvTranspose2d(100, 128, 7)),
        ("ConvT2d(128,64,4,2,1)", (64, 128, 7, 7),
         lambda nn: nn.ConvTranspose2d(128, 64, 4, 2, 1)),
        ("ConvT2d(64,1,4,2,1)", (64, 64, 14, 14), lambda nn: nn.ConvTranspose2d(64, 1, 4, 2, 1)),
        ("BatchNorm2d(32)", (64, 32, 26, 26), lambda nn: nn.BatchNorm2d(32)),
        ("conv-conv-pool", (64, 1, 28, 28),
         lambda nn: nn.Sequential(nn.Conv2d(1, 32, 3), nn.Conv2d(32, 64, 3), nn.MaxPool2d(2))
         if hasattr(nn, "Sequential") else None),
    ]


class _Chain(ember.nn.Module):
    def __init__(self, *mods):
        super().__init__()
        for i, m in enumerate(mods):
            self.add_module(str(i), m)

    def forward(self, x):
        for m in self._modules.values():
            x = m(x)
        return x


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=15)
    _timing.add_args(ap)
    args = ap.parse_args()
    _timing.setup(ap, args)
    rng = np.random.default_rng(0)
    print(f"torch threads: {torch.get_num_threads()}")
    print(f"{'layer (fwd+bwd)':<24}{'ember ms':>10}{'torch ms':>10}{'ratio':>8}"
          f"{'ratio of mins':>15}")
    for name, shape, make in _cases():
        tm = make(torch.nn)
        em = make(ember.nn)
        if em is None:  # no Sequential in this checkout: chain by hand
            em = _Chain(ember.nn.Conv2d(1, 32, 3), ember.nn.Conv2d(32, 64, 3),
                        ember.nn.MaxPool2d(2))
        em.load_state_dict({k: ember.tensor(v.numpy()) for k, v in tm.state_dict().items()})
        xa = rng.standard_normal(shape).astype(np.float32)
        (te, te_min), (tt, tt_min) = _time_pair(_step(ember, em, ember.tensor(xa)),
                                                _step(torch, tm, torch.tensor(xa)), args.reps)
        print(f"{name:<24}{te:>10.2f}{tt:>10.2f}{te / tt:>8.2f}{te_min / tt_min:>15.2f}")


if __name__ == "__main__":
    main()
