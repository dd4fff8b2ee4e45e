"""``ember run script.py [args]``: run an unmodified PyTorch script on ember.

Imports of ``torch.*`` and ``torchvision.*`` are served by ``ember.*`` and ``ember.vision.*``.
An attribute ember lacks raises an error naming the missing PyTorch API.
"""
import importlib
import importlib.abc
import importlib.util
import runpy
import sys
import types

_MAP = {"torch": "ember", "torchvision": "ember.vision"}
_SUB = {"torch.utils.data": "ember.utils.data", "torchvision.utils": "ember.vision.utils",
        "torch.nn.functional": "ember.nn.functional", "torch.optim": "ember.optim"}


def add_parser(sub):
    p = sub.add_parser("run", help="run a PyTorch script with torch served by ember")
    p.add_argument("script")
    p.add_argument("script_args", nargs="...")
    p.add_argument("--debug", action="store_true")
    p.set_defaults(func=run)


class MissingAPI(AttributeError):
    pass


class _Alias(types.ModuleType):
    """A module named like PyTorch's that forwards attribute access to an ember module."""

    def __init__(self, torch_name, target):
        super().__init__(torch_name)
        self.__dict__["_target"] = target
        self.__dict__["__path__"] = []
        self.__dict__["__file__"] = getattr(target, "__file__", None)

    def __getattr__(self, name):
        target = self.__dict__["_target"]
        try:
            return getattr(target, name)
        except AttributeError:
            pass
        try:
            return importlib.import_module(f"{self.__name__}.{name}")
        except ImportError:
            raise MissingAPI(f"ember does not implement the PyTorch API "
                             f"'{self.__name__}.{name}'") from None

    def __dir__(self):
        return dir(self.__dict__["_target"])


def _ember_name(torch_name):
    if torch_name in _SUB:
        return _SUB[torch_name]
    root, _, rest = torch_name.partition(".")
    return _MAP[root] + ("." + rest if rest else "")


class _Finder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def find_spec(self, fullname, path=None, target=None):
        if fullname.split(".")[0] in _MAP:
            return importlib.util.spec_from_loader(fullname, self)
        return None

    def create_module(self, spec):
        name = _ember_name(spec.name)
        try:
            target = importlib.import_module(name)
        except ImportError:
            raise ImportError(f"ember does not implement the PyTorch module '{spec.name}' "
                              f"(looked for {name})") from None
        return _Alias(spec.name, target)

    def exec_module(self, module):
        pass


def install():
    """Serve ``import torch`` / ``import torchvision`` from ember in this process."""
    for k in list(sys.modules):
        if k.split(".")[0] in _MAP:
            del sys.modules[k]
    sys.meta_path.insert(0, _Finder())


def run(args):
    install()
    sys.argv = [args.script] + list(args.script_args)
    try:
        runpy.run_path(args.script, run_name="__main__")
    except MissingAPI as e:
        print(f"ember run: {e}", file=sys.stderr)
        return 3
    except SystemExit as e:
        return e.code if isinstance(e.code, int) else 0
    return 0
