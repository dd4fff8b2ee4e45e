"""A recurrent classifier that reads an image row by row."""
from .. import nn
from ..autograd import Variable
from ..ops.creation import zeros


class RNNClassifier(nn.Module):
    """The seed document's RNN: ``layer_dim`` stacked recurrent layers over the sequence, the
    last time step's output into a linear layer. A 28x28 image is 28 time steps of 28 inputs.

    Args:
        input_dim (int): features per time step. Default: 28.
        hidden_dim (int): hidden units. Default: 128.
        layer_dim (int): stacked layers. Default: 2.
        output_dim (int): classes. Default: 10.
        cell (str): ``'rnn'`` (tanh), ``'lstm'`` or ``'gru'``. Default: ``'rnn'``.
    """

    def __init__(self, input_dim=28, hidden_dim=128, layer_dim=2, output_dim=10, cell="rnn"):
        super().__init__()
        kinds = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}
        if cell not in kinds:
            raise ValueError(f"unknown cell {cell!r}; expected one of {sorted(kinds)}")
        self.hidden_dim, self.layer_dim, self.cell = hidden_dim, layer_dim, cell
        self.rnn = kinds[cell](input_dim, hidden_dim, layer_dim, batch_first=True)
        self.fc = nn.Linear(hidden_dim, output_dim)
        self.config = dict(input_dim=input_dim, hidden_dim=hidden_dim, layer_dim=layer_dim,
                           output_dim=output_dim, cell=cell)

    def forward(self, x):
        if x.dim() == 4:  # (N, 1, H, W) images -> (N, H, W) sequences of rows
            x = x.reshape(x.shape[0], x.shape[-2], x.shape[-1])
        h0 = Variable(zeros(self.layer_dim, x.size(0), self.hidden_dim, dtype=x.dtype))
        if self.cell == "lstm":
            c0 = Variable(zeros(self.layer_dim, x.size(0), self.hidden_dim, dtype=x.dtype))
            out, _ = self.rnn(x, (h0, c0))
        else:
            out, _ = self.rnn(x, h0)
        return self.fc(out[:, -1, :])
