"""Switches for gradient recording: ``no_grad``, ``enable_grad``, ``set_grad_enabled``,
``inference_mode``. Each is a context manager and a decorator (also bare, ``@no_grad``, as
PyTorch 2 allows), and decorated generators run every step in the mode. The mode belongs to
the thread that sets it, as in PyTorch: a new thread starts with gradients enabled."""
import functools
import inspect
import threading

__all__ = ["no_grad", "enable_grad", "set_grad_enabled", "inference_mode", "is_grad_enabled",
           "is_inference_mode_enabled"]


class _GradState(threading.local):
    """The grad-mode switches, one set per thread as in PyTorch: a thread started inside
    ``no_grad()`` records gradients, and ``set_grad_enabled(False)`` in one thread leaves the
    others alone. The class attributes are each new thread's defaults. Hot paths read
    ``_state.enabled`` directly (a C-level attribute read, no function call)."""

    enabled = True
    inference = False

    # The older spelling ``_state[0]`` (a few modules still use it) reads and writes ``enabled``.
    def __getitem__(self, i):
        return self.enabled

    def __setitem__(self, i, value):
        self.enabled = value


_state = _GradState()


def is_grad_enabled():
    """Whether operations are being recorded for autograd (in this thread)."""
    return _state.enabled


def is_inference_mode_enabled():
    """Whether an ``inference_mode()`` block is active (in this thread)."""
    return _state.inference


class _Mode:
    """Base: subclasses say which grad mode they switch to (``_enabled``)."""

    _enabled = True
    _inference_flag = None

    def __new__(cls, orig_func=None, *args, **kwargs):
        # bare @no_grad: the class is called with the function itself
        if orig_func is not None and callable(orig_func) and not isinstance(orig_func, bool):
            return cls()(orig_func)
        return super().__new__(cls)

    def __init__(self, orig_func=None):
        pass

    def __enter__(self):
        self._prev = _state.enabled
        _state.enabled = self._enabled
        if self._inference_flag is not None:
            self._prev_inf = _state.inference
            _state.inference = self._inference_flag

    def __exit__(self, *exc):
        _state.enabled = self._prev
        if self._inference_flag is not None:
            _state.inference = self._prev_inf
        return False

    def __call__(self, fn):
        mode = self

        if inspect.isgeneratorfunction(fn):
            @functools.wraps(fn)
            def gen_wrapper(*args, **kwargs):
                gen = fn(*args, **kwargs)
                with mode.clone():
                    response = gen.send(None)
                while True:
                    try:
                        request = yield response
                    except GeneratorExit:
                        with mode.clone():
                            gen.close()
                        raise
                    except BaseException as e:
                        with mode.clone():
                            response = gen.throw(e)
                    else:
                        with mode.clone():
                            try:
                                response = gen.send(request)
                            except StopIteration as stop:
                                return stop.value

            return gen_wrapper

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with mode.clone():
                return fn(*args, **kwargs)

        return wrapper

    def clone(self):
        return self.__class__()


class no_grad(_Mode):
    """Context manager / decorator that disables gradient recording.

    Example:
        >>> import ember
        >>> x = ember.ones(2, requires_grad=True)
        >>> with ember.no_grad():
        ...     y = x * 2
        >>> y.requires_grad
        False
        >>> @ember.no_grad
        ... def double(t):
        ...     return t * 2
        >>> double(x).requires_grad
        False
    """

    _enabled = False


class enable_grad(_Mode):
    """Context manager / decorator that enables gradient recording (inside ``no_grad``)."""

    _enabled = True


class set_grad_enabled(_Mode):
    """Enable or disable gradients. Takes effect immediately when called; as a context manager
    it restores the previous mode on exit, as a decorator it applies to each call.

    Args:
        mode (bool): whether to record operations.
    """

    def __new__(cls, mode):
        return object.__new__(cls)

    def __init__(self, mode):
        self._prev = _state.enabled
        self._enabled = bool(mode)
        _state.enabled = self._enabled

    def __enter__(self):
        pass

    def __call__(self, fn):
        _state.enabled = self._prev  # used as a decorator: undo the immediate switch
        return super().__call__(fn)

    def clone(self):
        prev = _state.enabled
        c = self.__class__(self._enabled)
        _state.enabled = prev
        return _Restoring(c._enabled)


class _Restoring(_Mode):
    def __new__(cls, enabled):
        return object.__new__(cls)

    def __init__(self, enabled):
        self._enabled = enabled


class inference_mode(_Mode):
    """Like :class:`no_grad` (ember has no separate inference tensors); ``mode=False`` makes
    it a no-op, as in PyTorch.

    Args:
        mode (bool): enable (default True) or not.
    """

    def __new__(cls, mode=True):
        if not isinstance(mode, bool) and callable(mode):
            return cls()(mode)
        return object.__new__(cls)

    def __init__(self, mode=True):
        self._mode = mode

    def __enter__(self):
        self._prev = _state.enabled
        self._prev_inf = _state.inference
        if self._mode:
            _state.enabled = False
            _state.inference = True

    def __exit__(self, *exc):
        _state.enabled = self._prev
        _state.inference = self._prev_inf
        return False

    def clone(self):
        return self.__class__(self._mode)
