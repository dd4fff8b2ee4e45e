"""nn.utils."""
from . import rnn  # noqa: F401,E402
