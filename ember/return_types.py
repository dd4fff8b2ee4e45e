"""Named tuples returned by ops with several outputs, as ``torch.return_types``.

Each is a tuple subclass (unpacking and indexing work) with named fields, printed like
PyTorch's: ``ember.return_types.max(values=..., indices=...)``.
"""
from collections import namedtuple

__all__ = ["max", "min", "median", "nanmedian", "mode", "kthvalue", "sort", "topk", "cummax",
           "cummin", "aminmax", "var_mean", "std_mean", "unique", "frexp", "slogdet", "qr",
           "svd", "eigh", "lu_unpack"]


def _struct(name, fields):
    base = namedtuple(name, fields)

    def __repr__(self):
        body = ",\n".join(f"{f}={v!r}" for f, v in zip(self._fields, self))
        return f"ember.return_types.{name}(\n{body})"

    cls = type(name, (base,), {"__slots__": (), "__repr__": __repr__,
                               "__module__": "ember.return_types"})
    cls.__qualname__ = name
    return cls


_VI = ("values", "indices")
max = _struct("max", _VI)
min = _struct("min", _VI)
median = _struct("median", _VI)
nanmedian = _struct("nanmedian", _VI)
mode = _struct("mode", _VI)
kthvalue = _struct("kthvalue", _VI)
sort = _struct("sort", _VI)
topk = _struct("topk", _VI)
cummax = _struct("cummax", _VI)
cummin = _struct("cummin", _VI)
aminmax = _struct("aminmax", ("min", "max"))
var_mean = _struct("var_mean", ("var", "mean"))   # PyTorch returns plain tuples for these two;
std_mean = _struct("std_mean", ("std", "mean"))   # kept for code that names the fields
unique = _struct("unique", ("values", "inverse", "counts"))
frexp = _struct("frexp", ("mantissa", "exponent"))
slogdet = _struct("slogdet", ("sign", "logabsdet"))
qr = _struct("qr", ("Q", "R"))
svd = _struct("svd", ("U", "S", "Vh"))
eigh = _struct("eigh", ("eigenvalues", "eigenvectors"))
lu_unpack = _struct("lu_unpack", ("P", "L", "U"))
