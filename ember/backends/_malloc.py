"""Keep freed array memory mapped in the process (glibc's malloc), so eager steps stop faulting.

Why: an eager training step allocates and frees the same multi-megabyte arrays every step
(im2col matrices, activations, their gradients). With glibc's defaults, freed memory at the top
of the heap is handed back to the kernel once it exceeds a small trim threshold, and the next
step faults every page in again, zero-filled: measured on the seed CNN's training step, 4,300
page faults and ~4 ms of a 35 ms step (DCGAN generator: 5,700 faults, ~10 ms). PyTorch avoids
this with its own caching allocator; ember raises glibc's thresholds once at import instead:
allocations up to 32 MiB come from the heap (glibc's own dynamic ceiling), and up to 256 MiB
of free heap top stays mapped.

A user who tunes glibc's malloc through ``MALLOC_*_`` environment variables is left alone, as
is every platform without glibc (a preloaded jemalloc/tcmalloc never reads these settings).
"""
import os

__all__ = []

_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD = 32 << 20
TRIM_THRESHOLD = 256 << 20


def _tune():
    """Set the two thresholds; True if glibc's ``mallopt`` accepted both."""
    if any(k.startswith("MALLOC_") and k.endswith("_") for k in os.environ):
        return False
    try:
        import ctypes

        libc = ctypes.CDLL(None)
        mallopt = libc.mallopt
        libc.gnu_get_libc_version  # glibc only: musl has no such symbol  # noqa: B018
    except Exception:  # no ctypes, no glibc (macOS, musl, Windows): leave malloc alone
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    # the mmap threshold first: setting either one turns glibc's dynamic adjustment off
    return bool(mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and \
        bool(mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD))


TUNED = _tune()
