"""Recipe pilots for `ember train dcgan`, as a plain PyTorch script (fast to sweep on a GPU).

The same networks and loop as `ember train dcgan --spectral-norm --gan-loss hinge --ema D`:
DCGAN generator, spectral-normalised discriminator without batch norm, hinge loss, Adam, an
averaged generator (EMA, batch-norm statistics re-measured before scoring) and the learning rate
decayed linearly to zero over the last ``decay_frac`` of the epochs. Every second epoch it prints
the classifier-based Inception Score of 10,000 samples, scored by an ember MNIST CNN run (PyTorch
reads ember's checkpoint as it is).

    python examples/dcgan_pilots.py NAME '{"ngf": 128, "ndf": 128, "b1": 0.0, "b2": 0.9}' \\
        --data-dir ../shared/data/mnist --classifier runs/cnn [--device cuda]

The recipe in the README's Results table was chosen this way (22 pilots on one H100, run side
by side); scores after 24 epochs (16 for the first group, Adam betas 0.5/0.999):
  betas 0.5/0.999, 16 epochs: base 7.63, head 256 7.65, ngf 128 7.69, ndf 128 7.56,
  head 256 + ndf 128 7.59, all three 7.66, two D steps 7.50, lr 1e-4 7.39, TTUR 7.35,
  BCE loss 7.59, EMA 0.9999 7.17;  betas 0.0/0.9: 7.79.
  betas 0.0/0.9, 24 epochs: base 7.85 (seed 1: 7.84), ngf 128 (head 128) 7.87, batch 128 7.76,
  EMA 0.9995 7.85, decay over 60% 7.80, betas 0.0/0.999 7.80, lr_d 4e-4 7.84, lr 3e-4 7.94,
  head 256 + ngf 128 + ndf 128 (ngf 128 ndf 128): 8.05.
"""
import argparse
import copy
import gzip
import json
import os
import time

import numpy as np
import torch
import torch.nn as nn

DEFAULTS = dict(head=None, ngf=64, ndf=64, ndis=1, lr_g=2e-4, lr_d=2e-4, b1=0.5, b2=0.999, bs=64,
                epochs=20, decay_frac=0.4, loss="hinge", ema=0.999, seed=0, limit=None)


def classifier(run_dir, dev):
    """The seed CNN (ember.models.CNN's layout) with the weights of an ember run."""
    clf = nn.Sequential(nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(32, 64, 3),
                        nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(1600, 128), nn.ReLU(),
                        nn.Linear(128, 10))
    state = torch.load(os.path.join(run_dir, "checkpoint.pt"), weights_only=True)["model"]
    names = {"features.0": 0, "features.3": 3, "classifier.1": 7, "classifier.3": 9}
    clf.load_state_dict({f"{names[k.rsplit('.', 1)[0]]}.{k.rsplit('.', 1)[1]}": v
                         for k, v in state.items()})
    return clf.to(dev).eval()


def networks(cfg):
    h, ngf, ndf = cfg["head"] or 2 * cfg["ngf"], cfg["ngf"], cfg["ndf"]
    G = nn.Sequential(
        nn.ConvTranspose2d(100, h, 7, 1, 0, bias=False), nn.BatchNorm2d(h), nn.ReLU(True),
        nn.ConvTranspose2d(h, ngf, 4, 2, 1, bias=False), nn.BatchNorm2d(ngf), nn.ReLU(True),
        nn.ConvTranspose2d(ngf, 1, 4, 2, 1, bias=False), nn.Tanh())
    sn = nn.utils.spectral_norm
    D = nn.Sequential(sn(nn.Conv2d(1, ndf, 4, 2, 1)), nn.LeakyReLU(0.1, True),
                      sn(nn.Conv2d(ndf, ndf * 2, 4, 2, 1)), nn.LeakyReLU(0.1, True),
                      nn.Flatten(), sn(nn.Linear(ndf * 2 * 7 * 7, 1)))
    for m in G.modules():  # DCGAN's init for G; the SN discriminator keeps the default
        if isinstance(m, nn.ConvTranspose2d):
            nn.init.normal_(m.weight, 0.0, 0.02)
        elif isinstance(m, nn.BatchNorm2d):
            nn.init.normal_(m.weight, 1.0, 0.02)
            nn.init.zeros_(m.bias)
    return G, D


@torch.no_grad()
def score(G_ema, clf, dev, n=10000):
    """Classifier-based Inception Score of the averaged generator (fresh batch-norm stats)."""
    g = copy.deepcopy(G_ema)
    for m in g.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.reset_running_stats()
            m.momentum = None
    g.train()
    gen = torch.Generator(dev).manual_seed(11)
    for _ in range(20):
        g(torch.randn(256, 100, 1, 1, device=dev, generator=gen))
    g.eval()
    gen = torch.Generator(dev).manual_seed(12345)
    p = torch.cat([torch.softmax(clf(((g(torch.randn(1000, 100, 1, 1, device=dev, generator=gen))
                                      * 0.5 + 0.5) - 0.1307) / 0.3081), 1).double()
                   for _ in range(n // 1000)])
    py = p.mean(0, keepdim=True)
    return torch.exp((p * (torch.log(p + 1e-12) - torch.log(py + 1e-12))).sum(1).mean()).item()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("name")
    ap.add_argument("config", nargs="?", default="{}", help="JSON overrides of DEFAULTS")
    ap.add_argument("--data-dir", default="../shared/data/mnist")
    ap.add_argument("--classifier", required=True, help="an ember CNN run on MNIST")
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    args = ap.parse_args()
    cfg = dict(DEFAULTS, **json.loads(args.config))
    dev = args.device
    torch.manual_seed(cfg["seed"])
    with gzip.open(os.path.join(args.data_dir, "train-images-idx3-ubyte.gz")) as f:
        imgs = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 1, 28, 28)
    x = torch.from_numpy(imgs[:cfg["limit"]].astype(np.float32) / 127.5 - 1).to(dev)
    clf = classifier(args.classifier, dev)
    G, D = networks(cfg)
    G, D = G.to(dev), D.to(dev)
    G_ema = copy.deepcopy(G)
    betas = (cfg["b1"], cfg["b2"])
    og = torch.optim.Adam(G.parameters(), cfg["lr_g"], betas=betas)
    od = torch.optim.Adam(D.parameters(), cfg["lr_d"], betas=betas)
    bce = nn.functional.binary_cross_entropy_with_logits
    hinge = cfg["loss"] == "hinge"
    bs, epochs = cfg["bs"], cfg["epochs"]
    steps = len(x) // bs
    decay_from = epochs * (1 - cfg["decay_frac"])
    t0 = time.time()
    for ep in range(epochs):
        perm = torch.randperm(len(x), device=dev)
        for i in range(steps):
            t = ep + i / steps
            f = 1.0 if t < decay_from else max(0.0, (epochs - t) / (epochs - decay_from))
            for opt, lr in ((og, cfg["lr_g"]), (od, cfg["lr_d"])):
                for group in opt.param_groups:
                    group["lr"] = lr * f
            real = x[perm[i * bs:(i + 1) * bs]]
            for _ in range(cfg["ndis"]):
                fake = G(torch.randn(bs, 100, 1, 1, device=dev))
                dr, df = D(real).view(-1), D(fake.detach()).view(-1)
                ld = (torch.relu(1 - dr).mean() + torch.relu(1 + df).mean()) if hinge else \
                    bce(dr, torch.ones_like(dr)) + bce(df, torch.zeros_like(df))
                od.zero_grad()
                ld.backward()
                od.step()
                if cfg["ndis"] > 1:
                    real = x[torch.randint(len(x), (bs,), device=dev)]
            dg = D(fake).view(-1)
            lg = -dg.mean() if hinge else bce(dg, torch.ones_like(dg))
            og.zero_grad()
            lg.backward()
            og.step()
            with torch.no_grad():
                for pe, pg in zip(G_ema.parameters(), G.parameters()):
                    pe.lerp_(pg, 1 - cfg["ema"])
        if (ep + 1) % 2 == 0 or ep + 1 == epochs:
            print(f"{args.name} epoch {ep + 1} IS {score(G_ema, clf, dev):.3f} "
                  f"{time.time() - t0:.0f}s {json.dumps(cfg)}", flush=True)


if __name__ == "__main__":
    main()
