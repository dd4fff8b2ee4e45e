"""A run directory: config.json, metrics.jsonl, checkpoint.pt (atomic writes) and plots."""
import json
import os

from . import CLIError


class RunDir:
    """A run directory: its config, metrics log and checkpoints."""

    def __init__(self, path, create=False):
        self.path = str(path)
        if create:
            os.makedirs(self.path, exist_ok=True)
        elif not os.path.isdir(self.path):
            raise CLIError(f"run directory {self.path} does not exist")

    def file(self, name):
        return os.path.join(self.path, name)

    def read_config(self):
        try:
            with open(self.file("config.json")) as f:
                return json.load(f)
        except FileNotFoundError:
            raise CLIError(f"{self.path} is not a run directory (no config.json)") from None
        except json.JSONDecodeError as e:
            raise CLIError(f"corrupt config.json in {self.path}: {e}") from None

    def write_config(self, cfg):
        _atomic_text(self.file("config.json"), json.dumps(cfg, indent=2, default=_jsonable))

    def save_checkpoint(self, state):
        import ember

        ember.save(state, self.file("checkpoint.pt"))

    def load_checkpoint(self):
        import ember

        path = self.file("checkpoint.pt")
        if not os.path.exists(path):
            raise CLIError(f"no checkpoint in {self.path}")
        try:
            return ember.load(path, weights_only=True)
        except Exception as e:  # a corrupt or foreign file
            raise CLIError(f"cannot read checkpoint {path}: {e}") from None

    def metrics(self):
        path = self.file("metrics.jsonl")
        if not os.path.exists(path):
            return []
        with open(path) as f:
            return [json.loads(line) for line in f if line.strip()]

    def append_metrics(self, rec):
        rows = self.metrics() + [rec]
        _atomic_text(self.file("metrics.jsonl"),
                     "".join(json.dumps(r, default=_jsonable) + "\n" for r in rows))

    def truncate_metrics(self, upto_epoch):
        rows = [r for r in self.metrics() if r.get("epoch", 0) <= upto_epoch]
        _atomic_text(self.file("metrics.jsonl"),
                     "".join(json.dumps(r, default=_jsonable) + "\n" for r in rows))


def _jsonable(o):
    if isinstance(o, tuple):
        return list(o)
    if hasattr(o, "item"):
        return o.item()
    return str(o)


def _atomic_text(path, text):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
