"""Which network each ``ember train`` model name builds, and rebuilding one from a run."""
from .. import models as zoo
from . import CLIError

CLASSIFIERS = ("cnn", "rnn", "lstm", "gru", "lenet", "resnet")
GANS = ("gan", "dcgan")
ALL = CLASSIFIERS + GANS


def build(name, input_size, num_classes=10, **overrides):
    """A fresh model for ``name``; GANs return (generator, discriminator)."""
    if name == "cnn":
        cfg = dict(input_size=input_size, num_classes=num_classes,
                   padding=1 if input_size < 16 else 0)
        cfg.update(overrides)
        return zoo.CNN(**cfg)
    if name in ("rnn", "lstm", "gru"):
        cfg = dict(input_dim=input_size, output_dim=num_classes, cell=name)
        cfg.update(overrides)
        return zoo.RNNClassifier(**cfg)
    if name == "lenet":
        return zoo.LeNet5(num_classes=num_classes, **overrides)
    if name == "resnet":
        return zoo.SmallResNet(num_classes=num_classes, **overrides)
    if name == "dcgan":
        if input_size != 28:
            raise CLIError("dcgan needs 28x28 images (mnist or fashion-mnist)")
        return (zoo.DCGANGenerator(**overrides.get("G", {})),
                zoo.DCGANDiscriminator(**overrides.get("D", {})))
    if name == "gan":
        return zoo.FCGenerator(img_size=input_size), zoo.FCDiscriminator(img_size=input_size)
    raise CLIError(f"unknown model '{name}' (choose from {', '.join(ALL)})")


def rebuild(config):
    """The model(s) described by a run's config.json (architecture only, fresh weights)."""
    name = config["model"]
    kw = dict(config.get("model_config") or {})
    if name == "cnn":
        kw["channels"] = tuple(kw.get("channels", (32, 64)))
        return zoo.CNN(**kw)
    if name in ("rnn", "lstm", "gru"):
        return zoo.RNNClassifier(**kw)
    if name == "lenet":
        return zoo.LeNet5(**kw)
    if name == "resnet":
        kw["blocks"] = tuple(kw.get("blocks", (1, 1, 1)))
        return zoo.SmallResNet(**kw)
    if name == "dcgan":
        return zoo.DCGANGenerator(**kw.get("G", {})), zoo.DCGANDiscriminator(**kw.get("D", {}))
    if name == "gan":
        return zoo.FCGenerator(**kw.get("G", {})), zoo.FCDiscriminator(**kw.get("D", {}))
    raise CLIError(f"unknown model '{name}' in run config")
