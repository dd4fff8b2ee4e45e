"""What a served model is: a name, input/output metadata, and a batched ``predict``.

Sources: an ember run directory (from ``ember train``), an ember checkpoint file next to its
``config.json``, or an ONNX file (run with onnxruntime when installed, else ember's ONNX
runtime).
"""
import os
import threading

import numpy as np


class ModelInputError(ValueError):
    """Bad input for a model: wrong shape, dtype or values. Carries what was expected."""


class ServedModel:
    """A model ready to serve.

    Attributes:
        name (str): the URL name.
        input_name, output_name (str): tensor names.
        input_shape (tuple): per-item shape (no batch dim), e.g. ``(1, 28, 28)``.
        classes (list or None): labels for classifier outputs.
        image (bool): the input is one grayscale image (PNG uploads accepted).
    """

    def __init__(self, name, predict_fn, input_shape, input_name="input", output_name="output",
                 classes=None, normalise=None, output_shape=None, source=""):
        self.name = name
        self._predict = predict_fn
        self.input_shape = tuple(int(s) for s in input_shape)
        self.input_name, self.output_name = input_name, output_name
        self.classes = classes
        self.normalise = normalise  # (mean, std) applied to [0, 1] image pixels, or None
        self.output_shape = output_shape
        self.source = source
        self.image = len(self.input_shape) == 3 and self.input_shape[0] == 1 or \
            len(self.input_shape) == 2
        self._lock = threading.Lock()

    def metadata(self):
        return {
            "name": self.name,
            "source": self.source,
            "inputs": [{"name": self.input_name, "shape": [-1, *self.input_shape],
                        "dtype": "float32"}],
            "outputs": [{"name": self.output_name,
                         "shape": [-1, *(self.output_shape or ())], "dtype": "float32"}],
            "classes": self.classes,
            "accepts_image": self.image,
        }

    def validate(self, arr):
        """Coerce request data to a float32 batch (N, *input_shape) or raise ModelInputError."""
        try:
            a = np.asarray(arr, dtype=np.float32)
        except (ValueError, TypeError) as e:
            raise ModelInputError(f"inputs must be a (nested) list of numbers ({e}); expected "
                                  f"shape [N, {', '.join(map(str, self.input_shape))}] or "
                                  f"[{', '.join(map(str, self.input_shape))}]") from None
        if a.shape == self.input_shape:
            a = a[None]
        if a.shape[1:] != self.input_shape or a.shape[0] == 0:
            raise ModelInputError(f"inputs have shape {list(a.shape)}; expected "
                                  f"[N, {', '.join(map(str, self.input_shape))}] with N >= 1 "
                                  f"(or one item of shape {list(self.input_shape)})")
        if not np.isfinite(a).all():
            raise ModelInputError("inputs contain NaN or infinity; expected finite numbers")
        return np.ascontiguousarray(a)

    def predict(self, batch):
        """float32 (N, *input_shape) -> float32 (N, ...) outputs."""
        with self._lock:
            return np.asarray(self._predict(batch), dtype=np.float32)

    def topk(self, outputs, k=3):
        if self.classes is None or outputs.ndim != 2:
            return None
        z = outputs - outputs.max(1, keepdims=True)
        p = np.exp(z)
        p /= p.sum(1, keepdims=True)
        res = []
        for row in p:
            idx = np.argsort(-row)[:k]
            res.append([{"label": self.classes[i], "index": int(i),
                         "probability": float(row[i])} for i in idx])
        return res, p


def _from_run(path, name):
    import ember

    from ..cli.loadrun import load_run

    cfg, model = load_run(path)
    if isinstance(model, tuple):
        G = model[0]

        def gen(z):
            with ember.no_grad():
                return G(ember.from_numpy(z)).numpy()
        return ServedModel(name, gen, (G.nz,), "noise", "image", source=path,
                           output_shape=(1, cfg["input_size"], cfg["input_size"]))

    def fwd(x):
        with ember.no_grad():
            return model(ember.from_numpy(x)).numpy()
    from ..cli.data import STATS

    size = cfg["input_size"]
    return ServedModel(name, fwd, (1, size, size), "image", "logits",
                       classes=cfg.get("classes"), normalise=STATS.get(cfg["dataset"]),
                       output_shape=(len(cfg.get("classes") or []),), source=path)


def _from_onnx(path, name):
    try:
        import onnxruntime as ort
    except ImportError:
        ort = None
    if ort is not None:
        sess = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
        inp, out = sess.get_inputs()[0], sess.get_outputs()[0]

        def run(x):
            return sess.run([out.name], {inp.name: x})[0]
        in_shape, out_shape = inp.shape[1:], out.shape[1:]
        in_name, out_name = inp.name, out.name
    else:
        from .. import onnx as eonnx

        m = eonnx.load(path)
        in_name, out_name = m.input_names[0], m.output_names[0]
        in_shape, out_shape = m.input_shapes[0][1:], m.output_shapes[0][1:]

        def run(x):
            return m.run(None, {in_name: x})[0]
    if any(not isinstance(s, int) for s in in_shape):
        raise ValueError(f"{path}: only the batch dimension of the input may be dynamic, got "
                         f"{in_shape}")
    classes = None
    if len(out_shape) == 1 and isinstance(out_shape[0], int) and out_shape[0] <= 1000:
        classes = [str(i) for i in range(out_shape[0])]
    norm = (0.1307, 0.3081) if tuple(in_shape) == (1, 28, 28) else None
    return ServedModel(name, run, in_shape, in_name, out_name, classes=classes, normalise=norm,
                       output_shape=tuple(out_shape), source=path)


def load_model(path, name=None):
    """A ServedModel from a run directory, checkpoint (in a run directory) or ``.onnx`` file."""
    path = str(path)
    if name is None:
        base = os.path.basename(os.path.normpath(path))
        name = os.path.splitext(base)[0] if base.endswith(".onnx") else base
    if path.endswith(".onnx"):
        if not os.path.exists(path):
            raise FileNotFoundError(f"no such ONNX file: {path}")
        return _from_onnx(path, name)
    if os.path.isfile(path):
        path = os.path.dirname(path) or "."
    return _from_run(path, name)
