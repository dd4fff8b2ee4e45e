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
the graph node (``y.grad_fn``).
"""
from . import grad_mode

_state = grad_mode._state


class Node:
    """Base of graph nodes: ``next_functions`` edges to the producers of the inputs."""

    _n_outputs = 1
    _hooks = None       # {output_nr: [hook]} hooks on non-leaf tensors' gradients
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
        return "AccumulateGrad"


class _SavedTensor:
    """A tensor saved for backward, with the version it had when saved."""

    __slots__ = ("tensor", "version")

    def __init__(self, t):
        self.tensor = t
        self.version = t._version[0]


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
    _non_diff = None
    _materialize = True
    _released = False

    def name(self):
        return type(self).__name__ + ("Backward0" if self._array_forward else "Backward")

    # --- ctx API -------------------------------------------------------------------------
    def save_for_backward(self, *tensors):
        self._to_save = tensors

    def mark_non_differentiable(self, *tensors):
        self._non_diff = tensors

    def mark_dirty(self, *tensors):
        self._dirty = tensors

    def set_materialize_grads(self, value):
        self._materialize = value

    @property
    def saved_tensors(self):
        if self._released:
            raise RuntimeError(
                "Trying to backward through the graph a second time (or directly access saved "
                "tensors after they have already been freed). Saved intermediate values of the "
                "graph are freed when you call .backward() or autograd.grad(). Specify "
                "retain_graph=True if you need to backward through the graph a second time or "
                "if you need to access saved tensors after calling backward."
            )
        saved = self._saved
        if saved is None:
            return ()
        out = []
        for s in saved:
            if s.__class__ is not _SavedTensor:
                out.append(s)  # None or a Python scalar saved as-is
                continue
            t = s.tensor
            if t._version[0] != s.version:
                raise RuntimeError(
                    "one of the variables needed for gradient computation has been modified by "
                    f"an inplace operation: [{t._type_name()} {list(t.shape)}]"
                    f"{_which_output(t)}, is at version {t._version[0]}; expected version "
                    f"{s.version} instead. Hint: the backtrace further above can point to the "
                    "operation that failed to compute its gradient."
                )
            out.append(t)
        return tuple(out)

    # --- graph construction ----------------------------------------------------------------
    @classmethod
    def apply(cls, *args, **kwargs):
        Tensor = _Tensor
        ctx = cls.__new__(cls)
        record = False
        if _state[0]:
            for a in args:
                if a.__class__ is Tensor or isinstance(a, Tensor):
                    if a._requires_grad:
                        record = True
                        break
        if cls._array_forward:
            raw = [a._data if isinstance(a, Tensor) else a for a in args]
            out = cls.forward(ctx, *raw, **kwargs)
        else:
            prev = _state[0]
            _state[0] = False
            try:
                out = cls.forward(ctx, *args, **kwargs)
            finally:
                _state[0] = prev
        multi = isinstance(out, tuple)
        outs = out if multi else (out,)
        if cls._array_forward:
            results = tuple(Tensor._make(o) for o in outs)
        else:
            results = tuple(_as_output(o, args) for o in outs)
        if record:
            edges = []
            needs = []
            for a in args:
                if isinstance(a, Tensor) and a._requires_grad:
                    edges.append(a._edge())
                    needs.append(True)
                else:
                    edges.append(None)
                    needs.append(False)
            ctx._edges = edges
            ctx.needs_input_grad = tuple(needs)
            ctx._in_shapes = tuple(a._data.shape if isinstance(a, Tensor) else None
                                   for a in args)
            if multi:
                ctx._n_outputs = len(results)
                ctx._out_meta = [_meta(r) for r in results]
            non_diff = ctx._non_diff
            for i, r in enumerate(results):
                if r is None:
                    continue
                if non_diff is not None and _contains(non_diff, outs[i], r):
                    continue
                if r._data.dtype.kind not in "fc":
                    continue
                r._requires_grad = True
                r._grad_fn = ctx
                r._output_nr = i
            to_save = ctx.__dict__.pop("_to_save", None)
            if to_save is not None:
                ctx._saved = [_resolve_saved(s, args, outs, results) for s in to_save]
        else:
            ctx.__dict__.pop("_to_save", None)
        return results if multi else results[0]

    # default implementations
    @staticmethod
    def forward(ctx, *args, **kwargs):
        raise NotImplementedError("You must implement the forward function for custom "
                                  "autograd.Function.")

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError("You must implement either the backward or vjp method for "
                                  "your custom autograd.Function to use it with backward mode AD.")

    def _release(self):
        self._saved = None
        self._released = True


def _meta(r):
    if r is None:
        return None
    from ..backends import get_array_module

    return (r._data.shape, r._data.dtype, get_array_module(r._data))


def _contains(seq, array, tensor):
    for s in seq:
        if s is tensor or s is array:
            return True
    return False


def _which_output(t):
    fn = t._grad_fn
    if fn is None:
        return ""
    return f", which is output {t._output_nr} of {fn.name()}"


def _as_output(o, args):
    """User Function outputs: Tensors. An input returned as-is becomes a new view of it."""
    if o is None:
        return None
    if not isinstance(o, _Tensor):
        return o
    for a in args:
        if o is a:
            return a._alias()
    return o


def _resolve_saved(s, args, outs, results):
    """Map a saved object (array or Tensor) to the graph Tensor it stands for."""
    # exact types: NumPy's float64 scalar (what a ufunc returns for 0-d arrays) subclasses
    # float, yet stands for a tensor
    if s is None or type(s) in (int, float, complex, bool):
        return s
    Tensor = _Tensor
    if isinstance(s, Tensor):
        for i, o in enumerate(outs):
            if s is o:
                return _SavedTensor(results[i])
        return _SavedTensor(s)
    for a in args:
        if isinstance(a, Tensor) and a._data is s:
            return _SavedTensor(a)
    for i, o in enumerate(outs):
        if o is s:
            return _SavedTensor(results[i])
    return _SavedTensor(Tensor._make(s))


_Tensor = None  # set by ember._tensor to break the import cycle


def _set_tensor_class(cls):
    global _Tensor
    _Tensor = cls


def once_differentiable(fn):
    """Decorator for a backward that is not itself differentiable (accepted for API parity)."""
    return fn
