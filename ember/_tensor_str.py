"""``repr(tensor)`` in PyTorch's format: ``tensor([[1., 2.]], requires_grad=True)``.

The algorithm is PyTorch's (``torch/_tensor_str.py``): one formatter per tensor decides between
integer mode (``1.``), fixed point and scientific notation from the nonzero finite values, pads
every element to the widest, wraps rows at ``linewidth`` and summarizes tensors with more than
``threshold`` elements to ``edgeitems`` per side.
"""
import math

import numpy as np

from . import _dtype

__all__ = ["set_printoptions", "get_printoptions", "tensor_repr"]

_DEFAULTS = {"precision": 4, "threshold": 1000, "edgeitems": 3, "linewidth": 80,
             "sci_mode": None}
_opts = dict(_DEFAULTS)


def set_printoptions(precision=None, threshold=None, edgeitems=None, linewidth=None,
                     profile=None, sci_mode=None):
    """Set how tensors print (PyTorch's ``set_printoptions``).

    Args:
        precision (int, optional): digits after the decimal point (default 4).
        threshold (int, optional): element count above which a tensor is summarized (1000).
        edgeitems (int, optional): items kept at each end of a summarized dimension (3).
        linewidth (int, optional): characters per line (80).
        profile (str, optional): ``'default'``, ``'short'`` or ``'full'``.
        sci_mode (bool, optional): force (True) or forbid (False) scientific notation;
            None chooses automatically.

    Example:
        >>> import ember
        >>> ember.set_printoptions(precision=2)
        >>> ember.tensor([1.2345])
        tensor([1.23])
        >>> ember.set_printoptions(profile="default")
    """
    if profile == "default":
        _opts.update(precision=4, threshold=1000, edgeitems=3, linewidth=80)
    elif profile == "short":
        _opts.update(precision=2, threshold=1000, edgeitems=2, linewidth=80)
    elif profile == "full":
        _opts.update(precision=4, threshold=math.inf, edgeitems=3, linewidth=80)
    for k, v in (("precision", precision), ("threshold", threshold), ("edgeitems", edgeitems),
                 ("linewidth", linewidth)):
        if v is not None:
            _opts[k] = v
    _opts["sci_mode"] = sci_mode


def get_printoptions():
    """The current print options, as a dict."""
    return dict(_opts)


class _Formatter:
    """Chooses the notation and width for all elements of one (summarized) array."""

    def __init__(self, a):
        self.floating = a.dtype.kind == "f"
        self.int_mode = True
        self.sci_mode = False
        self.max_width = 1
        p = _opts["precision"]
        if not self.floating:
            for v in a.ravel().tolist():
                self.max_width = max(self.max_width, len(f"{v}"))
            return
        flat = a.ravel()
        vals = flat[np.isfinite(flat) & (flat != 0)]
        if not vals.size:
            return  # no nonzero finite value: integer mode, width 1, whatever sci_mode says
        absd = np.abs(vals).astype(np.float64)
        mn, mx = absd.min(), absd.max()
        self.int_mode = bool((np.ceil(vals) == vals).all())
        forced = _opts["sci_mode"]
        self.sci_mode = (mx / mn > 1000.0 or mx > 1.0e8 or mn < 1.0e-4) if forced is None \
            else forced
        values = vals.tolist()
        if self.sci_mode:
            widths = (len(f"{v:.{p}e}") for v in values)
        elif self.int_mode:
            widths = (len(f"{v:.0f}") + 1 for v in values)
        else:
            widths = (len(f"{v:.{p}f}") for v in values)
        self.max_width = max(self.max_width, max(widths))

    def width(self):
        return self.max_width

    def format(self, value):
        p = _opts["precision"]
        if self.floating:
            if self.sci_mode:
                ret = f"{value:{self.max_width}.{p}e}"
            elif self.int_mode:
                ret = f"{value:.0f}"
                if not (math.isinf(value) or math.isnan(value)):
                    ret += "."
            else:
                ret = f"{value:.{p}f}"
        else:
            ret = f"{value}"
        return (self.max_width - len(ret)) * " " + ret


def _summarized(a):
    """The edge items of every dimension of ``a`` (what a summarized print shows)."""
    e = _opts["edgeitems"]
    if a.ndim == 0:
        return a
    if a.ndim == 1:
        return np.concatenate([a[:e], a[-e:]]) if a.shape[0] > 2 * e else a
    if not e:
        return a[(slice(0, 0),) * a.ndim]
    rows = list(range(e)) + list(range(len(a) - e, len(a))) if a.shape[0] > 2 * e \
        else range(a.shape[0])
    return np.stack([_summarized(a[i]) for i in rows])


class _Fmt:
    """One or two formatters (real and imaginary parts) as a value formatter."""

    def __init__(self, f1, f2=None):
        self.f1, self.f2 = f1, f2

    def element_length(self):
        n = self.f1.width() + 2
        if self.f2 is not None:
            n += self.f2.width() + 1
        return n

    def __call__(self, val):
        if self.f2 is None:
            return self.f1.format(val)
        real = self.f1.format(val.real)
        imag = (self.f2.format(val.imag) + "j").lstrip()
        return real + imag if imag[0] in "+-" else real + "+" + imag


def _vector_str(a, indent, summarize, fmt):
    e = _opts["edgeitems"]
    per_line = max(1, int(math.floor((_opts["linewidth"] - indent) / fmt.element_length())))
    if summarize and not e:
        data = ["..."]
    elif summarize and a.shape[0] > 2 * e:
        data = ([fmt(v) for v in a[:e].tolist()] + [" ..."]
                + [fmt(v) for v in a[-e:].tolist()])
    else:
        data = [fmt(v) for v in a.tolist()]
    lines = [", ".join(data[i:i + per_line]) for i in range(0, len(data), per_line)]
    return "[" + ("," + "\n" + " " * (indent + 1)).join(lines) + "]"


def _tensor_str_with_formatter(a, indent, summarize, fmt):
    if a.ndim == 0:
        return fmt(a.item())
    if a.ndim == 1:
        return _vector_str(a, indent, summarize, fmt)
    e = _opts["edgeitems"]
    if summarize and a.shape[0] > 2 * e:
        slices = ([_tensor_str_with_formatter(a[i], indent + 1, summarize, fmt)
                   for i in range(e)] + ["..."]
                  + [_tensor_str_with_formatter(a[i], indent + 1, summarize, fmt)
                     for i in range(len(a) - e, len(a))])
    else:
        slices = [_tensor_str_with_formatter(a[i], indent + 1, summarize, fmt)
                  for i in range(a.shape[0])]
    return "[" + ("," + "\n" * (a.ndim - 1) + " " * (indent + 1)).join(slices) + "]"


def _tensor_str(a, indent):
    if a.size == 0:
        return "[]"
    summarize = a.size > _opts["threshold"]
    if a.dtype == np.float16:
        a = a.astype(np.float32)
    if a.dtype.kind == "c":
        src = _summarized(a) if summarize else a
        fmt = _Fmt(_Formatter(src.real), _Formatter(src.imag))
    else:
        fmt = _Fmt(_Formatter(_summarized(a) if summarize else a))
    return _tensor_str_with_formatter(a, indent, summarize, fmt)


def _add_suffixes(tensor_str, suffixes, indent):
    parts = [tensor_str]
    last_line_len = len(tensor_str) - tensor_str.rfind("\n") + 1
    for suffix in suffixes:
        if last_line_len + len(suffix) + 2 > _opts["linewidth"]:
            parts.append(",\n" + " " * indent + suffix)
            last_line_len = indent + len(suffix)
        else:
            parts.append(", " + suffix)
            last_line_len += len(suffix) + 2
    parts.append(")")
    return "".join(parts)


def tensor_repr(t, prefix="tensor("):
    """PyTorch's ``repr`` of tensor ``t``."""
    a = t._data if type(t._data) is np.ndarray else t._data.get()
    indent = len(prefix)
    suffixes = []
    if t.device.type != "cpu":
        suffixes.append(f"device='{t.device}'")
    default = _dtype.get_default_dtype()
    dt = _dtype._FROM_NP[a.dtype]
    default_complex = _dtype.complex128 if default is _dtype.float64 else _dtype.complex64
    if a.size == 0:
        if a.ndim != 1:
            suffixes.append(f"size={tuple(a.shape)}")
        if dt is not default:
            suffixes.append(f"dtype={dt!r}")
        body = "[]"
    else:
        if dt not in (default, default_complex, _dtype.int64, _dtype.bool):
            suffixes.append(f"dtype={dt!r}")
        body = _tensor_str(a, indent)
    if t._grad_fn is not None:
        suffixes.append(f"grad_fn=<{t._grad_fn.name()}>")
    elif t._requires_grad:
        suffixes.append("requires_grad=True")
    return _add_suffixes(prefix + body, suffixes, indent)
