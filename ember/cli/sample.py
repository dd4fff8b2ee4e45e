"""``ember sample RUN_DIR -n 64 -o grid.png``: images from a trained GAN."""
import ember

from . import CLIError
from .loadrun import load_run


def add_parser(sub):
    p = sub.add_parser("sample", help="draw samples from a trained GAN run")
    p.add_argument("run_dir")
    p.add_argument("-n", type=int, default=64)
    p.add_argument("-o", "--output", default="samples.png")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--debug", action="store_true")
    p.set_defaults(func=run)


def run(args):
    cfg, model = load_run(args.run_dir)
    if not isinstance(model, tuple):
        raise CLIError("sample needs a GAN run (gan or dcgan)")
    G = model[0]
    from ..vision.utils import save_image

    with ember.no_grad():
        z = ember.randn(args.n, G.nz, generator=ember.Generator().manual_seed(args.seed))
        imgs = G(z) * 0.5 + 0.5
    save_image(imgs, args.output, nrow=8)
    print(f"wrote {args.n} samples to {args.output}")
    return 0
