"""Training step of a 2-layer RNN/LSTM/GRU classifier, ember vs PyTorch in one process.

The model is the seed's: ``nn.<Cell>(28, 128, num_layers=2, batch_first=True)`` over 28 steps,
batch 64, the last step's output through ``Linear(128, 10)``, cross-entropy. One step is
forward + backward (gradients zeroed before each). Reports the median time of each and the
ratio ember / torch.

Usage: ``python benchmarks/bench_rnn.py [--repeat 20] [--threads 1] [--mode RNN LSTM GRU]``
"""
import argparse
import statistics
import time

import numpy as np
import torch

import ember
import ember.nn


def _ce_ember(logits, target):
    # log-softmax NLL, written in ember ops (F.cross_entropy when it exists)
    F = ember.nn.functional
    if hasattr(F, "cross_entropy"):
        return F.cross_entropy(logits, target)
    m = ember.tensor(logits.detach().numpy().max(1, keepdims=True))
    z = logits - m
    lse = z.exp().sum(1).log()
    picked = z[ember.arange(z.shape[0]), target]
    return (lse - picked).mean()


def _build(mode):
    t_rnn = getattr(torch.nn, mode)(28, 128, num_layers=2, batch_first=True)
    t_fc = torch.nn.Linear(128, 10)
    e_rnn = getattr(ember.nn, mode)(28, 128, num_layers=2, batch_first=True)
    e_rnn.load_state_dict({k: ember.tensor(v.numpy()) for k, v in t_rnn.state_dict().items()})
    e_w = ember.tensor(t_fc.weight.detach().numpy(), requires_grad=True)
    e_b = ember.tensor(t_fc.bias.detach().numpy(), requires_grad=True)
    return t_rnn, t_fc, e_rnn, e_w, e_b


def _time_pair(fa, fb, repeat, clock):
    """Median times of ``fa`` and ``fb``, interleaved so that load changes hit both alike."""
    fa(), fb()  # warm up
    ta, tb = [], []
    for _ in range(repeat):
        for fn, ts in ((fa, ta), (fb, tb)):
            t0 = clock()
            fn()
            ts.append(clock() - t0)
    return statistics.median(ta), statistics.median(tb)


def bench(mode, repeat, clock=time.perf_counter):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((64, 28, 28)).astype(np.float32)
    y = rng.integers(0, 10, 64)
    t_rnn, t_fc, e_rnn, e_w, e_b = _build(mode)
    xt, yt = torch.tensor(x), torch.tensor(y)
    xe, ye = ember.tensor(x), ember.tensor(y)

    def step_torch():
        t_rnn.zero_grad()
        t_fc.zero_grad()
        out, _ = t_rnn(xt)
        loss = torch.nn.functional.cross_entropy(t_fc(out[:, -1, :]), yt)
        loss.backward()
        return loss

    def step_ember():
        e_rnn.zero_grad()
        e_w.grad = e_b.grad = None
        out, _ = e_rnn(xe)
        loss = _ce_ember(out[:, -1, :] @ e_w.t() + e_b, ye)
        loss.backward()
        return loss

    lt, le = step_torch().item(), step_ember().item()
    assert abs(lt - le) < 1e-4, (lt, le)
    return _time_pair(step_torch, step_ember, repeat, clock)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=20)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--mode", nargs="*", default=["RNN", "LSTM", "GRU"])
    ap.add_argument("--cpu-time", action="store_true",
                    help="time with process CPU time (steadier on a shared, loaded machine)")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    try:
        from threadpoolctl import threadpool_limits

        threadpool_limits(a.threads)
    except ImportError:
        pass
    clock = time.process_time if a.cpu_time else time.perf_counter
    print(f"threads={a.threads}  (training step: forward + backward, batch 64, 28 steps; "
          f"{'CPU' if a.cpu_time else 'wall'} time, median of {a.repeat})")
    for mode in a.mode:
        tt, te = bench(mode, a.repeat, clock)
        print(f"{mode:5s} torch {tt * 1e3:7.2f} ms   ember {te * 1e3:7.2f} ms   "
              f"ratio {te / tt:5.2f}x")


if __name__ == "__main__":
    main()
