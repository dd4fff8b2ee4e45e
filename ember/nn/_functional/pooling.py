"""F functions: pooling (being filled in)."""

__all__ = []
