"""Per-op overhead of view/indexing/joining ops, ember vs torch in one process.

Run: python benchmarks/bench_shape_ops.py   (prints ember time, torch time and their ratio)
"""
import timeit

import torch

import ember


def bench(name, fe, ft, n=20000):
    te = min(timeit.repeat(fe, number=n, repeat=5)) / n * 1e6
    tt = min(timeit.repeat(ft, number=n, repeat=5)) / n * 1e6
    print(f"{name:22s} ember {te:7.2f}us torch {tt:7.2f}us ratio {te / tt:5.2f}")


def main():
    xe, xt = ember.randn(32, 64), torch.randn(32, 64)
    ie, it = ember.tensor([1, 3, 5]), torch.tensor([1, 3, 5])
    bench("x[0]", lambda: xe[0], lambda: xt[0])
    bench("x[:, 1:5]", lambda: xe[:, 1:5], lambda: xt[:, 1:5])
    bench("x[idx]", lambda: xe[ie], lambda: xt[it])
    bench("x.t()", lambda: xe.t(), lambda: xt.t())
    bench("x.reshape", lambda: xe.reshape(64, 32), lambda: xt.reshape(64, 32))
    bench("cat", lambda: ember.cat([xe, xe]), lambda: torch.cat([xt, xt]))
    bench("stack", lambda: ember.stack([xe, xe]), lambda: torch.stack([xt, xt]))
    xg = ember.randn(32, 64, requires_grad=True)
    tg = torch.randn(32, 64, requires_grad=True)
    bench("x[:,1:5] fwd+bwd", lambda: xg[:, 1:5].sum().backward(),
          lambda: tg[:, 1:5].sum().backward(), 3000)
    bench("cat fwd+bwd", lambda: ember.cat([xg, xg]).sum().backward(),
          lambda: torch.cat([tg, tg]).sum().backward(), 3000)


if __name__ == "__main__":
    main()
