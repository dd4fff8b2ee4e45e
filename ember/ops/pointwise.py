"""pointwise primitives (being filled in)."""

__all__ = []
