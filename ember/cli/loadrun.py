"""Rebuild a trained model from its run directory."""
from . import CLIError, models
from .runio import RunDir


def load_run(path):
    """(config, model or (G, D)) with the weights of the run's last checkpoint, in eval mode
    (for a GAN trained with ``--ema``, G has the averaged weights)."""
    run_dir = RunDir(path)
    cfg = run_dir.read_config()
    state = run_dir.load_checkpoint()
    built = models.rebuild(cfg)
    pairs = zip(built, ("G", "D")) if isinstance(built, tuple) else [(built, "model")]
    if "G_ema" in state:  # the averaged generator is the one to sample from (--ema)
        state = dict(state, G={k[len("module."):]: v for k, v in state["G_ema"].items()
                               if k.startswith("module.")})
    for m, key in pairs:
        if key not in state:
            raise CLIError(f"checkpoint in {path} has no '{key}' weights (a checkpoint from "
                           "another architecture?)")
        try:
            m.load_state_dict(state[key])
        except RuntimeError as e:
            raise CLIError(f"checkpoint in {path} does not fit a '{cfg['model']}' model: "
                           f"{str(e).splitlines()[-1].strip()}") from None
        m.eval()
    return cfg, built
