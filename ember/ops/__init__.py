"""The differentiable primitives of ember, one module per family.

Each module defines its functions, lists them in ``__all__``, and attaches its Tensor methods
at import. This package re-exports every family's public functions.
"""
import sys as _sys

from . import (compare, creation, elementwise, indexing, linalg, movement,  # noqa: F401
               pointwise, random, reduce, selection, shape, softmax, sorting)
from .compare import *  # noqa: F401,F403
from .creation import *  # noqa: F401,F403
from .elementwise import *  # noqa: F401,F403
from .indexing import *  # noqa: F401,F403
from .linalg import *  # noqa: F401,F403
from .movement import *  # noqa: F401,F403
from .pointwise import *  # noqa: F401,F403
from .random import *  # noqa: F401,F403
from .reduce import *  # noqa: F401,F403
from .selection import *  # noqa: F401,F403
from .shape import *  # noqa: F401,F403
from .softmax import *  # noqa: F401,F403
from .sorting import *  # noqa: F401,F403

# By module name: a family may export a function named like itself (``softmax``), which
# shadows the module in this namespace after the star imports.
__all__ = []
for _name in ("compare", "creation", "elementwise", "indexing", "linalg", "movement",
              "pointwise", "random", "reduce", "selection", "shape", "softmax", "sorting"):
    __all__ += _sys.modules[f"{__name__}.{_name}"].__all__
