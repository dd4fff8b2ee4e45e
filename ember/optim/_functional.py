"""In-place array helpers shared by the optimizers (PyTorch's ``lerp_``/``addcmul_`` rounding)."""
from ..backends import get_array_module

__all__ = ["lerp_", "ema_sq_", "addcdiv_", "check_range"]


def lerp_(a, b, w):
    """``a += w * (b - a)`` in place, with PyTorch's two-sided formula (exact at w = 1)."""
    diff = b - a
    if abs(w) < 0.5:
        diff *= w
        a += diff
    else:
        diff *= 1.0 - w
        get_array_module(a).subtract(b, diff, out=a)
    return a


def ema_sq_(avg, g, beta):
    """``avg = beta * avg + (1 - beta) * g**2`` in place (``mul_(beta).addcmul_(g, g, 1-beta)``)."""
    avg *= beta
    sq = g * g
    sq *= 1.0 - beta
    avg += sq
    return avg


def addcdiv_(p, num, den, value):
    """``p += value * num / den`` in place; ``den`` is overwritten (it is a temporary)."""
    xp = get_array_module(p)
    xp.divide(num, den, out=den)
    den *= value
    p += den
    return p


def check_range(name, value, low=0.0, high=None, label=None):
    """Raise PyTorch's ``ValueError('Invalid <label>: <value>')`` outside [low, high)."""
    label = label or f"{name} value"
    if value < low or (high is not None and value >= high):
        raise ValueError(f"Invalid {label}: {value}")
