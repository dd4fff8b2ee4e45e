"""``repr(tensor)`` in PyTorch's format: ``tensor([[1., 2.]], requires_grad=True)``."""
import numpy as np

from . import _dtype

_opts = {"precision": 4, "threshold": 1000, "edgeitems": 3, "linewidth": 80, "sci_mode": None}


def set_printoptions(precision=None, threshold=None, edgeitems=None, linewidth=None,
                     profile=None, sci_mode=None):
    """Set how tensors print (PyTorch's ``set_printoptions``)."""
    if profile == "default":
        _opts.update(precision=4, threshold=1000, edgeitems=3, linewidth=80)
    elif profile == "short":
        _opts.update(precision=2, threshold=1000, edgeitems=2, linewidth=80)
    elif profile == "full":
        _opts.update(precision=4, threshold=float("inf"), edgeitems=3, linewidth=80)
    for k, v in (("precision", precision), ("threshold", threshold), ("edgeitems", edgeitems),
                 ("linewidth", linewidth)):
        if v is not None:
            _opts[k] = v
    _opts["sci_mode"] = sci_mode


class _Formatter:
    def __init__(self, a):
        self.kind = a.dtype.kind
        self.int_mode = True
        self.sci = False
        self.width = 1
        p = _opts["precision"]
        if self.kind == "b":
            self.width = 5 if a.size and not a.all() else 4
            return
        if self.kind in "iu":
            self.width = max((len(str(v)) for v in (a.min(), a.max())), default=1) if a.size \
                else 1
            return
        vals = a.astype(np.float64).ravel()
        finite = vals[np.isfinite(vals)]
        nz = np.abs(finite[finite != 0])
        if nz.size:
            self.int_mode = bool((np.ceil(finite) == finite).all())
            mx, mn = nz.max(), nz.min()
            if self.int_mode:
                self.sci = mx > 1e8
            else:
                self.sci = mx / mn > 1000.0 or mx > 1e8 or mn < 1e-4
        if _opts["sci_mode"] is not None:
            self.sci = _opts["sci_mode"]
        self.p = p
        self.width = max((len(self.fmt(v)) for v in vals), default=1) if vals.size else 1

    def fmt(self, v):
        if self.kind == "b":
            return str(bool(v))
        if self.kind in "iu":
            return str(int(v))
        v = float(v)
        if not np.isfinite(v):
            return "nan" if np.isnan(v) else ("inf" if v > 0 else "-inf")
        if self.sci:
            return f"{v:.{self.p}e}"
        if self.int_mode:
            return f"{v:.0f}."
        return f"{v:.{self.p}f}"

    def __call__(self, v):
        return self.fmt(v).rjust(self.width)


def _summarize(a):
    e = _opts["edgeitems"]
    if a.ndim == 0:
        return a
    if a.shape[0] > 2 * e:
        a = np.concatenate([a[:e], a[-e:]])
    return np.stack([_summarize(x) for x in a]) if a.ndim > 1 else a


def _fmt_array(a, f, indent, summarize):
    if a.ndim == 0:
        return f(a.item())
    e = _opts["edgeitems"]
    n = a.shape[0]
    if a.ndim == 1:
        items = [f(v) for v in a.tolist()]
        if summarize and n > 2 * e:
            items = items[:e] + ["..."] + items[-e:]
        per_line = max(1, (_opts["linewidth"] - indent) // (f.width + 2))
        lines = [", ".join(items[i:i + per_line]) for i in range(0, len(items), per_line)]
        return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"
    idx = list(range(n))
    if summarize and n > 2 * e:
        idx = idx[:e] + [None] + idx[-e:]
    parts = [_fmt_array(a[i], f, indent + 1, summarize) if i is not None else "..."
             for i in idx]
    sep = "," + "\n" * (a.ndim - 1) + " " * (indent + 1)
    return "[" + sep.join(parts) + "]"


def tensor_repr(t, prefix="tensor("):
    a = np.asarray(t._data if type(t._data) is np.ndarray else t._data.get())
    indent = len(prefix)
    summarize = a.size > _opts["threshold"]
    suffixes = []
    if a.size == 0 and a.ndim > 1 or (a.size == 0 and a.shape != (0,)):
        body = "[]"
        suffixes.append(f"size={tuple(a.shape)}")
    elif a.size == 0:
        body = "[]"
    else:
        f = _Formatter(_summarize(a) if summarize else a)
        body = _fmt_array(a, f, indent, summarize)
    dt = _dtype._FROM_NP[a.dtype]
    default = _dtype.get_default_dtype()
    if dt not in (default, _dtype.int64, _dtype.bool) or (a.size == 0 and dt is not default
                                                         and dt is not _dtype.int64):
        suffixes.append(f"dtype={dt!r}")
    if t.device.type != "cpu":
        suffixes.insert(0, f"device='{t.device}'")
    if t._grad_fn is not None:
        suffixes.append(f"grad_fn=<{t._grad_fn.name()}>")
    elif t._requires_grad:
        suffixes.append("requires_grad=True")
    return prefix + body + "".join(", " + s for s in suffixes) + ")"
