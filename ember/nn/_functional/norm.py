"""F functions: norm (being filled in)."""

__all__ = []
