"""The ONNX graph under construction: nodes, initializers, and symbolic (dynamic) sizes.

A dynamic size is found by tracing twice: the second run scales each dynamic axis by its own
prime (2, 3, 5, ...). A size that differs between the runs is then a monomial
``coef * prod(sym_k ** e_k)`` of the dynamic axes; :class:`DynInt` carries the first run's
value together with that monomial, and :meth:`Graph.dim` turns it into a 1-D int64 tensor
computed from the ``Shape`` of the graph inputs.
"""
from fractions import Fraction

import numpy as np

PRIMES = (2, 3, 5, 7, 11, 13, 17, 19)
INT64_MAX = np.iinfo(np.int64).max
INT64_MIN = np.iinfo(np.int64).min


class DynInt(int):
    """An int of the first trace that depends on dynamic axes: ``coef * prod(sym ** exps)``."""

    def __new__(cls, value, coef, exps):
        obj = int.__new__(cls, value)
        obj.coef, obj.exps = coef, tuple(exps)
        return obj

    @property
    def expr(self):
        return (self.coef, self.exps)

    def __repr__(self):
        return f"DynInt({int(self)}, {self.coef}, {self.exps})"


class Symbol:
    """A named dynamic axis: the graph input (and axis) whose runtime size it is."""

    def __init__(self, name, input_name, axis, size, prime):
        self.name, self.input_name, self.axis = name, input_name, axis
        self.size, self.prime = size, prime


def dynamize(a, b, symbols):
    """The first trace's int ``a``, as a DynInt when the second trace saw a different ``b``."""
    if a == b or not symbols:
        return a
    if a == 0:
        return None
    ratio = Fraction(b, a)
    exps = []
    for s in symbols:
        e = 0
        while ratio.numerator % s.prime == 0:
            ratio /= s.prime
            e += 1
        exps.append(e)
    if ratio != 1:
        return None
    denom = 1
    for s, e in zip(symbols, exps):
        denom *= s.size ** e
    if a % denom:
        return None
    return DynInt(a, a // denom, exps)


def dynamize_tree(a, b, symbols):
    """``dynamize`` over ints inside tuples, lists and slices (other objects: the first's)."""
    if isinstance(a, bool) or not isinstance(a, (int, tuple, list, slice)):
        return a
    if isinstance(a, int):
        if isinstance(b, int) and not isinstance(b, bool) and a != b:
            d = dynamize(a, b, symbols)
            if d is None:
                from .errors import UnsupportedOperatorError

                raise UnsupportedOperatorError(
                    f"a size or index {a} (and {b} when the dynamic axes were scaled) is not a "
                    "product of the dynamic axes (sizes like n - 1 are not supported; index "
                    "from the end instead, e.g. x[:, -1])")
            return d
        return a
    if isinstance(a, slice):
        if not isinstance(b, slice):
            return a
        return slice(*(dynamize_tree(x, y, symbols) for x, y in
                       zip((a.start, a.stop, a.step), (b.start, b.stop, b.step))))
    if type(a) is not type(b) and not (isinstance(b, (tuple, list))) or len(a) != len(b):
        return a
    return type(a)(dynamize_tree(x, y, symbols) for x, y in zip(a, b))


def host(a):
    """A NumPy array from a NumPy or CuPy array (or anything array-like)."""
    if not isinstance(a, np.ndarray) and hasattr(a, "__cuda_array_interface__"):
        return a.get()
    return np.asarray(a)


def is_dyn(v):
    return isinstance(v, DynInt)


class Graph:
    """Nodes and initializers of the graph being built, with name bookkeeping."""

    def __init__(self, opset, symbols=()):
        self.opset = opset
        self.symbols = list(symbols)
        self.nodes = []         # (op_type, inputs, outputs, attrs, name)
        self.inits = {}         # name -> ndarray
        self.param_names = set()
        self._used = set()
        self._sym_cache = {}
        self._const_cache = {}
        self.scope = ""

    def fresh(self, base):
        base = base.replace("/", "_") or "v"
        name, n = base, 0
        while name in self._used:
            n += 1
            name = f"{base}_{n}"
        self._used.add(name)
        return name

    def reserve(self, name):
        self._used.add(name)
        return name

    def op(self, op_type, inputs, n_out=1, **attrs):
        """Add a node; returns its output name (or list of names when ``n_out > 1``)."""
        scope = self.scope
        outs = [self.fresh(f"{scope}/{op_type}_output_{i}" if scope else
                           f"/{op_type}_output_{i}") for i in range(n_out)]
        name = self.fresh(f"{scope}/{op_type}" if scope else f"/{op_type}")
        attrs = {k: v for k, v in attrs.items() if v is not None}
        self.nodes.append((op_type, list(inputs), outs, attrs, name))
        return outs[0] if n_out == 1 else outs

    def const(self, value, dtype=None, name=None):
        """An initializer holding ``value`` (small constants are shared)."""
        arr = host(value)
        if dtype is not None:
            arr = arr.astype(dtype, copy=False)
        small = arr.size <= 16
        ck = (arr.dtype.str, arr.shape, arr.tobytes()) if small else None
        if ck is not None and ck in self._const_cache and name is None:
            return self._const_cache[ck]
        nm = self.fresh(name or "onnx::Constant")
        self.inits[nm] = arr
        if ck is not None and name is None:
            self._const_cache[ck] = nm
        return nm

    def i64(self, values):
        return self.const(np.asarray(values, dtype=np.int64).reshape(-1))

    # --- dynamic sizes ----------------------------------------------------------------------
    def sym(self, k):
        """A 1-D int64 tensor holding the runtime size of symbol ``k``."""
        if k not in self._sym_cache:
            s = self.symbols[k]
            self._sym_cache[k] = self.op("Shape", [s.input_name], start=s.axis, end=s.axis + 1)
        return self._sym_cache[k]

    def dim(self, d):
        """A 1-D int64 tensor [d] for an int or DynInt."""
        if not is_dyn(d):
            return self.i64([int(d)])
        out = None
        for k, e in enumerate(d.exps):
            for _ in range(e):
                out = self.sym(k) if out is None else self.op("Mul", [out, self.sym(k)])
        if d.coef != 1:
            out = self.op("Mul", [out, self.i64([d.coef])])
        return out

    def shape(self, dims):
        """A 1-D int64 tensor of a shape whose entries may be DynInt."""
        if not any(is_dyn(d) for d in dims):
            return self.i64([int(d) for d in dims])
        parts, static = [], []
        for d in dims:
            if is_dyn(d):
                if static:
                    parts.append(self.i64(static))
                    static = []
                parts.append(self.dim(d))
            else:
                static.append(int(d))
        if static:
            parts.append(self.i64(static))
        return parts[0] if len(parts) == 1 else self.op("Concat", parts, axis=0)
