"""F functions: vision (being filled in)."""

__all__ = []
