"""``Function``: one node of the autograd graph, and the way every ember op is written.

A Function's ``forward`` computes outputs from inputs; its ``backward`` maps the gradients of
the outputs to gradients of the inputs, written in ember Tensor ops so that the engine can
record the backward itself (``create_graph=True``) for higher-order gradients.

Two flavours share one mechanism:

* ember's primitives set ``_array_forward = True``: ``forward(ctx, *arrays)`` runs on raw
  NumPy/CuPy arrays (one code path through ``xp = get_array_module(x)``). Arrays passed to
  ``ctx.save_for_backward`` are mapped back to the input/output Tensors they belong to, so the
  backward sees Tensors that are part of the graph.
* user-defined Functions (PyTorch's API): ``forward(ctx, *tensors)`` receives Tensors and runs
  with gradient recording off.

The instance created by ``apply`` is both the ``ctx`` handed to ``forward``/``backward`` and
the graph node (``y.grad_fn``). A saved *output* is kept as its array plus version counter and
rebuilt on access, so a node never references its own outputs: graphs hold no reference
cycles and are freed by reference counting as soon as the last output goes away.
"""
import functools

import numpy as np

from . import grad_mode

_state = grad_mode._state
_new = object.__new__
_ndarray = np.ndarray
_generic = np.generic
_asarray = np.asarray


class Node:
    """Base of graph nodes: ``next_functions`` edges to the producers of the inputs."""

    _n_outputs = 1
    _hooks = None       # {output_nr: [hook]} hooks on non-leaf tensors' gradients
    _retain = None      # {output_nr: weakref} non-leaf tensors that retain their grad
    _pre_hooks = None   # hooks on the node's output gradients (register_prehook)
    _post_hooks = None  # hooks on the node's input gradients (register_hook)
    _edges = ()

    def name(self):
        return type(self).__name__

    def __repr__(self):
        return f"<{self.name()} object at {hex(id(self))}>"

    @property
    def next_functions(self):
        return tuple((e[0], e[1]) if e is not None else (None, 0) for e in self._edges)

    @property
    def metadata(self):
        md = self.__dict__.get("_metadata")
        if md is None:
            md = self.__dict__["_metadata"] = {}
        return md

    def register_hook(self, fn):
        """``fn(grad_inputs, grad_outputs)`` runs after this node's backward."""
        if self._post_hooks is None:
            self._post_hooks = []
        self._post_hooks.append(fn)
        return _RemovableHandle(self._post_hooks, fn)

    def register_prehook(self, fn):
        """``fn(grad_outputs)`` runs before this node's backward; may return new grads."""
        if self._pre_hooks is None:
            self._pre_hooks = []
        self._pre_hooks.append(fn)
        return _RemovableHandle(self._pre_hooks, fn)

    def _add_tensor_hook(self, output_nr, fn):
        if self._hooks is None:
            self._hooks = {}
        lst = self._hooks.setdefault(output_nr, [])
        lst.append(fn)
        return _RemovableHandle(lst, fn)


class _RemovableHandle:
    __slots__ = ("_list", "_fn")

    def __init__(self, lst, fn):
        self._list, self._fn = lst, fn

    def remove(self):
        try:
            self._list.remove(self._fn)
        except ValueError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()


class AccumulateGrad(Node):
    """The node at a leaf tensor: adds incoming gradients into ``tensor.grad``."""

    def __init__(self, tensor):
        self.variable = tensor

    def name(self):
        return "torch::autograd::AccumulateGrad"


# A tensor saved for backward is stored as a plain tuple tagged by a sentinel (cheaper than
# an object on the hot path), with the version it had when saved:
#   (_IN, tensor, version)                  an input (or any tensor not produced here)
#   (_OUT, array, counter, output_nr, ver)  an output of the saving node itself, rebuilt with
#                                           the node as grad_fn on unpacking, so the node
#                                           holds no reference to its own outputs (no cycle).
_IN = object()
_OUT = object()
# (_PACKED, packed, unpack_hook): saved under ``ember.autograd.graph.saved_tensors_hooks``
_PACKED = object()
_saved_hooks = []  # the active (pack_hook, unpack_hook) pairs, innermost last


def _pack_saved(ctx, saved):
    """Run the innermost pack hook on each saved tensor (hooks are off inside it, as in
    PyTorch, so the ops it runs save nothing through it)."""
    active = _saved_hooks[:]
    pack, unpack = active[-1]
    _saved_hooks.clear()
    try:
        return [(_PACKED, pack(_unpack(s, ctx)), unpack)
                if s.__class__ is tuple and s and (s[0] is _IN or s[0] is _OUT) else s
                for s in saved]
    finally:
        _saved_hooks[:] = active


def _saved_in(t):
    return (_IN, t, t._version_counter[0])


def _saved_out(t, output_nr):
    return (_OUT, t._data, t._version_counter, output_nr, t._version_counter[0])


def _unpack(s, node):
    if s[0] is _IN:
        t, expected = s[1], s[2]
        current = t._version_counter[0]
        if current != expected:
            _raise_modified(t, t._grad_fn.name() if t._grad_fn is not None else None,
                            current, expected)
        return t
    _, data, counter, nr, expected = s
    t = _Tensor._make(data)
    t._version_counter = counter
    t._requires_grad = True
    t._grad_fn = node
    t._output_nr = nr
    if counter[0] != expected:
        _raise_modified(t, node.name(), counter[0], expected)
    return t


def _raise_modified(t, label, current, expected):
    from . import is_anomaly_enabled

    which = ""
    if label is not None:
        which = f", which is output {t._output_nr} of {_short_label(label)},"
    hint = ("Hint: the backtrace further above can point to the operation that failed to "
            "compute its gradient." if is_anomaly_enabled() else
            "Hint: enable anomaly detection to find the operation that failed to compute its "
            "gradient, with torch.autograd.set_detect_anomaly(True, check_nan=False).")
    raise RuntimeError(
        "one of the variables needed for gradient computation has been modified by an "
        f"inplace operation: [{t._type_name()} {list(t._data.shape)}]{which} is at version "
        f"{current}; expected version {expected} instead. " + hint)


def _short_label(name):
    """PyTorch names the op without its ``Backward`` suffix: MulBackward0 -> Mul."""
    return name.replace("Backward0", "").replace("Backward", "")


class _NoGradsNeeded(tuple):
    """``needs_input_grad`` of a node that records nothing: False at every index."""

    def __getitem__(self, i):
        return False if isinstance(i, int) else ()


_NO_GRADS = _NoGradsNeeded()


class Function(Node):
    """Base class for differentiable operations (PyTorch's ``torch.autograd.Function``).

    Subclass it with static ``forward(ctx, *args)`` and ``backward(ctx, *grad_outputs)``, then
    call ``MyFn.apply(*args)``.

    Example:
        >>> import ember
        >>> class Cube(ember.autograd.Function):
        ...     @staticmethod
        ...     def forward(ctx, x):
        ...         ctx.save_for_backward(x)
        ...         return x ** 3
        ...     @staticmethod
        ...     def backward(ctx, grad):
        ...         x, = ctx.saved_tensors
        ...         return grad * 3 * x ** 2
        >>> x = ember.tensor(2.0, requires_grad=True)
        >>> Cube.apply(x).backward()
        >>> x.grad
        tensor(12.)
    """

    _array_forward = False
    _saved = None
    _to_save = None
    _non_diff = None
    _dirty = None
    _materialize = True
    _released = False
    _out_meta = None
    _needs = None

    @property
    def needs_input_grad(self):
        """Per positional input, whether it needs a gradient."""
        n = self._needs
        if n is None:
            edges = self._edges
            n = self._needs = tuple(e is not None for e in edges) if edges else _NO_GRADS
        return n

    def name(self):
        return type(self).__name__ + ("Backward0" if self._array_forward else "Backward")

    # --- ctx API -------------------------------------------------------------------------
    def save_for_backward(self, *tensors):
        """Keep tensors (inputs or outputs) for ``backward``; read them as ``saved_tensors``."""
        self._to_save = tensors

    def mark_non_differentiable(self, *tensors):
        """Outputs that get no gradient (indices, masks)."""
        self._non_diff = tensors

    def mark_dirty(self, *tensors):
        """Inputs that ``forward`` modified in place (and returns)."""
        self._dirty = tensors

    def set_materialize_grads(self, value):
        """Whether None output gradients reach ``backward`` as zeros (default True)."""
        self._materialize = value

    @property
    def saved_tensors(self):
        saved = self._saved
        if saved is None:
            if self._released:
                raise RuntimeError(
                    "Trying to backward through the graph a second time (or directly access "
                    "saved tensors after they have already been freed). Saved intermediate "
                    "values of the graph are freed when you call .backward() or autograd.grad()"
                    ". Specify retain_graph=True if you need to backward through the graph a "
                    "second time or if you need to access saved tensors after calling backward."
                )
            return ()
        return tuple(_unpack(s, self) if s.__class__ is tuple and s and (s[0] is _IN or s[0]
                                                                           is _OUT) else
                     s[2](s[1]) if s.__class__ is tuple and s and s[0] is _PACKED else s
                     for s in saved)

    saved_variables = saved_tensors

    # --- graph construction ----------------------------------------------------------------
    @classmethod
    def apply(cls, *args, **kwargs):
        """Run ``forward`` and, when an input requires grad (and grad mode is on), record the
        node in the graph."""
        ctx = _new(cls)
        Tensor = _Tensor
        record = False
        if cls._array_forward:
            # The hot path of every primitive: kept flat, no helper calls when not recording.
            raw = []
            for a in args:
                if isinstance(a, Tensor):
                    if a._requires_grad:
                        record = True
                    raw.append(a._data)
                else:
                    raw.append(a)
            if record and _state.enabled:
                _record_inputs(ctx, args)
            else:
                record = False
            out = cls.forward(ctx, *raw, **kwargs)
            if out.__class__ is tuple:
                results = tuple(_make(o) if o is not None else None for o in out)
                if record:
                    _record_outputs(ctx, args, out, results)
                return results
            raw_out = out  # what forward may have passed to save_for_backward
            if out.__class__ is not _ndarray and isinstance(out, _generic):
                out = _asarray(out)  # NumPy reductions return scalars; keep 0-d arrays
            r = _new(Tensor)
            r._data = out
            r._requires_grad = False
            r._grad_fn = None
            r._output_nr = 0
            r._grad = None
            r._version_counter = [0]
            r._base = None
            if not record:
                return r
            if out.dtype.kind in "fc" and (ctx._non_diff is None
                                           or not _contains(ctx._non_diff, raw_out, r)):
                r._requires_grad = True
                r._grad_fn = ctx
            if ctx._to_save is not None:
                ctx._saved = _save_single(ctx, args, raw_out, r)
                if _saved_hooks:
                    ctx._saved = _pack_saved(ctx, ctx._saved)
            return r
        for a in args:
            if isinstance(a, Tensor) and a._requires_grad:
                record = True
                break
        prev = _state.enabled
        record = record and prev
        if record:
            _record_inputs(ctx, args)
        _state.enabled = False
        try:
            if cls.setup_context is not Function.setup_context:
                out = cls.forward(*args, **kwargs)
                cls.setup_context(ctx, args, out)
            else:
                out = cls.forward(ctx, *args, **kwargs)
        finally:
            _state.enabled = prev
        multi = isinstance(out, tuple)
        results = tuple(_as_output(ctx, o, args, record) for o in (out if multi else (out,)))
        if record:
            _record_outputs(ctx, args, out, results if multi else results[0])
        return results if multi else results[0]

    @staticmethod
    def setup_context(ctx, inputs, output):
        """PyTorch 2 style: a ``forward`` without ctx, then this fills the ctx."""
        raise NotImplementedError

    # default implementations
    @staticmethod
    def forward(ctx, *args, **kwargs):
        raise NotImplementedError("You must implement the forward function for custom "
                                  "autograd.Function.")

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError("You must implement either the backward or vjp method for "
                                  "your custom autograd.Function to use it with backward mode AD.")

    vjp = backward

    def _release(self):
        if self._saved is not None:
            self._saved = None
            self._released = True


def _record_inputs(ctx, args):
    """The node's edges: per positional input, None or (producer node, output number, shape
    the gradient must have)."""
    Tensor = _Tensor
    edges = []
    for a in args:
        if isinstance(a, Tensor) and a._requires_grad:
            fn = a._grad_fn
            if fn is None:
                fn = a._edge()[0]
            edges.append((fn, a._output_nr, a._data.shape))
        else:
            edges.append(None)
    ctx._edges = edges


def _record_outputs(ctx, args, out, results):
    """Attach ``ctx`` as the grad_fn of the differentiable results and save what it asked."""
    non_diff = ctx._non_diff
    if results.__class__ is tuple:
        ctx._n_outputs = len(results)
        ctx._out_meta = [_meta(r) for r in results]
        outs = out
        for i, r in enumerate(results):
            if r is None or r._data.dtype.kind not in "fc":
                continue
            if non_diff is not None and _contains(non_diff, outs[i], r):
                continue
            r._requires_grad = True
            r._grad_fn = ctx
            r._output_nr = i
    else:
        outs = (out,)
        results = (results,)
        r = results[0]
        if r._data.dtype.kind in "fc" and (non_diff is None
                                           or not _contains(non_diff, out, r)):
            r._requires_grad = True
            r._grad_fn = ctx
    to_save = ctx._to_save
    if to_save is not None:
        ctx._to_save = None
        ctx._saved = [_resolve_saved(ctx, s, args, outs, results) for s in to_save]
        if _saved_hooks:
            ctx._saved = _pack_saved(ctx, ctx._saved)


def _meta(r):
    if r is None:
        return None
    from ..backends import get_array_module

    return (r._data.shape, r._data.dtype, get_array_module(r._data))


def _save_single(ctx, args, out, r):
    """``ctx.save_for_backward`` of a single-output primitive: arrays map back to the input
    tensors or the output (the common cases first, without helper calls)."""
    to_save = ctx._to_save
    ctx._to_save = None
    saved = []
    for x in to_save:
        if x is out or x is r:
            saved.append(_saved_out(r, 0) if r._grad_fn is ctx else _saved_in(r))
            continue
        for a in args:
            if isinstance(a, _Tensor) and (a._data is x or a is x):
                saved.append((_IN, a, a._version_counter[0]))
                break
        else:
            saved.append(_resolve_saved(ctx, x, args, (out,), (r,)))
    return saved


def _contains(seq, array, tensor):
    for s in seq:
        if s is tensor or s is array:
            return True
    return False


def _as_output(ctx, o, args, record):
    """User Function outputs: an input returned as-is becomes a view of it (or, if marked
    dirty, the input itself takes the new history)."""
    if not isinstance(o, _Tensor):
        return o
    for a in args:
        if o is a:
            dirty = ctx._dirty
            if dirty is not None and any(d is a for d in dirty):
                a._version_counter[0] += 1
                return a
            t = _make(a._data)
            t._version_counter = a._version_counter
            t._base = a
            return t
    return o


def _resolve_saved(ctx, s, args, outs, results):
    """Map a saved object (array or Tensor) to the graph Tensor it stands for."""
    Tensor = _Tensor
    if s is None or not hasattr(s, "shape"):
        return s  # None or a Python scalar, kept as-is
    for i, o in enumerate(outs):
        if s is o or s is results[i]:
            r = results[i]
            if r._grad_fn is ctx:
                return _saved_out(r, i)
            return _saved_in(r)
    if isinstance(s, Tensor):
        return _saved_in(s)
    for a in args:
        if isinstance(a, Tensor) and a._data is s:
            return _saved_in(a)
    return _saved_in(_make(s))


_Tensor = None  # set by ember._tensor to break the import cycle
_make = None


def _set_tensor_class(cls):
    global _Tensor, _make
    _Tensor = cls
    _make = cls._make


def once_differentiable(fn):
    """Decorator for a ``backward`` that is not itself differentiable: it runs with gradient
    recording off, so a double backward through it sees no graph."""

    @functools.wraps(fn)
    def wrapper(ctx, *args):
        prev = _state.enabled
        _state.enabled = False
        try:
            return fn(ctx, *args)
        finally:
            _state.enabled = prev

    return wrapper


# PyTorch's ctx is an instance of FunctionCtx; ember's ctx is the graph node itself.
FunctionCtx = Node


class InplaceFunction(Function):
    def __init__(self, inplace=False):
        self.inplace = inplace


class NestedIOFunction(Function):
    pass
