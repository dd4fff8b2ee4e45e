"""Where the time goes in the workloads whose ratio is above target (issue: Speed): W5, the
DCGAN generator, W2's LSTM and W3's MLP. One core each, timed by the calling thread's CPU time.

    python benchmarks/profile_gaps.py

1. W5 layer by layer: forward and backward of each layer, ember and torch.
2. W5's ConvTranspose2d(128, 64, 4, 2, 1) forward in ember's pieces (the layout of the input
   rows, the one GEMM, the tap adds of the col2im, the layout back to NCHW), against torch's
   whole op and against the same GEMM in torch (torch.matmul: its BLAS on the same shape).
3. W2 LSTM: ember's training step against the GEMMs it contains (28 steps x 2 layers forward
   and backward, plus the weight-gradient products), each timed in NumPy and in torch.matmul;
   and how much of torch's step is its fused oneDNN LSTM kernel, at what GFLOP/s.
4. W3 MLP: ember's and torch's training step against the eight GEMMs of a step, each in NumPy
   and in torch.matmul, with the GFLOP/s each BLAS reaches on the shape.
"""
import argparse
import os
import statistics
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
import _timing  # noqa: E402

import ember  # noqa: E402
from ember.ops import conv as C  # noqa: E402


def bench(f, n):
    for _ in range(3):
        f()
    ts = []
    for _ in range(n):
        s = _timing.clock()
        f()
        ts.append(_timing.clock() - s)
    return statistics.median(ts) * 1e3


W5 = [("ConvT(100,128,7,1,0)", lambda L: L.ConvTranspose2d(100, 128, 7, 1, 0), (100, 1, 1)),
      ("BatchNorm2d(128)", lambda L: L.BatchNorm2d(128), (128, 7, 7)),
      ("ReLU", lambda L: L.ReLU(), (128, 7, 7)),
      ("ConvT(128,64,4,2,1)", lambda L: L.ConvTranspose2d(128, 64, 4, 2, 1), (128, 7, 7)),
      ("BatchNorm2d(64)", lambda L: L.BatchNorm2d(64), (64, 14, 14)),
      ("ReLU", lambda L: L.ReLU(), (64, 14, 14)),
      ("ConvT(64,1,4,2,1)", lambda L: L.ConvTranspose2d(64, 1, 4, 2, 1), (64, 14, 14)),
      ("Tanh", lambda L: L.Tanh(), (1, 28, 28))]


def w5_layers(n):
    print("1. W5 layer by layer, batch 64 (ms; backward = forward+backward - forward)")
    print(f"   {'layer':22s} {'fwd ember':>10s} {'torch':>7s} {'bwd ember':>10s} {'torch':>7s}")
    rng = np.random.default_rng(0)
    total = np.zeros(4)
    for name, make, shape in W5:
        x = rng.standard_normal((64,) + shape).astype(np.float32)
        row = []
        for lib, L in ((ember, ember.nn), (torch, torch.nn)):
            m = make(L)
            xi = lib.tensor(x, requires_grad=True)
            g = lib.ones_like(m(xi))
            f = bench(lambda m=m, xi=xi: m(xi), n)
            fb = bench(lambda m=m, xi=xi, g=g: m(xi).backward(g), n)
            row += [f, fb - f]
        total += row
        print(f"   {name:22s} {row[0]:10.2f} {row[2]:7.2f} {row[1]:10.2f} {row[3]:7.2f}")
    print(f"   {'total':22s} {total[0]:10.2f} {total[2]:7.2f} {total[1]:10.2f} {total[3]:7.2f}")


def _tap_major(w):
    """ConvTranspose's (128, 64, 4, 4) weight as ember's op lays it out: (16 taps * 64, 128)."""
    return np.ascontiguousarray(np.moveaxis(w.reshape(128, 64, 16), 2, 0).swapaxes(1, 2)) \
        .reshape(-1, 128)


def convt_pieces_of(y, w, b):
    """ember's ConvTranspose2d(128, 64, 4, 2, 1) forward as its four pieces, each a function of
    the previous piece's result: [(name, fn)], the last returning the (N, C, 14, 14) output."""
    stride, dil = (2, 2), (1, 1)
    wt = _tap_major(w)

    def taps(gcols):
        gcols = gcols.reshape(16, -1)
        buf = np.zeros((64, 16, 16, 64), np.float32)
        C._add_taps(buf, (gcols[j].reshape(64, 7, 7, 64) for j in range(16)),
                    (sl for _, sl in C._offset_slices((4, 4), stride, dil, (7, 7), lead=1)))
        return buf
    return [("rows of the input (layout)", lambda _: C._rows(y, True)),
            ("GEMM (1024x128)@(128x3136), NumPy", lambda rows: wt @ rows),
            ("zeros + 16 tap adds (col2im)", taps),
            ("to NCHW + bias (layout)", lambda buf: C._from_nlast(buf[:, 1:15, 1:15], b, np))]


def convt_pieces(n):
    print("2. ConvTranspose2d(128, 64, 4, 2, 1) forward, (64, 128, 7, 7) -> (64, 64, 14, 14), ms")
    rng = np.random.default_rng(0)
    y = rng.standard_normal((64, 128, 7, 7)).astype(np.float32)
    w = rng.standard_normal((128, 64, 4, 4)).astype(np.float32)
    b = rng.standard_normal(64).astype(np.float32)
    tot, prev = 0.0, None
    for name, f in convt_pieces_of(y, w, b):
        t = bench(lambda f=f, prev=prev: f(prev), n)
        prev = f(prev)
        tot += t
        print(f"   ember {name:38s} {t:7.2f}")
    print(f"   ember {'sum of the pieces':38s} {tot:7.2f}")
    tm = torch.nn.ConvTranspose2d(128, 64, 4, 2, 1)
    ty = torch.tensor(y)
    with torch.no_grad():
        print(f"   torch {'whole op (oneDNN deconvolution)':38s} {bench(lambda: tm(ty), n):7.2f}")
    a, r = torch.tensor(_tap_major(w)), torch.tensor(C._rows(y, True))
    print(f"   torch {'the same GEMM (torch.matmul)':38s} {bench(lambda: a @ r, n):7.2f}")


def _gemm_pair(a, b, n):
    """ms of ``a @ b`` in NumPy and in torch.matmul (the same float32 operands)."""
    ta, tb = torch.tensor(a), torch.tensor(b)
    return bench(lambda: a @ b, n), bench(lambda: ta @ tb, n)


def _torch_self_ms(f, names, n):
    """ms per call of ``f`` spent in each named torch op (its self CPU time, torch.profiler)."""
    from torch.profiler import ProfilerActivity, profile

    for _ in range(3):
        f()
    with profile(activities=[ProfilerActivity.CPU]) as prof:
        for _ in range(n):
            f()
    self_us = {e.key: e.self_cpu_time_total for e in prof.key_averages()}
    return [self_us.get(name, 0.0) / n / 1e3 for name in names]


def lstm(n):
    print("3. W2 LSTM training step (2 layers, H 128, 28 steps, batch 64), ms")
    from bench_workloads import w2

    fe, ft = w2("LSTM")
    print(f"   ember step {bench(fe, n):7.2f}   torch step {bench(ft, n):7.2f}")
    kernels = _torch_self_ms(ft, ("aten::mkldnn_rnn_layer", "aten::mkldnn_rnn_layer_backward"),
                             n)
    flop = 2 * 64 * 28 * 4 * 128 * ((28 + 128) + (128 + 128)) * 3  # forward once, backward twice
    print(f"   torch's oneDNN fused LSTM layers (torch.profiler, self CPU): forward "
          f"{kernels[0]:.2f}, backward {kernels[1]:.2f}; the layers' {flop / 1e9:.2f} GFLOP "
          f"run at {flop / 1e6 / sum(kernels):.0f} GFLOP/s, elementwise work included")
    rng = np.random.default_rng(0)
    steps, shapes = 28, []
    # rows [h | 1 | x] of layers 1 and 2; the backward's [dh | dx] (layer 1: dh only, its
    # input needs no gradient)
    for k, kb in ((128 + 1 + 28, 128), (128 + 1 + 128, 256)):
        shapes += [("fwd gates", (4, 64, k), (4, k, 128), steps),  # per step, gate-major
                   ("bwd dh, dx", (64, 512), (512, kb), steps),
                   ("weight grads", (512, steps * 64), (steps * 64, k), 1)]
    te = tt = 0.0
    for name, sa, sb, times in shapes:
        a = rng.standard_normal(sa).astype(np.float32)
        b = rng.standard_normal(sb).astype(np.float32)
        if name == "fwd gates":  # (B, K) @ (4, K, H): one matrix of rows against 4 blocks
            a = a[0]
        e, t = (x * times for x in _gemm_pair(a, b, n))
        te, tt = te + e, tt + t
        print(f"   GEMM {name:12s} {str(a.shape):11s} @ {str(b.shape):14s} x{times:2d}: "
              f"NumPy {e:6.2f}  torch.matmul {t:6.2f}")
    print(f"   all the step's GEMMs: NumPy {te:.2f}, torch.matmul {tt:.2f}")


def mlp(n):
    print("4. W3 MLP training step (784-512-512-10, batch 64), ms and GFLOP/s")
    from bench_workloads import w3

    fe, ft = w3()
    print(f"   ember step {bench(fe, n):7.2f}   torch step {bench(ft, n):7.2f}")
    rng = np.random.default_rng(0)
    # forward x W^T per layer; backward G W (layers 2, 3: the input needs no gradient) and
    # G^T x per layer, as (rows, inner, columns)
    shapes = [("fwd", 64, 784, 512), ("fwd", 64, 512, 512), ("fwd", 64, 512, 10),
              ("bwd dx", 64, 512, 512), ("bwd dx", 64, 10, 512),
              ("bwd dW", 512, 64, 784), ("bwd dW", 512, 64, 512), ("bwd dW", 10, 64, 512)]
    te = tt = 0.0
    for name, m, k, c in shapes:
        a = rng.standard_normal((m, k)).astype(np.float32)
        b = rng.standard_normal((k, c)).astype(np.float32)
        e, t = _gemm_pair(a, b, n)
        te, tt = te + e, tt + t
        gf = 2 * m * k * c / 1e6
        print(f"   GEMM {name:7s} ({m:3d}, {k:3d}) @ ({k:3d}, {c:3d}): NumPy {e:5.2f} "
              f"({gf / e:4.0f} GFLOP/s)  torch.matmul {t:5.2f} ({gf / t:4.0f} GFLOP/s)")
    print(f"   all the step's GEMMs: NumPy {te:.2f}, torch.matmul {tt:.2f}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=20)
    args = ap.parse_args()
    args.cpu_time, args.threads = True, 1
    _timing.setup(ap, args)
    w5_layers(args.repeat)
    convt_pieces(args.repeat)
    lstm(args.repeat)
    mlp(args.repeat * 10)  # sub-millisecond products: more samples


if __name__ == "__main__":
    main()
