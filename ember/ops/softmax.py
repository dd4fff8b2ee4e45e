"""softmax primitives (being filled in)."""

__all__ = []
