"""``ember eval RUN_DIR``: test accuracy, per-class accuracy and confusion matrix; for a GAN
run, a classifier-based Inception Score with ``--classifier RUN_DIR``."""
import numpy as np

import ember

from . import CLIError, data
from .loadrun import load_run


def add_parser(sub):
    p = sub.add_parser("eval", help="evaluate a trained run on its test set")
    p.add_argument("run_dir")
    p.add_argument("--data-dir", default=None)
    p.add_argument("--classifier", default=None, help="(GAN runs) classifier run for the score")
    p.add_argument("-n", "--num-samples", type=int, default=10000)
    p.add_argument("--debug", action="store_true")
    p.set_defaults(func=run)


def run(args):
    cfg, model = load_run(args.run_dir)
    if isinstance(model, tuple):
        if args.classifier is None:
            raise CLIError("a GAN run needs --classifier RUN_DIR (a trained cnn) to be scored")
        score = inception_score(model[0], args.classifier, args.num_samples, cfg["seed"])
        print(f"classifier-based Inception Score over {args.num_samples} samples: {score:.3f}")
        return 0
    from .train import evaluate

    x, y = data.tensors(cfg["dataset"], args.data_dir or cfg.get("data_dir"), train=False)
    loss, acc, cm = evaluate(model, x, y, len(cfg["classes"]))
    print(f"test loss {loss:.4f}  accuracy {acc:.4f}  ({len(y)} images)")
    per_class = cm.diagonal() / np.maximum(cm.sum(1), 1)
    for name, a in zip(cfg["classes"], per_class):
        print(f"  {name:>12s}: {a:.4f}")
    print("confusion matrix (rows: true, columns: predicted):")
    for row in cm:
        print("  " + " ".join(f"{v:5d}" for v in row))
    return 0


def inception_score(generator, classifier_run, n=10000, seed=0, batch=500):
    """exp(E_x KL(p(y|x) || p(y))) with the trained classifier as the judge (10 is the max)."""
    ccfg, clf = load_run(classifier_run)
    if isinstance(clf, tuple):
        raise CLIError(f"{classifier_run} is not a classifier run")
    mean, std = data.STATS[ccfg["dataset"]]
    g = ember.Generator().manual_seed(seed + 12345)
    probs = []
    with ember.no_grad():
        for i in range(0, n, batch):
            k = min(batch, n - i)
            imgs = generator(ember.randn(k, generator.nz, generator=g)) * 0.5 + 0.5
            logits = clf((imgs - mean) / std)
            probs.append(ember.softmax(logits, dim=1).numpy().astype(np.float64))
    p = np.concatenate(probs)
    py = p.mean(0, keepdims=True)
    kl = (p * (np.log(p + 1e-12) - np.log(py + 1e-12))).sum(1)
    return float(np.exp(kl.mean()))
