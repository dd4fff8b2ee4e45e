"""F functions: sparse (being filled in)."""

__all__ = []
