"""Variable-length sequences for the recurrent layers: padding and packing.

A :class:`PackedSequence` stores a batch of sequences time step by time step: ``data`` holds
the rows of step 0 for every sequence, then the rows of step 1 for the sequences still running,
and so on; ``batch_sizes[t]`` says how many sequences take part in step ``t``. The sequences
are sorted by decreasing length (``sorted_indices`` maps the sorted order back to the caller's).

Packing and padding are single gather/scatter ops (no Python loop over sequences), so the
gradient flows back to the padded input.
"""
from collections import namedtuple

import numpy as np

from ... import ops as _eops
from ..._tensor import Tensor

__all__ = ["PackedSequence", "pack_padded_sequence", "pad_packed_sequence", "pad_sequence",
           "pack_sequence", "unpad_sequence", "unpack_sequence", "invert_permutation"]


class PackedSequence(namedtuple("PackedSequence_", ["data", "batch_sizes", "sorted_indices",
                                                    "unsorted_indices"])):
    """Holds the data and the per-step batch sizes of a packed batch of sequences.

    Build one with :func:`pack_padded_sequence` or :func:`pack_sequence`, never by hand.

    Attributes:
        data (Tensor): the packed rows, shape ``(sum(lengths), *)``.
        batch_sizes (Tensor): int64, the number of sequences at each time step.
        sorted_indices (Tensor, optional): the permutation that sorted the batch by length.
        unsorted_indices (Tensor, optional): its inverse.
    """

    __slots__ = ()

    def __new__(cls, data, batch_sizes=None, sorted_indices=None, unsorted_indices=None):
        if unsorted_indices is None:
            unsorted_indices = invert_permutation(sorted_indices)
        if batch_sizes is None:
            if not (isinstance(data, (list, tuple)) and len(data) == 2):
                raise AssertionError("Expected data to be a list or tuple of length 2")
            data, batch_sizes = data
        return super().__new__(cls, data, batch_sizes, sorted_indices, unsorted_indices)

    def to(self, *args, **kwargs):
        data = self.data.to(*args, **kwargs)
        if data is self.data:
            return self
        def move(t):
            return None if t is None else t.to(data.device)

        return type(self)(data, self.batch_sizes, move(self.sorted_indices),
                          move(self.unsorted_indices))

    def cuda(self, *args, **kwargs):
        return self.to("cuda")

    def cpu(self, *args, **kwargs):
        return self.to("cpu")

    def double(self):
        return self.to(dtype="float64")

    def float(self):
        return self.to(dtype="float32")

    def half(self):
        return self.to(dtype="float16")

    def pin_memory(self):
        return self

    @property
    def is_cuda(self):
        return self.data.is_cuda

    def is_pinned(self):
        return False


def invert_permutation(permutation):
    """The inverse of a permutation tensor (None stays None)."""
    if permutation is None:
        return None
    p = np.asarray(permutation)
    inv = np.empty_like(p)
    inv[p] = np.arange(p.size, dtype=p.dtype)
    return _long(inv)


def _long(a):
    return _eops.tensor(np.asarray(a, dtype=np.int64))


def _lengths_array(lengths):
    if isinstance(lengths, Tensor):
        return np.asarray(lengths.detach().cpu().numpy(), dtype=np.int64).reshape(-1)
    return np.asarray(lengths, dtype=np.int64).reshape(-1)


def _step_mask(lengths, max_len):
    """(max_len, batch) bool: sequence b takes part in step t."""
    return np.arange(max_len)[:, None] < lengths[None, :]


def pack_padded_sequence(input, lengths, batch_first=False, enforce_sorted=True):
    """Pack a padded batch of variable-length sequences.

    Args:
        input (Tensor): padded batch, ``(T, B, *)`` or ``(B, T, *)`` if ``batch_first``.
        lengths (Tensor or list of int): the length of each sequence.
        batch_first (bool): Default: ``False``.
        enforce_sorted (bool): if ``True``, ``lengths`` must be in decreasing order; if
            ``False``, the batch is sorted here and ``sorted_indices`` records how.
            Default: ``True``.

    Returns:
        PackedSequence

    Example:
        >>> import ember
        >>> from ember.nn.utils.rnn import pack_padded_sequence
        >>> x = ember.tensor([[1., 2.], [3., 0.]])  # (B=2, T=2), second sequence has length 1
        >>> p = pack_padded_sequence(x, [2, 1], batch_first=True)
        >>> p.data, p.batch_sizes
        (tensor([1., 3., 2.]), tensor([2, 1]))
    """
    lens = _lengths_array(lengths)
    batch = input.shape[0 if batch_first else 1]
    if lens.size != batch:
        raise RuntimeError(f"Expected `len(lengths)` to be equal to batch_size, but got "
                           f"{lens.size} (batch_size={batch})")
    sorted_indices = None
    if enforce_sorted:
        if lens.size > 1 and np.any(lens[:-1] < lens[1:]):
            raise RuntimeError(
                "`lengths` array must be sorted in decreasing order when `enforce_sorted` is "
                "True. You can pass `enforce_sorted=False` to pack_padded_sequence and/or "
                "pack_sequence to sidestep this requirement if you do not need ONNX "
                "exportability.")
    else:
        order = np.argsort(-lens, kind="stable")
        lens = lens[order]
        sorted_indices = _long(order)
        input = input[:, sorted_indices] if not batch_first else input[sorted_indices]
    if lens.size and lens.min() <= 0:
        raise RuntimeError("Length of all samples has to be greater than 0, but found an "
                           "element in 'lengths' that is <= 0")
    steps = input.shape[1 if batch_first else 0]
    if lens.size and lens.max() > steps:
        raise RuntimeError(f"Expected sequence length to be at most {steps}, but got "
                           f"{int(lens.max())}")
    if batch_first:
        input = input.transpose(0, 1)
    mask = _step_mask(lens, int(lens.max()) if lens.size else 0)
    data = input[: mask.shape[0]][_eops.tensor(mask)]
    batch_sizes = _long(mask.sum(1))
    return PackedSequence(data, batch_sizes, sorted_indices, None)


def _fill_rows(shape, mask, data, padding_value):
    """A ``shape`` tensor of ``padding_value`` with ``data``'s rows written where ``mask`` (the
    leading dims) is True, in row-major order: one scatter, differentiable in ``data``."""
    base = _eops.full(shape, padding_value, dtype=data.dtype, device=data.device)
    return _eops.index_put(base, (_eops.tensor(mask),), data)


def pad_packed_sequence(sequence, batch_first=False, padding_value=0.0, total_length=None):
    """Undo :func:`pack_padded_sequence`: a padded batch and the lengths.

    Args:
        sequence (PackedSequence): the batch to pad.
        batch_first (bool): return ``(B, T, *)`` instead of ``(T, B, *)``. Default: ``False``.
        padding_value (float): value of the padded positions. Default: ``0.0``.
        total_length (int, optional): pad to this many steps (at least the longest length).

    Returns:
        (Tensor, Tensor): the padded batch, and the int64 lengths in the caller's order.
    """
    bs = _lengths_array(sequence.batch_sizes)
    steps = bs.size
    if total_length is not None:
        if total_length < steps:
            raise ValueError(
                "Expected total_length to be at least the length of the longest sequence in "
                f"input, but got total_length={total_length} and max sequence length being "
                f"{steps}")
        steps = total_length
    batch = int(bs[0]) if bs.size else 0
    lens = (np.arange(batch)[:, None] < bs[None, :]).sum(1)
    mask = _step_mask(lens, steps)
    data = sequence.data
    padded = _fill_rows((steps, batch) + tuple(data.shape[1:]), mask, data, padding_value)
    lengths = _long(lens)
    if sequence.unsorted_indices is not None:
        padded = padded[:, sequence.unsorted_indices]
        lengths = lengths[sequence.unsorted_indices]
    if batch_first:
        padded = padded.transpose(0, 1)
    return padded, lengths


def pad_sequence(sequences, batch_first=False, padding_value=0.0, padding_side="right"):
    """Stack variable-length sequences ``(L_i, *)`` into one padded tensor.

    Args:
        sequences (list of Tensor): the sequences.
        batch_first (bool): output ``(B, T, *)`` instead of ``(T, B, *)``. Default: ``False``.
        padding_value (float): Default: ``0.0``.
        padding_side (str): ``'right'`` or ``'left'``. Default: ``'right'``.

    Example:
        >>> import ember
        >>> from ember.nn.utils.rnn import pad_sequence
        >>> pad_sequence([ember.ones(2), ember.ones(1)], batch_first=True)
        tensor([[1., 1.],
                [1., 0.]])
    """
    if isinstance(sequences, Tensor):
        sequences = list(sequences.unbind(0))
    sequences = list(sequences)
    if padding_side not in ("left", "right"):
        raise RuntimeError(f"Expected padding_side to be one of left or right, but got "
                           f"{padding_side}.")
    if not sequences:
        raise RuntimeError("received an empty list of sequences")
    trail = tuple(sequences[0].shape[1:])
    for s in sequences[1:]:
        if tuple(s.shape[1:]) != trail:
            i = next(k for k, (a, b) in enumerate(zip(trail, s.shape[1:])) if a != b) \
                if len(s.shape) == len(trail) + 1 else 0
            a, b = (trail[i], s.shape[1 + i]) if len(s.shape) == len(trail) + 1 else (0, 0)
            raise RuntimeError(f"The size of tensor a ({a}) must match the size of tensor b "
                               f"({b}) at non-singleton dimension {i + 1}")
    lens = np.array([s.shape[0] for s in sequences], dtype=np.int64)
    steps = int(lens.max())
    mask = _step_mask(lens, steps).T  # (B, T)
    if padding_side == "left":
        mask = mask[:, ::-1].copy()
    out = _fill_rows((len(sequences), steps) + trail, mask, _eops.cat(sequences, 0),
                     padding_value)
    return out if batch_first else out.transpose(0, 1)


def unpad_sequence(padded_sequences, lengths, batch_first=False):
    """Split a padded batch back into a list of sequences of the given lengths."""
    if not batch_first:
        padded_sequences = padded_sequences.transpose(0, 1)
    lens = _lengths_array(lengths)
    return [padded_sequences[i, : int(n)] for i, n in enumerate(lens)]


def pack_sequence(sequences, enforce_sorted=True):
    """Pack a list of variable-length sequences (``pad_sequence`` + ``pack_padded_sequence``)."""
    lengths = [s.shape[0] for s in sequences]
    return pack_padded_sequence(pad_sequence(sequences), lengths, enforce_sorted=enforce_sorted)


def unpack_sequence(packed_sequences):
    """Unpack a PackedSequence into the list of its sequences."""
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lengths, batch_first=True)
