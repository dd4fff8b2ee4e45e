"""``ember.autograd.graph``: the graph node type, saved-tensor hooks and version bumps."""
import contextlib

from . import function as _function
from .function import Node

__all__ = ["Node", "saved_tensors_hooks", "save_on_cpu", "disable_saved_tensors_hooks",
           "increment_version"]

_disabled = [None]  # the error message while saved-tensor hooks are disabled


class saved_tensors_hooks:
    """Context manager: tensors saved for backward inside it go through ``pack_hook`` when
    saved and ``unpack_hook`` when backward reads them (activation offloading, compression).

    Args:
        pack_hook (callable): ``pack_hook(tensor) -> anything``.
        unpack_hook (callable): ``unpack_hook(packed) -> tensor`` (same values as the saved
            tensor).

    Example:
        >>> import ember
        >>> x = ember.ones(2, requires_grad=True)
        >>> seen = []
        >>> with ember.autograd.graph.saved_tensors_hooks(lambda t: seen.append(1) or t,
        ...                                             lambda t: t):
        ...     y = (x * x).sum()
        >>> y.backward(); len(seen), x.grad
        (2, tensor([2., 2.]))
    """

    def __init__(self, pack_hook, unpack_hook):
        self.pack_hook = pack_hook
        self.unpack_hook = unpack_hook

    def __enter__(self):
        if _disabled[0] is not None:
            raise RuntimeError(_disabled[0])
        _function._saved_hooks.append((self.pack_hook, self.unpack_hook))

    def __exit__(self, *exc):
        _function._saved_hooks.pop()


class save_on_cpu(saved_tensors_hooks):
    """Saved tensors are kept on the CPU and moved back to their device for backward."""

    def __init__(self, pin_memory=False, device_type="cuda"):
        super().__init__(lambda t: (t.device, t.cpu()), lambda p: p[1].to(p[0]))


@contextlib.contextmanager
def disable_saved_tensors_hooks(error_message):
    """Inside this block, entering :class:`saved_tensors_hooks` raises ``error_message``."""
    prev = _disabled[0]
    _disabled[0] = error_message
    try:
        yield
    finally:
        _disabled[0] = prev


def increment_version(tensor):
    """Bump the version counter of ``tensor`` (or of each tensor in an iterable), as an
    in-place write would."""
    for t in ([tensor] if hasattr(tensor, "_version_counter") else tensor):
        t._version_counter[0] += 1
