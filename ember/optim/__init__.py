"""Optimizers (``ember.optim``) and learning-rate schedules (``ember.optim.lr_scheduler``)."""
from .adadelta import Adadelta
from .adagrad import Adagrad
from .adam import Adam, AdamW
from .adamax import Adamax
from .lbfgs import LBFGS
from .nadam import NAdam
from .optimizer import Optimizer
from .radam import RAdam
from .rmsprop import RMSprop
from .sgd import SGD

__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "Adamax", "NAdam", "RAdam", "RMSprop",
           "Adagrad", "Adadelta", "LBFGS", "lr_scheduler", "swa_utils"]


def __getattr__(name):
    # the schedulers (three modules) and weight averaging load on first use (fast import)
    if name in ("lr_scheduler", "swa_utils"):
        import importlib

        return importlib.import_module("." + name, __name__)
    raise AttributeError(f"module 'ember.optim' has no attribute '{name}'")
