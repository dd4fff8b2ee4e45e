"""Switches for gradient recording: ``no_grad``, ``enable_grad``, ``set_grad_enabled``,
``inference_mode``. Each is a context manager and a decorator, as in PyTorch."""
import functools

__all__ = ["no_grad", "enable_grad", "set_grad_enabled", "inference_mode", "is_grad_enabled",
           "is_inference_mode_enabled"]

# A one-element list so hot paths read it without a function call: _state[0].
_state = [True]


def is_grad_enabled():
    """Whether operations are being recorded for autograd."""
    return _state[0]


class _Mode:
    _enabled = True

    def __enter__(self):
        self._prev = _state[0]
        _state[0] = self._enabled

    def __exit__(self, *exc):
        _state[0] = self._prev
        return False

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with self.__class__(*self._args()):
                return fn(*args, **kwargs)

        return wrapper

    def _args(self):
        return ()

    def clone(self):
        return self.__class__(*self._args())


class no_grad(_Mode):
    """Context manager / decorator that disables gradient recording.

    Example:
        >>> import ember
        >>> x = ember.ones(2, requires_grad=True)
        >>> with ember.no_grad():
        ...     y = x * 2
        >>> y.requires_grad
        False
    """

    _enabled = False


class enable_grad(_Mode):
    """Context manager / decorator that enables gradient recording."""

    _enabled = True


class set_grad_enabled(_Mode):
    """Enable or disable gradients; takes effect immediately, and as a context manager restores
    the previous mode on exit."""

    def __init__(self, mode):
        self._prev = _state[0]
        self._enabled = bool(mode)
        _state[0] = self._enabled

    def __enter__(self):
        pass

    def _args(self):
        return (self._enabled,)


class inference_mode(_Mode):
    """Like :class:`no_grad` (ember has no separate inference tensors)."""

    def __init__(self, mode=True):
        self._enabled = not mode
        self._mode = mode

    def _args(self):
        return (self._mode,)


def is_inference_mode_enabled():
    return False
