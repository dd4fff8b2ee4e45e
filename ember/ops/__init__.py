"""The differentiable primitives of ember, one module per family.

Each module defines its functions, lists them in ``__all__``, and attaches its Tensor methods
at import. This package re-exports every family's public functions.
"""
from . import (compare, creation, elementwise, indexing, linalg, movement, random, reduce,  # noqa: F401
               selection)
from .compare import *  # noqa: F401,F403
from .creation import *  # noqa: F401,F403
from .elementwise import *  # noqa: F401,F403
from .indexing import *  # noqa: F401,F403
from .linalg import *  # noqa: F401,F403
from .movement import *  # noqa: F401,F403
from .random import *  # noqa: F401,F403
from .reduce import *  # noqa: F401,F403
from .selection import *  # noqa: F401,F403

__all__ = (compare.__all__ + creation.__all__ + elementwise.__all__ + indexing.__all__ + linalg.__all__
           + movement.__all__ + random.__all__ + reduce.__all__ + selection.__all__)
