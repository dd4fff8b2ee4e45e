"""``ember.backends.mps``: Apple's Metal backend, which ember does not have."""


def is_available():
    """Always False: ember runs on NumPy (CPU) and CuPy (CUDA)."""
    return False


def is_built():
    return False
