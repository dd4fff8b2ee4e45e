"""``ember.nn.functional``: the math behind the layers, as functions.

The functions live in ``ember/nn/_functional/`` by family and are re-exported here.
"""
from ._functional.activation import *  # noqa: F401,F403
from ._functional.conv import *  # noqa: F401,F403
from ._functional.dropout import *  # noqa: F401,F403
from ._functional.linear import *  # noqa: F401,F403
from ._functional.loss import *  # noqa: F401,F403
from ._functional.norm import *  # noqa: F401,F403
from ._functional.pooling import *  # noqa: F401,F403
from ._functional.sparse import *  # noqa: F401,F403
from ._functional.attention import *  # noqa: F401,F403
from ._functional.vision import *  # noqa: F401,F403
