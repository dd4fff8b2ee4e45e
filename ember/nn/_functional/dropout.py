"""F functions: dropout (being filled in)."""

__all__ = []
