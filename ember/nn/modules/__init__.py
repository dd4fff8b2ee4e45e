"""Layers, one file per family (as in PyTorch: ``ember.nn.modules.conv.Conv2d``)."""
from .module import Module  # noqa: F401
from .loss import *  # noqa: F401,F403
