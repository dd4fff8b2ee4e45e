"""``ember train MODEL``: train a classifier or a GAN, with a progress bar, per-epoch metrics,
atomic checkpoints, plots, and exact resume.

Reproducibility: every epoch reseeds ember's generator from ``(seed, epoch)``, so the shuffle
order and every random draw of an epoch depend only on the seed and the epoch number. A run
resumed from the checkpoint of epoch k therefore ends with exactly the weights of an
uninterrupted run.
"""
import json
import os
import time

import numpy as np

import ember

from . import CLIError, data, models
from .runio import RunDir

DEFAULTS = {  # optimizer, lr, epochs per model family
    "cnn": ("adam", 1e-3, 3), "lenet": ("sgd", 0.01, 3), "resnet": ("adam", 1e-3, 3),
    "rnn": ("adam", 1e-3, 5), "lstm": ("adam", 1e-3, 3), "gru": ("adam", 1e-3, 3),
    "gan": ("adam", 2e-4, 10), "dcgan": ("adam", 2e-4, 5),
}


# options that define a run: a resumed run keeps those of its config.json, and giving one with
# another value is an error (silently ignoring it would train something else than asked)
FIXED_ON_RESUME = ("model", "dataset", "batch_size", "optimizer", "betas", "seed", "real_label",
                   "ema", "gan_loss", "spectral_norm", "g_head", "ngf", "ndf", "scheduler",
                   "limit")


def add_parser(sub):
    p = sub.add_parser("train", help="train a model on a dataset")
    p.add_argument("model", nargs="?", choices=models.ALL, help="network to train")
    p.add_argument("--dataset", default="digits", choices=["digits", "mnist", "fashion-mnist"])
    p.add_argument("--data-dir", default=None, help="folder with the IDX .gz files")
    p.add_argument("--epochs", type=int, default=None)
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--lr", type=float, default=None,
                   help="learning rate (GANs: may be set on --resume, e.g. for a second "
                        "schedule after the first)")
    p.add_argument("--optimizer", choices=["sgd", "adam", "adamw", "rmsprop"], default=None)
    p.add_argument("--betas", type=float, nargs=2, default=None, metavar=("B1", "B2"),
                   help="Adam's betas (default 0.9 0.999; 0.5 0.999 for GANs, DCGAN's; "
                        "SN-GAN uses 0.0 0.9)")
    p.add_argument("--scheduler", choices=["none", "cosine", "step"], default=None,
                   help="learning-rate schedule over the run (default: cosine for "
                        "classifiers, none for GANs)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--real-label", type=float, default=1.0,
                   help="(GANs) target for real images: < 1 is one-sided label smoothing")
    p.add_argument("--gan-loss", choices=["bce", "hinge"], default="bce",
                   help="(GANs) non-saturating BCE (DCGAN's) or the hinge loss (SN-GAN's)")
    p.add_argument("--spectral-norm", action="store_true",
                   help="(dcgan) spectral-normalised discriminator without batch norm")
    p.add_argument("--g-head", type=int, default=None, metavar="C",
                   help="(dcgan) channels of the generator's first 7x7 map (default 128)")
    p.add_argument("--ngf", type=int, default=None, metavar="C",
                   help="(dcgan) channels of the generator's 14x14 map (default 64)")
    p.add_argument("--ndf", type=int, default=None, metavar="C",
                   help="(dcgan) channels of the discriminator's first convolution (default "
                        "64; the second has twice as many)")
    p.add_argument("--lr-decay-from", type=int, default=None, metavar="EPOCH",
                   help="(GANs) keep the learning rate until this epoch, then decay it "
                        "linearly to zero at the last epoch (may be set on --resume)")
    p.add_argument("--ema", type=float, default=0.0, metavar="DECAY",
                   help="(GANs) also keep an exponential moving average of the generator's "
                        "weights with this decay (e.g. 0.999); samples and scores use it")
    p.add_argument("--workers", type=int, default=0, help="DataLoader worker processes")
    p.add_argument("--device", default="cpu")
    p.add_argument("--out", default=None, help="run directory (default runs/MODEL-DATASET)")
    p.add_argument("--resume", default=None, metavar="RUN_DIR", help="continue a run")
    p.add_argument("--limit", type=int, default=None, help="use only the first N train items")
    p.add_argument("--no-plots", action="store_true")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument("--debug", action="store_true", help="show tracebacks")
    p.set_defaults(func=run, fixed_defaults={d: p.get_default(d) for d in FIXED_ON_RESUME})


def _check_fixed(args, cfg):
    for dest in FIXED_ON_RESUME:
        given, kept = getattr(args, dest), cfg.get(dest)
        if given == args.fixed_defaults[dest] or given == kept:  # betas: lists both
            continue
        flag = dest if dest == "model" else "--" + dest.replace("_", "-")
        raise CLIError(f"{flag} {given} differs from the resumed run's {kept!r}: a resumed run "
                       "keeps its configuration (only --epochs, --lr-decay-from and, for "
                       "GANs, --lr may change)")


def _config(args):
    if args.resume:
        run_dir = RunDir(args.resume)
        cfg = run_dir.read_config()
        _check_fixed(args, cfg)
        if args.epochs is not None:
            cfg["epochs"] = args.epochs
        if args.lr_decay_from is not None:
            cfg["lr_decay_from"] = args.lr_decay_from
        if args.lr is not None:
            if cfg["model"] not in models.GANS:
                # a classifier's scheduler state was built from the old lr: refuse, not mix
                raise CLIError(f"--lr cannot change on --resume of a '{cfg['model']}' run "
                               "(only GAN runs set their learning rate per step)")
            cfg["lr"] = args.lr
        return run_dir, cfg
    if args.model is None:
        raise CLIError("give a model to train (or --resume RUN_DIR)")
    opt, lr, epochs = DEFAULTS[args.model]
    if args.dataset == "digits":
        epochs *= 4  # 1,437 training images: more, much shorter epochs
    cfg = dict(model=args.model, dataset=args.dataset, data_dir=args.data_dir,
               epochs=args.epochs or epochs, batch_size=args.batch_size, lr=args.lr or lr,
               optimizer=args.optimizer or opt, seed=args.seed, workers=args.workers,
               real_label=args.real_label, ema=args.ema, gan_loss=args.gan_loss,
               spectral_norm=args.spectral_norm, g_head=args.g_head,
               ngf=args.ngf, ndf=args.ndf,
               lr_decay_from=args.lr_decay_from, betas=args.betas,
               scheduler=args.scheduler or ("none" if args.model in models.GANS else "cosine"),
               device=args.device, limit=args.limit)
    out = args.out or os.path.join("runs", f"{args.model}-{args.dataset}")
    run_dir = RunDir(out, create=True)
    return run_dir, cfg


def make_optimizer(name, params, lr, gan=False, betas=None):
    """The run's optimizer; ``betas`` (Adam/AdamW) defaults to DCGAN's (0.5, 0.999) for GANs."""
    if betas is None:
        betas = (0.5, 0.999) if gan else (0.9, 0.999)
    elif name not in ("adam", "adamw"):
        raise CLIError(f"--betas applies to adam and adamw, not '{name}'")
    betas = tuple(float(b) for b in betas)
    if name == "sgd":
        return ember.optim.SGD(params, lr=lr, momentum=0.9)
    if name == "adam":
        return ember.optim.Adam(params, lr=lr, betas=betas)
    if name == "adamw":
        return ember.optim.AdamW(params, lr=lr, betas=betas)
    if name == "rmsprop":
        return ember.optim.RMSprop(params, lr=lr)
    raise CLIError(f"unknown optimizer '{name}'")


def run(args):
    run_dir, cfg = _config(args)
    if cfg["device"] != "cpu":
        ember.zeros(1, device=cfg["device"])  # fails with a clear message if unavailable
    x_tr, y_tr = data.load_arrays(cfg["dataset"], cfg.get("data_dir"), train=True)
    x_te, y_te = data.load_arrays(cfg["dataset"], cfg.get("data_dir"), train=False)
    if cfg.get("limit"):
        x_tr, y_tr = x_tr[:cfg["limit"]], y_tr[:cfg["limit"]]
    cfg["input_size"] = int(x_tr.shape[-1])
    cfg["classes"] = data.CLASSES[cfg["dataset"]]
    if cfg["model"] in models.GANS:
        from .gan import train_gan

        return train_gan(run_dir, cfg, x_tr, args)
    return train_classifier(run_dir, cfg, (x_tr, y_tr), (x_te, y_te), args)


def make_scheduler(name, opt, epochs, steps_per_epoch):
    """A per-step LR schedule over the whole run (``none``, ``cosine`` or ``step``)."""
    total = max(epochs * steps_per_epoch, 1)
    if name in (None, "none"):
        return None
    if name == "cosine":
        return ember.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=total)
    if name == "step":
        return ember.optim.lr_scheduler.StepLR(opt, step_size=max(total // 3, 1), gamma=0.1)
    raise CLIError(f"unknown scheduler '{name}'")


def _batches(n, batch_size, epoch_seed):
    ember.manual_seed(epoch_seed)
    perm = ember.randperm(n).numpy()  # index arrays on the host; tensors index on any device
    return [perm[i:i + batch_size] for i in range(0, n, batch_size)]


def epoch_batches(tensors, batch_size, epoch_seed, workers=0):
    """Yield shuffled mini-batches (tuples of tensors) for one epoch.

    The order depends only on ``epoch_seed``. With ``workers > 0`` batches come from a
    DataLoader with that many worker processes (same order: the sampler's generator is seeded
    the same way); the data here is already decoded, so workers mainly show the loader at work.
    """
    n = len(tensors[0])
    if workers <= 0:
        for idx in _batches(n, batch_size, epoch_seed):
            i = ember.from_numpy(idx).to(tensors[0].device)
            yield tuple(t[i] for t in tensors)
        return
    from ..utils.data import DataLoader, TensorDataset

    ember.manual_seed(epoch_seed)
    g = ember.Generator().manual_seed(epoch_seed)
    yield from DataLoader(TensorDataset(*tensors), batch_size=batch_size, shuffle=True,
                          num_workers=workers, generator=g)


def _progress(total, desc, quiet):
    try:
        from tqdm import tqdm
    except ImportError:
        tqdm = None
    if quiet or tqdm is None:
        return None
    return tqdm(total=total, desc=desc, unit="img", dynamic_ncols=True, leave=False)


def train_classifier(run_dir, cfg, train, test, args):
    dev = cfg.get("device", "cpu")
    x_tr = ember.from_numpy(data.normalise(train[0], cfg["dataset"])).to(dev)
    y_tr = ember.from_numpy(train[1]).to(dev)
    x_te = ember.from_numpy(data.normalise(test[0], cfg["dataset"])).to(dev)
    y_te = ember.from_numpy(test[1]).to(dev)
    ember.manual_seed(cfg["seed"])
    model = models.build(cfg["model"], cfg["input_size"], len(cfg["classes"])).to(dev)
    cfg["model_config"] = getattr(model, "config", {})
    opt = make_optimizer(cfg["optimizer"], model.parameters(), cfg["lr"], betas=cfg.get("betas"))
    steps_per_epoch = -(-len(y_tr) // cfg["batch_size"])
    sched = make_scheduler(cfg.get("scheduler", "none"), opt, cfg["epochs"], steps_per_epoch)
    start = 0
    if args.resume:
        state = run_dir.load_checkpoint()
        _load(model, state["model"], run_dir)
        opt.load_state_dict(state["optimizer"])
        start = int(state["epoch"])
        if sched is not None and "scheduler" in state:
            sched.load_state_dict(state["scheduler"])
        run_dir.truncate_metrics(start)
    run_dir.write_config(cfg)
    loss_fn = ember.nn.CrossEntropyLoss()
    n, bs = len(y_tr), cfg["batch_size"]
    for epoch in range(start, cfg["epochs"]):
        model.train()
        t0 = time.perf_counter()
        bar = _progress(n, f"epoch {epoch + 1}/{cfg['epochs']}", args.quiet)
        tot_loss, correct, seen = 0.0, 0, 0
        batches = epoch_batches((x_tr, y_tr), bs, cfg["seed"] * 100003 + epoch,
                                cfg.get("workers", 0))
        for step, (xb, yb) in enumerate(batches):
            _maybe_crash(epoch, step)
            out = model(xb)
            loss = loss_fn(out, yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
            if sched is not None:
                sched.step()
            k = len(yb)
            tot_loss += loss.item() * k
            correct += int((out.argmax(1) == yb).sum().item())
            seen += k
            if bar is not None:
                bar.update(k)
                bar.set_postfix(loss=f"{tot_loss / seen:.4f}", acc=f"{correct / seen:.4f}")
        if bar is not None:
            bar.close()
        train_time = time.perf_counter() - t0
        test_loss, test_acc, cm = evaluate(model, x_te, y_te, len(cfg["classes"]), bs)
        rec = dict(epoch=epoch + 1, train_loss=tot_loss / seen, train_acc=correct / seen,
                   test_loss=test_loss, test_acc=test_acc, epoch_time=train_time,
                   items_per_s=seen / train_time)
        print(f"epoch {epoch + 1}/{cfg['epochs']}  train loss {rec['train_loss']:.4f}  "
              f"acc {rec['train_acc']:.4f}  |  test loss {test_loss:.4f}  acc {test_acc:.4f}"
              f"  |  {train_time:.1f}s ({rec['items_per_s']:.0f} img/s)", flush=True)
        state = {"model": model.state_dict(), "optimizer": opt.state_dict(), "epoch": epoch + 1}
        if sched is not None:
            state["scheduler"] = sched.state_dict()
        run_dir.save_checkpoint(state)
        run_dir.append_metrics(rec)
        np.save(os.path.join(run_dir.path, "confusion.npy"), cm)
        if not args.no_plots:
            from .plots import plot_classifier

            plot_classifier(run_dir, cm, cfg["classes"])
    return 0


def _maybe_crash(epoch, step):
    """Fault injection for the resume test: EMBER_CRASH_AT="epoch:step" (1-based epoch) kills
    this process with SIGKILL at that point, as an interrupted run would die."""
    at = os.environ.get("EMBER_CRASH_AT")
    if at and at == f"{epoch + 1}:{step}":
        import signal

        os.kill(os.getpid(), signal.SIGKILL)


def evaluate(model, x, y, num_classes, batch_size=256):
    """Test loss, accuracy and confusion matrix (rows: true class, columns: predicted)."""
    model.eval()
    loss_fn = ember.nn.CrossEntropyLoss(reduction="sum")
    total, preds = 0.0, []
    with ember.no_grad():
        for i in range(0, len(y), batch_size):
            out = model(x[i:i + batch_size])
            total += loss_fn(out, y[i:i + batch_size]).item()
            preds.append(out.argmax(1).cpu().numpy())
    pred = np.concatenate(preds) if preds else np.zeros(0, np.int64)
    truth = y.cpu().numpy()
    cm = np.zeros((num_classes, num_classes), np.int64)
    np.add.at(cm, (truth, pred), 1)
    return total / max(len(truth), 1), float((pred == truth).mean()) if len(truth) else 0.0, cm


def _load(model, state, run_dir):
    try:
        model.load_state_dict(state)
    except RuntimeError as e:
        raise CLIError(f"checkpoint in {run_dir.path} does not fit the model: "
                       f"{str(e).splitlines()[-1].strip()}") from None


_ = json
