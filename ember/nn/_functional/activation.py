"""F functions: activation (being filled in)."""

__all__ = []
