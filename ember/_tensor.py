"""The Tensor: an array (NumPy or CuPy) plus what autograd needs to know about it.

Operations live in ``ember/ops/``; each family module attaches its Tensor methods at import,
so this file holds only storage, metadata, conversions and the autograd entry points.
"""
import weakref

import numpy as np

from . import _dtype
from ._dtype import _FROM_NP
from .autograd import engine as _engine
from .autograd import function as _function
from .autograd import grad_mode
from .backends import CPU, device, device_of, get_array_module, to_device

_state = grad_mode._state


class Size(tuple):
    """A tensor's shape: a tuple with ``numel()``, printed as ``ember.Size([2, 3])``."""

    __slots__ = ()

    def numel(self):
        n = 1
        for s in self:
            n *= s
        return n

    def __repr__(self):
        return f"ember.Size({list(self)})"

    def __getitem__(self, i):
        r = tuple.__getitem__(self, i)
        return Size(r) if isinstance(i, slice) else r

    def __add__(self, other):
        return Size(tuple(self) + tuple(other))


class Tensor:
    """A multi-dimensional array with automatic differentiation.

    ``Tensor(data)`` builds a default-dtype tensor from nested sequences;
    ``Tensor(*sizes)`` an uninitialised tensor of that shape (PyTorch's legacy constructor).
    Prefer :func:`ember.tensor`.

    Example:
        >>> import ember
        >>> x = ember.tensor([[1., 2.]], requires_grad=True)
        >>> x
        tensor([[1., 2.]], requires_grad=True)
        >>> (x * x).sum().backward()
        >>> x.grad
        tensor([[2., 4.]])
    """

    # _version_counter: a one-element list, the version counter shared by a tensor, its views
    # and detach()es; in-place ops bump it, and backward checks the versions of saved tensors.
    __slots__ = ("_data", "_requires_grad", "_grad_fn", "_output_nr", "_grad",
                 "_version_counter", "_base", "__dict__", "__weakref__")

    # Rarely-set attributes live in __dict__ with these class-level defaults, so creating a
    # tensor (the hot path) assigns only the slots above.
    _hooks = None
    _post_acc_hooks = None
    _accumulator = None
    _view_fn = None
    _retains_grad = False
    _is_param = False

    def __init__(self, *args, dtype=None, device=None, requires_grad=False):
        if not args:
            args = (0,)  # Tensor() is an empty 1-d tensor
        if len(args) == 1 and isinstance(args[0], Tensor):
            data = args[0]._data  # the legacy constructor aliases a tensor argument
        elif len(args) == 1 and not isinstance(args[0], (int, Size)):
            from .ops.creation import tensor as _t

            src = _t(args[0], dtype=dtype or _dtype.get_default_dtype())
            data = src._data
        else:
            shape = args[0] if len(args) == 1 and isinstance(args[0], Size) else args
            dt = _dtype.to_dtype(dtype) if dtype is not None else _dtype.get_default_dtype()
            data = np.zeros(tuple(shape), dtype=dt.np)
        self._data = data
        self._requires_grad = False
        self._grad_fn = None
        self._output_nr = 0
        self._grad = None
        self._version_counter = [0]
        self._base = None
        if requires_grad:
            self.requires_grad_(True)

    @staticmethod
    def _make(data):
        """Wrap an array in a new Tensor with no history (the fast internal constructor)."""
        if data.__class__ is not _ndarray and isinstance(data, _generic):
            data = np.asarray(data)  # NumPy reductions return scalars; keep 0-d arrays
        t = _new(Tensor)
        t._data = data
        t._requires_grad = False
        t._grad_fn = None
        t._output_nr = 0
        t._grad = None
        t._version_counter = [0]
        t._base = None
        return t

    # --- metadata ---------------------------------------------------------------------------
    @property
    def shape(self):
        return Size(self._data.shape)

    def size(self, dim=None):
        """The shape, or the size of dimension ``dim``."""
        if dim is None:
            return Size(self._data.shape)
        return self._data.shape[self._wrap_dim_of_shape(dim)]

    @property
    def dtype(self):
        return _FROM_NP[self._data.dtype]

    @property
    def device(self):
        return device_of(self._data)

    @property
    def is_cuda(self):
        return self.device.type == "cuda"

    @property
    def is_cpu(self):
        return self.device.type == "cpu"

    def get_device(self):
        """The CUDA device index, or -1 for a CPU tensor (as PyTorch)."""
        dev = self.device
        return -1 if dev.type == "cpu" else (dev.index or 0)

    def dim(self):
        return self._data.ndim

    ndimension = dim

    @property
    def ndim(self):
        return self._data.ndim

    def numel(self):
        return int(self._data.size)

    nelement = numel

    def element_size(self):
        return self._data.itemsize

    @property
    def itemsize(self):
        return self._data.itemsize

    @property
    def nbytes(self):
        return self._data.nbytes

    def stride(self, dim=None):
        st = tuple(s // self._data.itemsize for s in self._data.strides)
        return st if dim is None else st[self._wrap_dim_of_shape(dim)]

    def is_contiguous(self, memory_format=None):
        """Whether the elements are dense in row-major order (or, with
        ``memory_format=ember.channels_last``, in NHWC order for a 4-d tensor)."""
        a = self._data
        if memory_format is channels_last:
            return a.ndim == 4 and bool(a.transpose(0, 2, 3, 1).flags.c_contiguous)
        if memory_format is channels_last_3d:
            return a.ndim == 5 and bool(a.transpose(0, 2, 3, 4, 1).flags.c_contiguous)
        return bool(a.flags.c_contiguous)

    def is_floating_point(self):
        return self._data.dtype.kind == "f"

    def is_complex(self):
        return self._data.dtype.kind == "c"

    @property
    def is_sparse(self):
        return False

    @property
    def layout(self):
        return strided

    @property
    def is_meta(self):
        return False

    @property
    def is_quantized(self):
        return False

    def storage_offset(self):
        """Offset (in elements) of this view's first element in its base storage."""
        a = self._data
        root = a
        while getattr(root, "base", None) is not None and hasattr(root.base, "dtype"):
            root = root.base
        if root is a:
            return 0
        ptr = a.data.ptr if hasattr(a.data, "ptr") else a.__array_interface__["data"][0]
        rptr = (root.data.ptr if hasattr(root.data, "ptr")
                else root.__array_interface__["data"][0])
        return (ptr - rptr) // a.itemsize

    def data_ptr(self):
        return self._data.__array_interface__["data"][0] if self.is_cpu else self._data.data.ptr

    def _wrap_dim(self, dim):
        n = self._data.ndim or 1
        if not -n <= dim < n:
            raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, "
                             f"{n - 1}], but got {dim})")
        return dim % n

    def _wrap_dim_of_shape(self, dim):
        """``_wrap_dim`` for indexing the shape or strides: a 0-d tensor has no dimensions."""
        if self._data.ndim == 0:
            raise IndexError(f"Dimension specified as {dim} but tensor has no dimensions")
        return self._wrap_dim(dim)

    def _type_name(self):
        d = self.dtype.name
        return f"torch.{_TYPE_NAMES.get(d, d)}Tensor"

    def type(self, dtype=None, non_blocking=False):
        """With no argument, the type string (``'torch.FloatTensor'``); else a cast."""
        if dtype is None:
            return self._type_name()
        if isinstance(dtype, str):
            name = dtype.split(".")[-1]
            rev = {v + "Tensor": k for k, v in _TYPE_NAMES.items()}
            if name not in rev:
                raise ValueError(f"invalid type: '{dtype}'")
            dtype = rev[name]
        return self.to(dtype)

    # --- autograd attributes ----------------------------------------------------------------
    @property
    def requires_grad(self):
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value):
        self.requires_grad_(value)

    def requires_grad_(self, requires_grad=True):
        """Set whether autograd records operations on this (leaf) tensor; returns self."""
        if self._grad_fn is not None:
            if not requires_grad:
                raise RuntimeError(
                    "you can only change requires_grad flags of leaf variables. If you want to "
                    "use a computed variable in a subgraph that doesn't require differentiation "
                    "use var_no_grad = var.detach().")
            return self
        if requires_grad and self._data.dtype.kind not in "fc":
            raise RuntimeError("only Tensors of floating point dtype can require gradients")
        self._requires_grad = bool(requires_grad)
        return self

    @property
    def grad(self):
        """The accumulated gradient (leaves, or non-leaves after ``retain_grad()``)."""
        g = self._grad
        if g is None and self._grad_fn is not None and not self._retains_grad:
            import warnings

            warnings.warn(_NONLEAF_GRAD_WARNING, UserWarning, stacklevel=2)
        return g

    @grad.setter
    def grad(self, value):
        if value is not None:
            if not isinstance(value, Tensor):
                raise TypeError("assigned grad expected to be a Tensor or None but got grad of "
                                f"type {type(value).__name__}")
            if value._data.shape != self._data.shape:
                raise RuntimeError(
                    f"attempting to assign a gradient of size '{list(value._data.shape)}' to a "
                    f"tensor of size '{list(self._data.shape)}'. Please ensure that the gradient "
                    "and the tensor are the same size")
            if value._data.dtype != self._data.dtype:
                raise RuntimeError(
                    f"attempting to assign a gradient with dtype '{_cpp_name(value.dtype)}' to a "
                    f"tensor with grad_dtype '{_TYPE_NAMES.get(self.dtype.name)}'. The gradient "
                    "must match the tensor's grad_dtype (defaults to the tensor's dtype). You can "
                    "set the tensor's grad_dtype attribute with a specific dtype, or None to "
                    "allow any dtype. Set grad_dtype with caution. Diverging the dtypes of a "
                    "tensor and its gradient may break downstream systems that assume they "
                    "match.")
        self._grad = value

    @grad.deleter
    def grad(self):
        self._grad = None

    @property
    def grad_fn(self):
        return self._grad_fn

    @property
    def is_leaf(self):
        return self._grad_fn is None

    @property
    def output_nr(self):
        return self._output_nr

    @property
    def _version(self):
        """How many in-place writes this tensor's storage has seen (shared with its views and
        ``detach()``es; ``.data`` starts a fresh count), as PyTorch's ``t._version``."""
        return self._version_counter[0]

    @property
    def data(self):
        """The same storage, detached from the graph (own version counter, as in PyTorch)."""
        return Tensor._make(self._data)

    @data.setter
    def data(self, value):
        if not isinstance(value, Tensor):
            raise TypeError(f"data must be a Tensor, got {type(value).__name__}")
        self._data = value._data

    def retain_grad(self):
        """Keep ``.grad`` for this non-leaf tensor after backward."""
        if self._grad_fn is None:
            if not self._requires_grad:
                raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
            return
        if self._retains_grad:
            return
        fn = self._grad_fn
        if fn._retain is None:
            fn._retain = {}
        fn._retain[self._output_nr] = weakref.ref(self)
        self._retains_grad = True

    @property
    def retains_grad(self):
        return self._retains_grad

    def register_hook(self, hook):
        """``hook(grad)`` runs when this tensor's gradient is computed; may return a new grad."""
        if not self._requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self._grad_fn is not None:
            return self._grad_fn._add_tensor_hook(self._output_nr, hook)
        if self._hooks is None:
            self._hooks = []
        self._hooks.append(hook)
        return _function._RemovableHandle(self._hooks, hook)

    def register_post_accumulate_grad_hook(self, hook):
        if self._grad_fn is not None:
            raise RuntimeError("post accumulate grad hooks cannot be registered on non-leaf "
                               "tensors")
        if self._post_acc_hooks is None:
            self._post_acc_hooks = []
        self._post_acc_hooks.append(hook)
        return _function._RemovableHandle(self._post_acc_hooks, hook)

    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        """Accumulate the gradient of this tensor w.r.t. the graph leaves into their ``.grad``.

        Args:
            gradient (Tensor, optional): d(out)/d(self); required unless self has one element.
            retain_graph (bool, optional): keep saved tensors for another backward.
                Defaults to ``create_graph``.
            create_graph (bool): record the backward pass, for higher-order gradients.
            inputs (sequence of Tensor, optional): accumulate only into these.
        """
        if retain_graph is None:
            retain_graph = create_graph
        if inputs is not None:
            inputs = [inputs] if isinstance(inputs, Tensor) else list(inputs)
            if not inputs:
                raise RuntimeError("`inputs` argument to `backward()` cannot be empty.")
        _engine.run_backward([self], [gradient], retain_graph, create_graph, inputs=inputs,
                             accumulate=True)

    def _edge(self):
        fn = self._grad_fn
        if fn is not None:
            return (fn, self._output_nr)
        # The tensor holds its AccumulateGrad weakly (graphs hold it strongly), so a leaf and
        # its accumulator form no reference cycle.
        ref = self._accumulator
        acc = ref() if ref is not None else None
        if acc is None:
            acc = _function.AccumulateGrad(self)
            self._accumulator = weakref.ref(acc)
        return (acc, 0)

    def detach(self):
        """A new tensor on the same storage, cut from the graph."""
        t = Tensor._make(self._data)
        t._version_counter = self._version_counter
        return t

    def detach_(self):
        """Cut this tensor from the graph in place; views raise, as in PyTorch (their history
        is tied to their base's)."""
        if self._base is not None:
            raise RuntimeError(_DETACH_VIEW_ERROR)
        self._grad_fn = None
        self._requires_grad = False
        return self

    def _alias(self):
        """A new tensor object sharing data, version and autograd identity with self."""
        t = Tensor._make(self._data)
        t._version_counter = self._version_counter
        t._requires_grad = self._requires_grad
        t._grad_fn = self._grad_fn
        t._output_nr = self._output_nr
        return t

    # --- conversion ---------------------------------------------------------------------------
    def item(self):
        """The value of a one-element tensor as a Python number."""
        if self._data.size != 1:
            raise RuntimeError(f"a Tensor with {self._data.size} elements cannot be converted "
                               "to Scalar")
        return self._data.reshape(()).item()

    def tolist(self):
        return _to_host(self._data).tolist()

    def numpy(self, force=False):
        """The NumPy array behind this CPU tensor (shared memory)."""
        if self._requires_grad and not force:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. Use "
                               "tensor.detach().numpy() instead.")
        if not self.is_cpu:
            if force:
                return _to_host(self._data)
            raise TypeError(f"can't convert {self.device} device type tensor to numpy. Use "
                            "Tensor.cpu() to copy the tensor to host memory first.")
        return self._data

    # NumPy scalars on the left (np.float64(2) * t) defer to the Tensor's reflected operator,
    # as in PyTorch, instead of turning the tensor into an array.
    __array_priority__ = 1000

    def __array_wrap__(self, array, context=None, return_scalar=False):
        """NumPy ufuncs applied to a tensor (``np.sin(t)``) return a tensor, as in PyTorch."""
        if return_scalar:
            return array[()]
        return Tensor._make(array)

    def __array__(self, dtype=None, copy=None):
        """NumPy's array protocol (NumPy 2 signature): shares memory when it can."""
        if self._requires_grad:
            self.numpy()  # raises PyTorch's error
        a = _to_host(self._data)
        needs_copy = dtype is not None and a.dtype != dtype or a is not self._data
        if copy is False and needs_copy:
            raise ValueError("Unable to avoid copy while creating an array as requested.")
        if dtype is not None and a.dtype != dtype:
            return a.astype(dtype)
        return a.copy() if copy else a

    def __contains__(self, element):
        if isinstance(element, (Tensor, int, float, bool, complex, np.generic)):
            other = element._data if isinstance(element, Tensor) else element
            return bool((self._data == other).any())
        raise RuntimeError("Tensor.__contains__ only supports Tensor or scalar, but you passed "
                           f"in a {type(element)}.")

    def __reversed__(self):
        return self if self._data.ndim == 0 else self.flip(0)

    def __abs__(self):
        return self.abs()

    def new(self, *args, **kwargs):
        """The legacy ``x.new(*sizes)`` / ``x.new(data)``: same dtype and device as ``x``."""
        kwargs.setdefault("dtype", self.dtype)
        t = Tensor(*args, **kwargs)
        return t if t._data.dtype == self._data.dtype else t.to(self.dtype)

    def apply_(self, callable):
        """Apply a Python function to every element in place (CPU only, slow: a Python loop,
        as in PyTorch)."""
        if not self.is_cpu:
            raise TypeError("apply_ is only implemented on CPU tensors")
        flat = self._data.reshape(-1)
        vals = [callable(v) for v in flat.tolist()]
        self._data[...] = np.asarray(vals, dtype=self._data.dtype).reshape(self._data.shape)
        self._version_counter[0] += 1
        return self

    def __len__(self):
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __iter__(self):
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        unbind = getattr(self, "unbind", None)
        if unbind is None:  # before the shape family provides unbind
            return iter([self[i] for i in range(self._data.shape[0])])
        return iter(unbind(0))

    def __index__(self):
        if self._data.dtype.kind not in "iub" or self._data.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an "
                            "index")
        return int(self._data.reshape(()).item())

    def __bool__(self):
        if self._data.size != 1:
            many = "no values" if self._data.size == 0 else "more than one value"
            raise RuntimeError(f"Boolean value of Tensor with {many} is ambiguous")
        return bool(self._data.reshape(()).item())

    def _scalar(self):
        if self._data.size != 1:
            raise ValueError("only one element tensors can be converted to Python scalars")
        return self._data.reshape(()).item()

    def __int__(self):
        return int(self._scalar())

    def __float__(self):
        return float(self._scalar())

    def __complex__(self):
        return complex(self._scalar())

    def __format__(self, spec):
        if self._data.ndim == 0:
            return format(self.item(), spec)
        return object.__format__(self, spec)

    __hash__ = object.__hash__

    def __repr__(self):
        from ._tensor_str import tensor_repr

        return tensor_repr(self)

    def __reduce_ex__(self, protocol):
        # Pickling (multiprocessing, copy, ember.save with weights_only=False).
        return (_rebuild, (_to_host(self._data), self._requires_grad, self.device.type))

    def __deepcopy__(self, memo):
        if id(self) in memo:
            return memo[id(self)]
        if not self.is_leaf:
            raise RuntimeError("Only Tensors created explicitly by the user (graph leaves) "
                               "support the deepcopy protocol at the moment.")
        new = type(self).__new__(type(self))
        Tensor.__init_copy__(new, self._data.copy(), self._requires_grad)
        for k, v in self.__dict__.items():
            if k not in ("_accumulator", "_hooks"):
                import copy

                new.__dict__[k] = copy.deepcopy(v, memo)
        if self._grad is not None:
            new._grad = self._grad.__deepcopy__(memo)
        memo[id(self)] = new
        return new

    def __init_copy__(self, data, requires_grad):
        self._data = data
        self._requires_grad = requires_grad
        self._grad_fn = None
        self._output_nr = 0
        self._grad = None
        self._version_counter = [0]
        self._base = None

    def to(self, *args, **kwargs):
        """Cast and/or move: ``to(dtype)``, ``to(device)``, ``to(device, dtype)``,
        ``to(other)``; returns self when nothing changes (unless ``copy=True``).

        Example:
            >>> import ember
            >>> ember.tensor([1.5, 2.5]).to(ember.int64)
            tensor([1, 2])
        """
        if len(args) == 1 and not kwargs and args[0].__class__ is _dtype.dtype:
            dt = args[0]  # the common .to(dtype): no parsing
            if dt.np == self._data.dtype:
                return self
            from .ops.creation import _to_copy

            return _to_copy(self, dt, None)
        dt, dev = None, None
        copy = kwargs.pop("copy", False)
        kwargs.pop("non_blocking", None)
        kwargs.pop("memory_format", None)
        for i, a in enumerate(args + tuple(kwargs.values())):
            if a is None or (i > 0 and a.__class__ is bool):
                continue  # positional non_blocking / copy flags
            if isinstance(a, Tensor):
                dt, dev = a.dtype, a.device
            elif a.__class__ is _dtype.dtype:
                dt = a
            elif isinstance(a, device) or (isinstance(a, int) and not isinstance(a, bool)):
                dev = device(a)
            elif isinstance(a, str) and a not in _dtype._NAMES:
                dev = device(a)
            else:
                dt = _dtype.to_dtype(a)
        if dev is not None:
            if dev.type == "cuda":
                from .backends import cuda

                cuda._require()
            if dev == self.device:
                dev = None
        if dt is not None and dt.np == self._data.dtype:
            dt = None
        if dt is None and dev is None:
            return self.clone() if copy else self
        from .ops.creation import _to_copy

        return _to_copy(self, dt, dev)

    def cpu(self):
        return self.to(CPU)

    def cuda(self, device=None, non_blocking=False, memory_format=None):
        """A copy on a CUDA device; raises if no GPU backend (CuPy and a GPU) is available."""
        from .backends import cuda

        cuda._require()
        if device is None:
            device = device_cls("cuda", cuda.current_device())
        elif isinstance(device, int):
            device = device_cls("cuda", device)
        return self.to(device_cls(device))

    def float(self):
        return self.to(_dtype.float32)

    def double(self):
        return self.to(_dtype.float64)

    def half(self):
        return self.to(_dtype.float16)

    def long(self):
        return self.to(_dtype.int64)

    def int(self):
        return self.to(_dtype.int32)

    def short(self):
        return self.to(_dtype.int16)

    def char(self):
        return self.to(_dtype.int8)

    def byte(self):
        return self.to(_dtype.uint8)

    def bool(self):
        return self.to(_dtype.bool)

    def cfloat(self):
        return self.to(_dtype.complex64)

    def cdouble(self):
        return self.to(_dtype.complex128)

    def type_as(self, other):
        return self.to(other.dtype)

    def share_memory_(self):
        return self

    def is_shared(self):
        return False

    def pin_memory(self):
        return self

    def is_pinned(self):
        return False


device_cls = device
_DETACH_VIEW_ERROR = (
    "Can't detach views in-place. Use detach() instead. If you are using "
    "DistributedDataParallel (DDP) for training, and gradient_as_bucket_view is set as True, "
    "gradients are views of DDP buckets, and hence detach_() cannot be called on these "
    "gradients. To fix this error, please refer to the Optimizer.zero_grad() function in "
    "torch/optim/optimizer.py as the solution.")

_NONLEAF_GRAD_WARNING = (
    "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. Its .grad "
    "attribute won't be populated during autograd.backward(). If you indeed want the .grad "
    "field to be populated for a non-leaf Tensor, use .retain_grad() on the non-leaf Tensor. "
    "If you access the non-leaf Tensor by mistake, make sure you access the leaf Tensor "
    "instead. See github.com/pytorch/pytorch/pull/30531 for more information.")
_CPP_NAMES = {"float32": "float", "float64": "double", "float16": "c10::Half",
              "int64": "long int", "int32": "int", "int16": "short int", "int8": "signed char",
              "uint8": "unsigned char", "bool": "bool", "complex64": "c10::complex<float>",
              "complex128": "c10::complex<double>"}


def _cpp_name(dt):
    return _CPP_NAMES.get(dt.name, dt.name)


class _NamedConstant:
    """A module-level singleton shown as ``ember.<name>``."""

    __slots__ = ("name",)

    def __init__(self, name):
        self.name = name

    def __repr__(self):
        return "ember." + self.name


class layout(_NamedConstant):
    """A tensor memory layout; ember has only ``ember.strided``."""

    __slots__ = ()

    def __reduce__(self):
        return (_layout_by_name, (self.name,))


def _layout_by_name(name):
    return strided


strided = layout("strided")


class memory_format(_NamedConstant):
    """A memory layout request (``ember.contiguous_format``, ``ember.channels_last``, ...).

    ember stores tensors row-major; these are accepted where PyTorch takes them, and
    ``Tensor.is_contiguous(memory_format=...)`` answers for the tensor's actual strides.
    """

    __slots__ = ()

    def __reduce__(self):
        return (_memory_format_by_name, (self.name,))


def _memory_format_by_name(name):
    return _MEMORY_FORMATS[name]


contiguous_format = memory_format("contiguous_format")
preserve_format = memory_format("preserve_format")
channels_last = memory_format("channels_last")
channels_last_3d = memory_format("channels_last_3d")
_MEMORY_FORMATS = {m.name: m for m in (contiguous_format, preserve_format, channels_last,
                                       channels_last_3d)}
Tensor.__module__ = Size.__module__ = "ember"
_TYPE_NAMES = {"float32": "Float", "float64": "Double", "float16": "Half", "int64": "Long",
               "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte",
               "bool": "Bool", "complex64": "ComplexFloat", "complex128": "ComplexDouble"}
_new = object.__new__
_ndarray = np.ndarray
_generic = np.generic


def _to_host(a):
    return a if type(a) is np.ndarray else a.get()


def _rebuild(array, requires_grad, dev="cpu"):
    t = Tensor._make(array)
    if dev != "cpu":
        t._data = to_device(array, device(dev))
    t._requires_grad = requires_grad
    return t


_function._set_tensor_class(Tensor)

__all__ = ["Tensor", "Size", "get_array_module", "layout", "strided", "memory_format",
           "contiguous_format", "preserve_format", "channels_last", "channels_last_3d"]
