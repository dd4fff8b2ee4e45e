"""F functions: linear (being filled in)."""

__all__ = []
