"""Does the CuPy backend work as a drop-in? Run on a machine with a GPU and CuPy:

    python benchmarks/gpu_check.py

Each check computes the same thing on the CPU (NumPy) and on CUDA (CuPy) and compares; a
failure prints the error and the run goes on. Ends with a CNN training-step timing on the GPU
for ember and (when installed) torch.
"""
import os
import sys
import time
import traceback

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
import ember  # noqa: E402

results = []


def check(name, fn):
    try:
        err = fn()
        ok = err is None or err < 1e-3
        results.append((name, ok, "" if err is None else f"max err {err:.2e}"))
    except Exception as e:  # report and continue
        results.append((name, False, f"{type(e).__name__}: {str(e).splitlines()[0][:150]}"))
        traceback.print_exc(limit=3)


def both(fn, *arrays):
    outs = []
    for dev in ("cpu", "cuda"):
        ember.manual_seed(0)  # layers built inside fn get the same weights on both devices
        ts = [ember.tensor(a, device=dev, requires_grad=a.dtype.kind == "f") for a in arrays]
        out = fn(*ts)
        out.sum().backward() if out.requires_grad else None
        grads = [t.grad.cpu().numpy() if t.grad is not None else None for t in ts]
        outs.append((out.detach().cpu().numpy(), grads))
    (o1, g1), (o2, g2) = outs
    err = float(np.max(np.abs(o1 - o2))) if o1.size else 0.0
    for a, b in zip(g1, g2):
        if a is not None or b is not None:
            if a is None or b is None:
                raise AssertionError("a gradient is missing on one device")
            err = max(err, float(np.max(np.abs(a - b))))
    return err


rng = np.random.default_rng(0)
A = rng.standard_normal((8, 16)).astype(np.float32)
B = rng.standard_normal((16, 4)).astype(np.float32)
IMG = rng.standard_normal((4, 1, 28, 28)).astype(np.float32)

check("cuda.is_available", lambda: None if ember.cuda.is_available() else 1.0)
check("arith+exp+log", lambda: both(lambda x: (x * 2 + 1).exp().log() / 3 - x, A))
check("matmul", lambda: both(lambda x, y: x @ y, A, B))
check("reductions", lambda: both(lambda x: x.sum(1) + x.mean(1) + x.amax(1), A))
check("softmax/log_softmax", lambda: both(lambda x: ember.softmax(x, 1) + ember.log_softmax(x, 1), A))
check("indexing", lambda: both(lambda x: x[1:5, ::2][:, [0, 2]] * 3, A))
check("cat/stack", lambda: both(lambda x: ember.cat([x, x * 2], 1).sum(0), A))
check("F.cross_entropy", lambda: both(
    lambda x: ember.nn.functional.cross_entropy(x, ember.tensor([0, 1, 2, 3, 0, 1, 2, 3])
                                                .to(x.device)), A))


def cnn_step():
    ember.manual_seed(0)
    errs = []
    outs = []
    for dev in ("cpu", "cuda"):
        ember.manual_seed(0)
        m = ember.models.CNN().to(dev)
        opt = ember.optim.SGD(m.parameters(), lr=0.1, momentum=0.9)
        x = ember.tensor(IMG).to(dev)
        y = ember.tensor([1, 2, 3, 4]).to(dev)
        for _ in range(2):
            loss = ember.nn.functional.cross_entropy(m(x), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
        outs.append(m(x).detach().cpu().numpy())
    errs.append(float(np.max(np.abs(outs[0] - outs[1]))))
    return max(errs)


check("CNN 2 SGD steps (cpu vs cuda)", cnn_step)
check("LSTM forward+backward", lambda: both(
    lambda x: ember.nn.LSTM(28, 16, 2, batch_first=True).to(x.device)(x)[0], IMG[:, 0]))
check("BatchNorm2d+ConvTranspose2d", lambda: both(
    lambda x: ember.nn.BatchNorm2d(1).to(x.device)(ember.nn.ConvTranspose2d(1, 1, 4, 2, 1)
                                                   .to(x.device)(x)), IMG))

for name, ok, msg in results:
    print(f"{'OK  ' if ok else 'FAIL'} {name:36s} {msg}")

if ember.cuda.is_available():
    try:
        m = ember.models.CNN().to("cuda")
        opt = ember.optim.SGD(m.parameters(), lr=0.01, momentum=0.9)
        x = ember.randn(64, 1, 28, 28).to("cuda")
        y = ember.randint(0, 10, (64,)).to("cuda")

        def step():
            loss = ember.nn.functional.cross_entropy(m(x), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            loss.item()
        for _ in range(5):
            step()
        t = time.perf_counter()
        for _ in range(50):
            step()
        te = (time.perf_counter() - t) / 50
        line = f"GPU CNN train step (batch 64): ember {te * 1e3:.2f} ms"
        try:
            import torch

            tm = torch.nn.Sequential(
                torch.nn.Conv2d(1, 32, 3), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
                torch.nn.Conv2d(32, 64, 3), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
                torch.nn.Flatten(), torch.nn.Linear(1600, 128), torch.nn.ReLU(),
                torch.nn.Linear(128, 10)).cuda()
            topt = torch.optim.SGD(tm.parameters(), lr=0.01, momentum=0.9)
            tx, ty = torch.randn(64, 1, 28, 28).cuda(), torch.randint(0, 10, (64,)).cuda()

            def tstep():
                loss = torch.nn.functional.cross_entropy(tm(tx), ty)
                topt.zero_grad()
                loss.backward()
                topt.step()
                loss.item()
            for _ in range(5):
                tstep()
            t = time.perf_counter()
            for _ in range(50):
                tstep()
            tt = (time.perf_counter() - t) / 50
            line += f", torch {tt * 1e3:.2f} ms, ratio {te / tt:.2f}"
        except Exception as e:
            line += f" (torch: {type(e).__name__})"
        print(line)
    except Exception as e:
        print("GPU timing failed:", type(e).__name__, e)
