"""F functions: conv (being filled in)."""

__all__ = []
