"""GAN training for ``ember train gan|dcgan``: the standard non-saturating objective with
BCE-with-logits (or the hinge loss), Adam(0.5, 0.999), a fixed noise batch rendered every
epoch, optionally an averaged generator (``--ema``)."""
import os
import time

import numpy as np

import ember

from . import models
from .train import _load, _maybe_crash, _progress, epoch_batches, make_optimizer


def train_gan(run_dir, cfg, images, args):
    dev = cfg.get("device", "cpu")
    x = ember.from_numpy((images.astype(np.float32)[:, None] / np.float32(127.5)) - 1).to(dev)
    ember.manual_seed(cfg["seed"])
    sn = bool(cfg.get("spectral_norm"))
    G, D = models.build(cfg["model"], cfg["input_size"], **_dcgan_options(cfg))
    G, D = G.to(dev), D.to(dev)
    if cfg["model"] == "dcgan":
        G.apply(ember.models.weights_init)
        if not sn:  # a spectral-normalised D keeps the default init (SN-GAN's)
            D.apply(ember.models.weights_init)
    cfg["model_config"] = {"G": G.config, "D": D.config}
    betas = cfg.get("betas")
    opt_g = make_optimizer(cfg["optimizer"], G.parameters(), cfg["lr"], gan=True, betas=betas)
    opt_d = make_optimizer(cfg["optimizer"], D.parameters(), cfg["lr"], gan=True, betas=betas)
    fixed = ember.randn(64, G.nz, generator=ember.Generator().manual_seed(cfg["seed"] + 7)) \
        .to(dev)
    ema = _ema_generator(G, cfg.get("ema", 0.0))
    start = 0
    if args.resume:
        st = run_dir.load_checkpoint()
        _load(G, st["G"], run_dir)
        _load(D, st["D"], run_dir)
        opt_g.load_state_dict(st["opt_G"])
        opt_d.load_state_dict(st["opt_D"])
        if ema is not None:
            ema.load_state_dict(st["G_ema"])
        start = int(st["epoch"])
        run_dir.truncate_metrics(start)
    run_dir.write_config(cfg)
    d_loss, g_loss = _losses(cfg.get("gan_loss", "bce"), cfg.get("real_label", 1.0))
    n, bs = len(x), cfg["batch_size"]
    for epoch in range(start, cfg["epochs"]):
        G.train()
        D.train()
        t0 = time.perf_counter()
        bar = _progress(n, f"epoch {epoch + 1}/{cfg['epochs']}", args.quiet)
        sum_d = sum_g = 0.0
        steps = 0
        steps_per_epoch = -(-n // bs)
        for (real,) in epoch_batches((x,), bs, cfg["seed"] * 100003 + epoch,
                                     cfg.get("workers", 0)):
            lr = cfg["lr"] * _lr_factor(cfg, epoch + steps / steps_per_epoch)
            for group in opt_g.param_groups + opt_d.param_groups:
                group["lr"] = lr
            k = len(real)
            z = ember.randn(k, G.nz).to(dev)
            loss_d, loss_g = gan_step(G, D, opt_g, opt_d, real, z, d_loss, g_loss)
            if ema is not None:
                ema.update_parameters(G)
            sum_d += loss_d.item()
            sum_g += loss_g.item()
            steps += 1
            _maybe_crash(epoch, steps)
            if bar is not None:
                bar.update(k)
                bar.set_postfix(D=f"{sum_d / steps:.3f}", G=f"{sum_g / steps:.3f}")
        if bar is not None:
            bar.close()
        dt = time.perf_counter() - t0
        rec = dict(epoch=epoch + 1, loss_D=sum_d / steps, loss_G=sum_g / steps,
                   epoch_time=dt, items_per_s=n / dt, lr=opt_g.param_groups[0]["lr"])
        print(f"epoch {epoch + 1}/{cfg['epochs']}  loss D {rec['loss_D']:.4f}  "
              f"G {rec['loss_G']:.4f}  |  {dt:.1f}s", flush=True)
        shown = G if ema is None else _refresh_bn(ema.module, cfg["seed"])
        shown.eval()
        with ember.no_grad():
            samples = shown(fixed)
        if not args.no_plots:
            from ..vision.utils import save_image

            save_image(samples * 0.5 + 0.5,
                       os.path.join(run_dir.path, f"samples_epoch{epoch + 1:03d}.png"), nrow=8)
        state = {"G": G.state_dict(), "D": D.state_dict(), "opt_G": opt_g.state_dict(),
                 "opt_D": opt_d.state_dict(), "epoch": epoch + 1}
        if ema is not None:
            state["G_ema"] = ema.state_dict()
        run_dir.save_checkpoint(state)
        run_dir.append_metrics(rec)
        if not args.no_plots:
            from .plots import plot_gan

            plot_gan(run_dir)
    return 0


def gan_step(G, D, opt_g, opt_d, real, z, d_loss, g_loss):
    """One training step of both players; returns the two losses (tensors).

    D learns from the real batch and from G's images of the noise ``z`` (detached: no
    gradient into G); then G learns through D's verdict on the same images."""
    fake = G(z)
    loss_d = d_loss(D(real), D(fake.detach()))
    opt_d.zero_grad()
    loss_d.backward()
    opt_d.step()
    D.requires_grad_(False)  # G's step needs only D's input gradient, not its weights'
    loss_g = g_loss(D(fake))
    opt_g.zero_grad()
    loss_g.backward()
    opt_g.step()
    D.requires_grad_(True)
    return loss_d, loss_g


def _ema_generator(G, decay):
    """An exponential moving average of G's weights (``--ema DECAY``), or None.

    Averaged weights are a known remedy for the oscillation of GAN training: the generator
    at any one step is a noisy point on its trajectory, the average is a smoother one."""
    if not decay:
        return None
    from ..optim.swa_utils import AveragedModel, get_ema_multi_avg_fn

    return AveragedModel(G, multi_avg_fn=get_ema_multi_avg_fn(decay))


def _refresh_bn(G, seed, batches=20, batch=256):
    """Batch-norm statistics measured for the averaged weights (the running averages belong
    to the trained G's weights): one pass of fixed noise batches, own generator, so the
    global random stream, and with it an exact resume, is untouched."""
    from ..optim.swa_utils import update_bn

    g = ember.Generator().manual_seed(seed + 11)
    dev = next(G.parameters()).device
    update_bn([ember.randn(batch, G.nz, generator=g).to(dev) for _ in range(batches)], G)
    return G


def _dcgan_options(cfg):
    """The architecture options of a dcgan run (they are in config.json, so resume rebuilds
    the same networks)."""
    if cfg["model"] != "dcgan":
        return {}
    g = {"head": cfg["g_head"]} if cfg.get("g_head") else {}
    if cfg.get("ngf"):
        g["ngf"] = cfg["ngf"]
    d = {"spectral_norm": bool(cfg.get("spectral_norm"))}
    if cfg.get("ndf"):
        d["ndf"] = cfg["ndf"]
    return {"G": g, "D": d}


def _losses(kind, real_label=1.0):
    """(discriminator loss of real and fake logits, generator loss of fake logits)."""
    F = ember.nn.functional
    if kind == "hinge":  # SN-GAN: margins for D, the raw critic value for G
        return (lambda real, fake: F.relu(1 - real).mean() + F.relu(1 + fake).mean(),
                lambda fake: -fake.mean())

    def d_loss(real, fake):  # real_label < 1: one-sided label smoothing
        target = ember.full_like(real, real_label)
        return (F.binary_cross_entropy_with_logits(real, target)
                + F.binary_cross_entropy_with_logits(fake, ember.zeros_like(fake)))
    return d_loss, lambda fake: F.binary_cross_entropy_with_logits(fake, ember.ones_like(fake))


def _lr_factor(cfg, t):
    """The learning-rate multiplier at fractional epoch ``t`` (``--lr-decay-from E``): 1 up to
    epoch E, then a straight line to 0 at the last epoch, the tail decay of pix2pix/CycleGAN.
    A function of the position alone, so a resumed run continues the same schedule."""
    start, end = cfg.get("lr_decay_from"), cfg["epochs"]
    if start is None or t <= start or end <= start:
        return 1.0
    return max(0.0, (end - t) / (end - start))
