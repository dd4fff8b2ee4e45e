"""F functions: attention (being filled in)."""

__all__ = []
