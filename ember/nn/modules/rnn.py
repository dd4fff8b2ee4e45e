"""Recurrent layers: RNN (tanh/relu), LSTM, GRU and their single-step cells.

Parameter names, shapes and gate order are PyTorch's (``weight_ih_l0``, ``weight_hh_l0_reverse``,
gates i, f, g, o for LSTM and r, z, n for GRU), so a PyTorch ``state_dict`` loads unchanged.
The time loop lives in ``_rnn_loop.py``; the fused primitives in ``ember/ops/_rnn_layer.py``
(a whole full-batch sequence) and ``ember/ops/_rnn_seq.py`` (one step).
"""
import math
import numbers
import warnings

from ... import ops as _eops
from ...ops import _rnn_seq
from .. import functional as F
from .. import init
from ..parameter import Parameter
from ..utils.rnn import PackedSequence
from . import _rnn_loop
from .module import Module

__all__ = ["RNNBase", "RNN", "LSTM", "GRU", "RNNCellBase", "RNNCell", "LSTMCell", "GRUCell"]

_GATES = {"LSTM": 4, "GRU": 3, "RNN_TANH": 1, "RNN_RELU": 1}


def _empty(*shape, factory):
    return Parameter(_eops.empty(*shape, **factory))


class RNNBase(Module):
    """Base class of RNN, LSTM and GRU: parameters, checks and the shared forward.

    Args:
        mode (str): ``'LSTM'``, ``'GRU'``, ``'RNN_TANH'`` or ``'RNN_RELU'``.
        input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
        proj_size: see :class:`LSTM`.
    """

    def __init__(self, mode, input_size, hidden_size, num_layers=1, bias=True,
                 batch_first=False, dropout=0.0, bidirectional=False, proj_size=0,
                 device=None, dtype=None):
        super().__init__()
        _check_args(mode, input_size, hidden_size, num_layers, bias, batch_first, dropout,
                    proj_size)
        self.mode = mode
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bias = bias
        self.batch_first = batch_first
        self.dropout = float(dropout)
        self.bidirectional = bidirectional
        self.proj_size = proj_size
        factory = {"device": device, "dtype": dtype}
        gate_size = _GATES[mode] * hidden_size
        real_hidden = proj_size if proj_size > 0 else hidden_size
        dirs = 2 if bidirectional else 1
        self._flat_weights_names = []
        self._all_weights = []
        for layer in range(num_layers):
            for direction in range(dirs):
                in_size = input_size if layer == 0 else real_hidden * dirs
                suffix = "_reverse" if direction == 1 else ""
                names = [f"weight_ih_l{layer}{suffix}", f"weight_hh_l{layer}{suffix}"]
                shapes = [(gate_size, in_size), (gate_size, real_hidden)]
                if bias:
                    names += [f"bias_ih_l{layer}{suffix}", f"bias_hh_l{layer}{suffix}"]
                    shapes += [(gate_size,), (gate_size,)]
                if proj_size > 0:
                    names.append(f"weight_hr_l{layer}{suffix}")
                    shapes.append((proj_size, hidden_size))
                for name, shape in zip(names, shapes):
                    setattr(self, name, _empty(*shape, factory=factory))
                self._flat_weights_names.extend(names)
                self._all_weights.append(names)
        self.reset_parameters()

    def reset_parameters(self):
        """Every weight and bias ~ U(-1/sqrt(hidden_size), 1/sqrt(hidden_size))."""
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for w in self.parameters():
            init.uniform_(w, -stdv, stdv)

    def flatten_parameters(self):
        """A no-op (PyTorch compacts weights for cuDNN here)."""

    @property
    def _flat_weights(self):
        return [getattr(self, n, None) for n in self._flat_weights_names]

    @property
    def all_weights(self):
        return [[getattr(self, n) for n in names] for names in self._all_weights]

    def extra_repr(self):
        s = "{input_size}, {hidden_size}"
        if self.proj_size != 0:
            s += ", proj_size={proj_size}"
        if self.num_layers != 1:
            s += ", num_layers={num_layers}"
        if self.bias is not True:
            s += ", bias={bias}"
        if self.batch_first is not False:
            s += ", batch_first={batch_first}"
        if self.dropout != 0:
            s += ", dropout={dropout}"
        if self.bidirectional is not False:
            s += ", bidirectional={bidirectional}"
        return s.format(**self.__dict__)

    # --- checks --------------------------------------------------------------------------------
    def check_input(self, input, batch_sizes):
        w = self._flat_weights[0]
        if input.dtype != w.dtype:
            raise ValueError(f"RNN input dtype ({_tn(input.dtype)}) does not match weight dtype "
                             f"({_tn(w.dtype)}). Convert input: input.to({_tn(w.dtype)}), or "
                             f"convert model: model.to({_tn(input.dtype)})")
        expected = 2 if batch_sizes is not None else 3
        if input.dim() != expected:
            raise RuntimeError(f"input must have {expected} dimensions, got {input.dim()}")
        if self.input_size != input.size(-1):
            raise RuntimeError(f"input.size(-1) must be equal to input_size. Expected "
                               f"{self.input_size}, got {input.size(-1)}")

    def get_expected_hidden_size(self, input, batch_sizes):
        if batch_sizes is not None:
            mini_batch = int(batch_sizes[0])
        else:
            mini_batch = input.size(0) if self.batch_first else input.size(1)
        dirs = 2 if self.bidirectional else 1
        size = self.proj_size if self.proj_size > 0 else self.hidden_size
        return (self.num_layers * dirs, mini_batch, size)

    def check_hidden_size(self, hx, expected, msg="Expected hidden size {}, got {}"):
        if tuple(hx.size()) != tuple(expected):
            raise RuntimeError(msg.format(tuple(expected), list(hx.size())))

    def check_forward_args(self, input, hidden, batch_sizes):
        self.check_input(input, batch_sizes)
        self.check_hidden_size(hidden, self.get_expected_hidden_size(input, batch_sizes))

    def permute_hidden(self, hx, permutation):
        if permutation is None:
            return hx
        return hx[:, permutation]

    # --- forward -------------------------------------------------------------------------------
    def _prepare(self, input, hx):
        """Normalise to packed layout: ``(x (N, I), batch_sizes, hx, meta)``."""
        name = "RNN" if self.mode.startswith("RNN") else self.mode
        if isinstance(input, PackedSequence):
            data, bs, sorted_idx, unsorted_idx = input
            return data, [int(b) for b in bs.tolist()], hx, ("packed", input)
        if input.dim() not in (2, 3):
            tail = " tensor instead" if name == "RNN" else " instead"
            raise ValueError(f"{name}: Expected input to be 2D or 3D, got {input.dim()}D{tail}")
        return input, None, hx, ("dense", input.dim() == 3)

    def _run(self, x, batch_sizes, hx, cx):
        params = []
        dirs = 2 if self.bidirectional else 1
        keys = ["w_ih", "w_hh"] + (["b_ih", "b_hh"] if self.bias else []) + \
            (["w_hr"] if self.proj_size > 0 else [])
        for names in self._all_weights:
            params.append({k: getattr(self, n) for k, n in zip(keys, names)})
        return _rnn_loop.run_layers(x, batch_sizes, hx, cx, self.mode, params, self.num_layers,
                                    dirs, self.dropout, self.training)

    def _zeros(self, batch, size, like):
        dirs = 2 if self.bidirectional else 1
        return _eops.zeros(self.num_layers * dirs, batch, size, dtype=like.dtype,
                           device=like.device)

    def forward(self, input, hx=None):
        is_lstm = self.mode == "LSTM"
        x, batch_sizes, hx, meta = self._prepare(input, hx)
        packed = meta[0] == "packed"
        batched = True
        batch_dim = 0 if self.batch_first else 1
        sorted_idx = unsorted_idx = None
        if packed:
            sorted_idx, unsorted_idx = input.sorted_indices, input.unsorted_indices
        else:
            batched = meta[1]
            if not batched:
                x = x.unsqueeze(batch_dim)
            hx = self._check_hx_rank(hx, batched, is_lstm)
        batch = batch_sizes[0] if packed else x.size(batch_dim)
        real_hidden = self.proj_size if self.proj_size > 0 else self.hidden_size
        if hx is None:
            h0 = self._zeros(batch, real_hidden, x)
            c0 = self._zeros(batch, self.hidden_size, x) if is_lstm else None
        else:
            h0, c0 = (hx if is_lstm else (hx, None))
        self.check_input(x, batch_sizes)
        self.check_hidden_size(h0, self.get_expected_hidden_size(x, batch_sizes),
                               "Expected hidden[0] size {}, got {}" if is_lstm else
                               "Expected hidden size {}, got {}")
        if is_lstm:
            exp_c = self.get_expected_hidden_size(x, batch_sizes)[:2] + (self.hidden_size,)
            self.check_hidden_size(c0, exp_c, "Expected hidden[1] size {}, got {}")
        if hx is not None and sorted_idx is not None:
            h0 = self.permute_hidden(h0, sorted_idx)
            c0 = self.permute_hidden(c0, sorted_idx) if c0 is not None else None
        if not packed:
            if self.batch_first:
                x = x.transpose(0, 1)
            steps = x.shape[0]
            batch_sizes = [batch] * steps
            x = x.reshape(steps * batch, x.shape[2])
        out, h_n, c_n = self._run(x, batch_sizes, h0, c0)
        h_n = self.permute_hidden(h_n, unsorted_idx)
        c_n = self.permute_hidden(c_n, unsorted_idx) if c_n is not None else None
        hidden = (h_n, c_n) if is_lstm else h_n
        if packed:
            return PackedSequence(out, input.batch_sizes, sorted_idx, unsorted_idx), hidden
        out = out.reshape(len(batch_sizes), batch, out.shape[-1])
        if self.batch_first:
            out = out.transpose(0, 1)
        if not batched:
            out = out.squeeze(batch_dim)
            hidden = (h_n.squeeze(1), c_n.squeeze(1)) if is_lstm else h_n.squeeze(1)
        return out, hidden

    def _check_hx_rank(self, hx, batched, is_lstm):
        if hx is None:
            return None
        want = 3 if batched else 2
        kind = "batched 3-D" if batched else "unbatched 2-D"
        if is_lstm:
            if hx[0].dim() != want or hx[1].dim() != want:
                raise RuntimeError(f"For {kind} input, hx and cx should also be {want}-D but got "
                                   f"({hx[0].dim()}-D, {hx[1].dim()}-D) tensors")
            return hx if batched else (hx[0].unsqueeze(1), hx[1].unsqueeze(1))
        if hx.dim() != want:
            raise RuntimeError(f"For {kind} input, hx should also be {want}-D but got "
                               f"{hx.dim()}-D tensor")
        return hx if batched else hx.unsqueeze(1)


def _tn(dt):
    return f"torch.{dt.name}" if hasattr(dt, "name") else str(dt)


def _check_args(mode, input_size, hidden_size, num_layers, bias, batch_first, dropout,
                proj_size):
    if not isinstance(dropout, numbers.Number) or not 0 <= dropout <= 1 or \
            isinstance(dropout, bool):
        raise ValueError("dropout should be a number in range [0, 1] representing the "
                         "probability of an element being zeroed")
    if dropout > 0 and num_layers == 1:
        warnings.warn("dropout option adds dropout after all but last recurrent layer, so "
                      "non-zero dropout expects num_layers greater than 1, but got "
                      f"dropout={dropout} and num_layers={num_layers}", stacklevel=3)
    if not isinstance(bias, bool):
        raise TypeError(f"bias should be of type bool, got: {type(bias).__name__}")
    if not isinstance(batch_first, bool):
        raise TypeError(f"batch_first should be of type bool, got: {type(batch_first).__name__}")
    if not isinstance(input_size, int):
        raise TypeError(f"input_size should be of type int, got: {type(input_size).__name__}")
    if input_size <= 0:
        raise ValueError("input_size must be greater than zero")
    if not isinstance(hidden_size, int):
        raise TypeError(f"hidden_size should be of type int, got: {type(hidden_size).__name__}")
    if hidden_size <= 0:
        raise ValueError("hidden_size must be greater than zero")
    if num_layers <= 0:
        raise ValueError("num_layers must be greater than zero")
    if proj_size < 0:
        raise ValueError("proj_size should be a positive integer or zero to disable projections")
    if proj_size >= hidden_size:
        raise ValueError("proj_size has to be smaller than hidden_size")
    if mode not in _GATES:
        raise ValueError("Unrecognized RNN mode: " + mode)


class RNN(RNNBase):
    r"""Multi-layer Elman RNN (tanh or relu), applied to every step of the input.

    .. math::
        h_t = \tanh(x_t W_{ih}^T + b_{ih} + h_{t-1} W_{hh}^T + b_{hh})

    Args:
        input_size (int): features of the input.
        hidden_size (int): features of the hidden state.
        num_layers (int): stacked layers. Default: 1.
        nonlinearity (str): ``'tanh'`` or ``'relu'``. Default: ``'tanh'``.
        bias (bool): use ``b_ih`` and ``b_hh``. Default: ``True``.
        batch_first (bool): input/output are ``(B, T, H)``. Default: ``False``.
        dropout (float): dropout on the outputs of every layer but the last (training only).
            Default: 0.
        bidirectional (bool): Default: ``False``.

    Shape:
        - input: ``(T, B, H_in)``, ``(B, T, H_in)`` if ``batch_first``, ``(T, H_in)``
          unbatched, or a :class:`PackedSequence`.
        - h_0: ``(D * num_layers, B, H_out)``; zeros if not given.
        - output: ``(T, B, D * H_out)``; h_n: ``(D * num_layers, B, H_out)``.

    Attributes:
        weight_ih_l[k], weight_hh_l[k], bias_ih_l[k], bias_hh_l[k]: all initialised from
            :math:`\mathcal{U}(-1/\sqrt{H}, 1/\sqrt{H})`.

    Example:
        >>> import ember
        >>> rnn = ember.nn.RNN(10, 20, 2)
        >>> out, hn = rnn(ember.randn(5, 3, 10), ember.zeros(2, 3, 20))
        >>> out.shape, hn.shape
        (ember.Size([5, 3, 20]), ember.Size([2, 3, 20]))
    """

    def __init__(self, *args, **kwargs):
        if "proj_size" in kwargs:
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        if len(args) > 3:
            self_nl = args[3]
            args = args[:3] + args[4:]
        else:
            self_nl = kwargs.pop("nonlinearity", "tanh")
        if self_nl == "tanh":
            mode = "RNN_TANH"
        elif self_nl == "relu":
            mode = "RNN_RELU"
        else:
            raise ValueError(f"Unknown nonlinearity '{self_nl}'. Select from 'tanh' or 'relu'.")
        super().__init__(mode, *args, **kwargs)
        self.nonlinearity = self_nl


class LSTM(RNNBase):
    r"""Multi-layer long short-term memory RNN (gate order i, f, g, o as PyTorch).

    .. math::
        c_t = f_t \odot c_{t-1} + i_t \odot g_t, \quad h_t = o_t \odot \tanh(c_t)

    Args:
        input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional:
            as :class:`RNN`.
        proj_size (int): if > 0, ``h_t`` is projected by ``weight_hr_l[k]`` to this size.
            Default: 0.

    Returns:
        ``output, (h_n, c_n)``.

    Example:
        >>> import ember
        >>> lstm = ember.nn.LSTM(10, 20, batch_first=True)
        >>> out, (hn, cn) = lstm(ember.randn(3, 5, 10))
        >>> out.shape, hn.shape, cn.shape
        (ember.Size([3, 5, 20]), ember.Size([1, 3, 20]), ember.Size([1, 3, 20]))
    """

    def __init__(self, *args, **kwargs):
        super().__init__("LSTM", *args, **kwargs)

    def permute_hidden(self, hx, permutation):
        if permutation is None or hx is None:
            return hx
        return hx[:, permutation]


class GRU(RNNBase):
    r"""Multi-layer gated recurrent unit RNN, with PyTorch's formula (gate order r, z, n).

    .. math::
        n_t = \tanh(W_{in} x_t + b_{in} + r_t \odot (W_{hn} h_{t-1} + b_{hn})), \quad
        h_t = (1 - z_t) \odot n_t + z_t \odot h_{t-1}

    Args:
        input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional:
            as :class:`RNN`.

    Example:
        >>> import ember
        >>> gru = ember.nn.GRU(10, 20, 2)
        >>> out, hn = gru(ember.randn(5, 3, 10))
        >>> out.shape, hn.shape
        (ember.Size([5, 3, 20]), ember.Size([2, 3, 20]))
    """

    def __init__(self, *args, **kwargs):
        if "proj_size" in kwargs:
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        super().__init__("GRU", *args, **kwargs)


# --- cells ------------------------------------------------------------------------------------
class RNNCellBase(Module):
    """Base of the single-step cells: ``weight_ih``, ``weight_hh``, ``bias_ih``, ``bias_hh``."""

    def __init__(self, input_size, hidden_size, bias, num_chunks, device=None, dtype=None):
        super().__init__()
        factory = {"device": device, "dtype": dtype}
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.bias = bias
        self.weight_ih = _empty(num_chunks * hidden_size, input_size, factory=factory)
        self.weight_hh = _empty(num_chunks * hidden_size, hidden_size, factory=factory)
        if bias:
            self.bias_ih = _empty(num_chunks * hidden_size, factory=factory)
            self.bias_hh = _empty(num_chunks * hidden_size, factory=factory)
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def extra_repr(self):
        s = "{input_size}, {hidden_size}"
        if "bias" in self.__dict__ and self.bias is not True:
            s += ", bias={bias}"
        if "nonlinearity" in self.__dict__ and self.nonlinearity != "tanh":
            s += ", nonlinearity={nonlinearity}"
        return s.format(**self.__dict__)

    def reset_parameters(self):
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for w in self.parameters():
            init.uniform_(w, -stdv, stdv)

    def _setup(self, name, input, hx, n_states):
        if input.dim() not in (1, 2):
            raise ValueError(f"{name}: Expected input to be 1D or 2D, got {input.dim()}D instead")
        states = [] if hx is None else (list(hx) if n_states == 2 else [hx])
        for i, s in enumerate(states):
            if s.dim() not in (1, 2):
                what = f"hx[{i}]" if n_states == 2 else "hidden"
                raise ValueError(f"{name}: Expected {what} to be 1D or 2D, got {s.dim()}D "
                                 "instead")
        batched = input.dim() == 2
        if not batched:
            input = input.unsqueeze(0)
            states = [s.unsqueeze(0) for s in states]
        if not states:
            z = _eops.zeros(input.size(0), self.hidden_size, dtype=input.dtype,
                            device=input.device)
            states = [z] * n_states
        if input.size(1) != self.input_size:
            raise RuntimeError(f"input has inconsistent input_size: got {input.size(1)} "
                               f"expected {self.input_size}")
        for s in states:
            if s.size(0) != input.size(0):
                raise RuntimeError(f"Input batch size {input.size(0)} doesn't match hidden0 "
                                   f"batch size {s.size(0)}")
            if s.size(1) != self.hidden_size:
                raise RuntimeError(f"hidden0 has inconsistent hidden_size: got {s.size(1)}, "
                                   f"expected {self.hidden_size}")
        return input, states, batched

    def _gx(self, input, fold_bias):
        b = self.bias_ih
        if b is not None and fold_bias:
            b = b + self.bias_hh
        return F.linear(input, self.weight_ih, b)


class RNNCell(RNNCellBase):
    r"""One Elman RNN step: :math:`h' = \tanh(W_{ih} x + b_{ih} + W_{hh} h + b_{hh})`.

    Args:
        input_size (int), hidden_size (int), bias (bool): Default ``True``,
        nonlinearity (str): ``'tanh'`` or ``'relu'``. Default: ``'tanh'``.

    Example:
        >>> import ember
        >>> cell = ember.nn.RNNCell(10, 20)
        >>> cell(ember.randn(3, 10)).shape
        ember.Size([3, 20])
    """

    def __init__(self, input_size, hidden_size, bias=True, nonlinearity="tanh", device=None,
                 dtype=None):
        super().__init__(input_size, hidden_size, bias, num_chunks=1, device=device,
                         dtype=dtype)
        self.nonlinearity = nonlinearity

    def forward(self, input, hx=None):
        if self.nonlinearity not in ("tanh", "relu"):
            raise RuntimeError(f"Unknown nonlinearity: {self.nonlinearity}")
        input, (h,), batched = self._setup("RNNCell", input, hx, 1)
        mode = "RNN_RELU" if self.nonlinearity == "relu" else "RNN_TANH"
        out, _ = _rnn_seq.step(mode, self._gx(input, True), h, None, self.weight_hh)
        return out if batched else out.squeeze(0)


class LSTMCell(RNNCellBase):
    r"""One LSTM step; returns ``(h', c')``.

    Example:
        >>> import ember
        >>> cell = ember.nn.LSTMCell(10, 20)
        >>> h, c = cell(ember.randn(3, 10))
        >>> h.shape, c.shape
        (ember.Size([3, 20]), ember.Size([3, 20]))
    """

    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, num_chunks=4, device=device,
                         dtype=dtype)

    def forward(self, input, hx=None):
        input, (h, c), batched = self._setup("LSTMCell", input, hx, 2)
        h2, c2 = _rnn_seq.step("LSTM", self._gx(input, True), h, c, self.weight_hh)
        return (h2, c2) if batched else (h2.squeeze(0), c2.squeeze(0))


class GRUCell(RNNCellBase):
    r"""One GRU step (PyTorch's formula, gate order r, z, n).

    Example:
        >>> import ember
        >>> cell = ember.nn.GRUCell(10, 20)
        >>> cell(ember.randn(3, 10)).shape
        ember.Size([3, 20])
    """

    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, num_chunks=3, device=device,
                         dtype=dtype)

    def forward(self, input, hx=None):
        input, (h,), batched = self._setup("GRUCell", input, hx, 1)
        out, _ = _rnn_seq.step("GRU", self._gx(input, False), h, None, self.weight_hh,
                               self.bias_hh)
        return out if batched else out.squeeze(0)

