"""F functions: loss (being filled in)."""

__all__ = []
