"""Plots of a run (matplotlib, Agg backend): curves, confusion matrix, GAN losses."""
import os


def _plt():
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    return plt


def plot_classifier(run_dir, cm, classes):
    plt = _plt()
    if plt is None:
        return
    rows = run_dir.metrics()
    ep = [r["epoch"] for r in rows]
    for key, fname in (("loss", "loss.png"), ("acc", "accuracy.png")):
        fig, ax = plt.subplots(figsize=(5, 3.5))
        ax.plot(ep, [r[f"train_{key}"] for r in rows], "o-", label="train")
        ax.plot(ep, [r[f"test_{key}"] for r in rows], "s-", label="test")
        ax.set_xlabel("epoch")
        ax.set_ylabel(key)
        ax.legend()
        ax.grid(alpha=0.3)
        fig.tight_layout()
        fig.savefig(os.path.join(run_dir.path, fname), dpi=100)
        plt.close(fig)
    fig, ax = plt.subplots(figsize=(6, 5))
    im = ax.imshow(cm, cmap="Blues")
    ax.set_xticks(range(len(classes)))
    ax.set_yticks(range(len(classes)))
    ax.set_xticklabels(classes, rotation=60, fontsize=7)
    ax.set_yticklabels(classes, fontsize=7)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    for i in range(cm.shape[0]):
        for j in range(cm.shape[1]):
            ax.text(j, i, int(cm[i, j]), ha="center", va="center", fontsize=6,
                    color="white" if cm[i, j] > cm.max() / 2 else "black")
    fig.colorbar(im)
    fig.tight_layout()
    fig.savefig(os.path.join(run_dir.path, "confusion.png"), dpi=100)
    plt.close(fig)


def plot_gan(run_dir):
    plt = _plt()
    if plt is None:
        return
    rows = run_dir.metrics()
    fig, ax = plt.subplots(figsize=(5, 3.5))
    ax.plot([r["epoch"] for r in rows], [r["loss_D"] for r in rows], "o-", label="D")
    ax.plot([r["epoch"] for r in rows], [r["loss_G"] for r in rows], "s-", label="G")
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss")
    ax.legend()
    fig.tight_layout()
    fig.savefig(os.path.join(run_dir.path, "gan_losses.png"), dpi=100)
    plt.close(fig)
