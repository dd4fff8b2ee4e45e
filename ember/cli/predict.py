"""``ember predict RUN_DIR image.png ...``: top-k classes with probabilities."""
import numpy as np

import ember

from . import CLIError, data
from .loadrun import load_run


def add_parser(sub):
    p = sub.add_parser("predict", help="classify image files with a trained run")
    p.add_argument("run_dir")
    p.add_argument("images", nargs="+")
    p.add_argument("-k", "--top-k", type=int, default=3)
    p.add_argument("--debug", action="store_true")
    p.set_defaults(func=run)


def load_image(path, size):
    """A grayscale image file -> uint8 (size, size) array (MNIST-style: white digit on black
    is expected; images with a light background are inverted)."""
    try:
        from PIL import Image
    except ImportError:
        raise CLIError("predict needs Pillow: pip install pillow") from None
    try:
        img = Image.open(path).convert("L")
    except (OSError, ValueError) as e:
        raise CLIError(f"cannot read image {path}: {e}") from None
    if img.size != (size, size):
        img = img.resize((size, size), Image.BILINEAR)
    arr = np.asarray(img, dtype=np.uint8)
    if arr.mean() > 127:
        arr = 255 - arr
    return arr


def run(args):
    cfg, model = load_run(args.run_dir)
    if isinstance(model, tuple):
        raise CLIError("predict needs a classifier run (use 'ember sample' for GANs)")
    arrs = np.stack([load_image(p, cfg["input_size"]) for p in args.images])
    x = ember.from_numpy(data.normalise(arrs, cfg["dataset"]))
    with ember.no_grad():
        probs = ember.softmax(model(x), dim=1).numpy()
    k = min(args.top_k, probs.shape[1])
    for path, p in zip(args.images, probs):
        top = np.argsort(-p)[:k]
        print(path + ": " + ", ".join(f"{cfg['classes'][i]} ({p[i]:.3f})" for i in top))
    return 0
