"""``ember.backends.cudnn``: settable flags that real PyTorch programs touch.

ember's CUDA backend (CuPy) reads none of them yet; they exist so that programs written for
PyTorch run unchanged.
"""
benchmark = False
deterministic = False
enabled = True
allow_tf32 = True


def is_available():
    """Whether cuDNN can be used (False: ember does not call cuDNN)."""
    return False


def version():
    return None
