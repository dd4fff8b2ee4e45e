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
           "Adagrad", "Adadelta", "LBFGS", "lr_scheduler"]


def __getattr__(name):
    # the schedulers (three modules) load on first use, keeping `import ember` fast
    if name == "lr_scheduler":
        import importlib

        return importlib.import_module(".lr_scheduler", __name__)
    raise AttributeError(f"module 'ember.optim' has no attribute '{name}'")
