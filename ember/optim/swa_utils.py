"""Weight averaging (``ember.optim.swa_utils``): Stochastic Weight Averaging and exponential
moving averages of a model's weights, as ``torch.optim.swa_utils`` provides them.

An :class:`AveragedModel` keeps a copy of a network whose weights are a running average of
the trained network's weights. With the default averaging function the average is equally
weighted over every :meth:`AveragedModel.update_parameters` call (SWA); with
:func:`get_ema_multi_avg_fn` it is an exponential moving average (EMA), the usual way to
smooth a GAN generator's weights. :class:`SWALR` anneals the learning rate to a constant for
the averaging phase, and :func:`update_bn` recomputes batch-norm statistics for averaged
weights.
"""
import copy
import itertools
import math

from .. import int64, tensor
from ..autograd.grad_mode import no_grad
from ..nn.modules.batchnorm import _BatchNorm
from ..nn.modules.module import Module
from .lr_scheduler import LRScheduler, _format_param

__all__ = ["AveragedModel", "update_bn", "SWALR", "get_ema_multi_avg_fn",
           "get_swa_multi_avg_fn", "get_ema_avg_fn", "get_swa_avg_fn"]


def _check_decay(decay):
    if decay < 0.0 or decay > 1.0:
        raise ValueError(f"Invalid decay value {decay} provided. Please provide a value in "
                         "[0,1] range.")


def get_ema_multi_avg_fn(decay=0.999):
    """The EMA update over lists of parameters, in place:
    ``W_ema <- decay * W_ema + (1 - decay) * W_model``.

    Args:
        decay (float): weight of the old average, in [0, 1]. Default: 0.999.

    Example:
        >>> import ember
        >>> from ember.optim.swa_utils import get_ema_multi_avg_fn
        >>> avg, cur = [ember.zeros(2)], [ember.ones(2)]
        >>> get_ema_multi_avg_fn(0.75)(avg, cur, 1)
        >>> avg[0]
        tensor([0.2500, 0.2500])
    """
    _check_decay(decay)

    def ema_update(ema_param_list, current_param_list, _):
        with no_grad():
            for p_ema, p_model in zip(ema_param_list, current_param_list):
                if p_ema.is_floating_point():
                    p_ema.lerp_(p_model, 1 - decay)  # one pass: ema + (1-decay)(cur - ema)
                else:
                    p_ema.copy_(p_ema * decay + p_model * (1 - decay))
    return ema_update


def get_swa_multi_avg_fn():
    """The equally weighted (SWA) update over lists of parameters, in place:
    ``W_avg <- W_avg + (W_model - W_avg) / (n + 1)`` after ``n`` models."""

    def swa_update(averaged_param_list, current_param_list, num_averaged):
        n = int(num_averaged)
        with no_grad():
            for p_avg, p_model in zip(averaged_param_list, current_param_list):
                if p_avg.is_floating_point():
                    p_avg.lerp_(p_model, 1.0 / (n + 1))
                else:  # integer buffers: the step is divided with truncation, as in PyTorch
                    p_avg.add_((p_model - p_avg).div(n + 1, rounding_mode="trunc"))
    return swa_update


def get_ema_avg_fn(decay=0.999):
    """The EMA update of one parameter, returning the new average (see
    :func:`get_ema_multi_avg_fn`)."""
    _check_decay(decay)

    def ema_update(ema_param, current_param, num_averaged):
        with no_grad():
            return decay * ema_param + (1 - decay) * current_param
    return ema_update


def get_swa_avg_fn():
    """The equally weighted (SWA) update of one parameter, returning the new average."""

    def swa_update(averaged_param, current_param, num_averaged):
        with no_grad():
            return averaged_param + (current_param - averaged_param) / (num_averaged + 1)
    return swa_update


class AveragedModel(Module):
    """A copy of ``model`` whose weights are a running average of ``model``'s weights.

    The first :meth:`update_parameters` copies the weights; later calls average them in with
    ``multi_avg_fn`` (in place, over all parameters at once) or ``avg_fn`` (one parameter at a
    time, returning the new value); with neither, the average is equally weighted (SWA).
    Unless ``use_buffers`` is True, buffers (batch-norm statistics) are copied from ``model``
    on every update rather than averaged. The state_dict holds ``n_averaged`` and the copy's
    weights under ``module.``, as PyTorch's does.

    Args:
        model (Module): the network to average.
        device (device, optional): where the averaged copy lives.
        avg_fn (callable, optional): ``(averaged, current, n_averaged) -> new averaged``.
        multi_avg_fn (callable, optional): ``(averaged list, current list, n_averaged)``,
            updating the averaged tensors in place.
        use_buffers (bool): average the buffers too. Default: False.

    Example:
        >>> import ember
        >>> from ember.optim.swa_utils import AveragedModel, get_ema_multi_avg_fn
        >>> net = ember.nn.Linear(2, 1)
        >>> ema = AveragedModel(net, multi_avg_fn=get_ema_multi_avg_fn(0.9))
        >>> ema.update_parameters(net)
        >>> sorted(ema.state_dict())
        ['module.bias', 'module.weight', 'n_averaged']
    """

    def __init__(self, model, device=None, avg_fn=None, multi_avg_fn=None, use_buffers=False):
        super().__init__()
        if avg_fn is not None and multi_avg_fn is not None:
            raise AssertionError("Only one of avg_fn and multi_avg_fn should be provided")
        self.module = copy.deepcopy(model)
        if device is not None:
            self.module = self.module.to(device)
        self.register_buffer("n_averaged", tensor(0, dtype=int64, device=device))
        self.avg_fn = avg_fn
        self.multi_avg_fn = multi_avg_fn
        self.use_buffers = use_buffers

    def forward(self, *args, **kwargs):
        return self.module(*args, **kwargs)

    def _pairs(self, model):
        if self.use_buffers:
            mine = itertools.chain(self.module.parameters(), self.module.buffers())
            theirs = itertools.chain(model.parameters(), model.buffers())
        else:
            mine, theirs = self.parameters(), model.parameters()
        return [(a.detach(), b.detach().to(a.device)) for a, b in zip(mine, theirs)]

    def update_parameters(self, model):
        """Average ``model``'s current weights into this copy."""
        pairs = self._pairs(model)
        n = int(self.n_averaged.item())
        with no_grad():
            if n == 0:
                for avg, cur in pairs:
                    avg.copy_(cur)
            elif self.avg_fn is not None:
                for avg, cur in pairs:
                    avg.copy_(self.avg_fn(avg, cur, self.n_averaged))
            else:
                fn = self.multi_avg_fn or get_swa_multi_avg_fn()
                fn([a for a, _ in pairs], [c for _, c in pairs], self.n_averaged)
            if not self.use_buffers:  # keep the statistics in step with the source model
                for b_avg, b_model in zip(self.module.buffers(), model.buffers()):
                    b_avg.detach().copy_(b_model.detach().to(b_avg.device))
            self.n_averaged += 1


def update_bn(loader, model, device=None):
    """Recompute every batch-norm layer's running statistics with one pass over ``loader``
    (a cumulative average: momentum None), as averaged weights need their own statistics.

    Args:
        loader (iterable): batches, each a tensor or a list/tuple whose first item is the input.
        model (Module): the network (e.g. an :class:`AveragedModel`).
        device (device, optional): move each batch there first.
    """
    momenta = {}
    for module in model.modules():
        if isinstance(module, _BatchNorm):
            module.reset_running_stats()
            momenta[module] = module.momentum
    if not momenta:
        return
    was_training = model.training
    model.train()
    for module in momenta:
        module.momentum = None
    with no_grad():
        for batch in loader:
            if isinstance(batch, (list, tuple)):
                batch = batch[0]
            if device is not None:
                batch = batch.to(device)
            model(batch)
    for module, momentum in momenta.items():
        module.momentum = momentum
    model.train(was_training)


class SWALR(LRScheduler):
    """Anneal each group's learning rate to ``swa_lr`` over ``anneal_epochs`` steps ("cos" or
    "linear"), then hold it there: the schedule of the averaging phase of SWA.

    Args:
        optimizer (Optimizer): the wrapped optimizer.
        swa_lr (float or list): the final learning rate, for all groups or one per group.
        anneal_epochs (int): steps of the annealing phase. Default: 10.
        anneal_strategy (str): ``"cos"`` or ``"linear"``. Default: ``"cos"``.
        last_epoch (int): index of the last epoch. Default: -1.
    """

    def __init__(self, optimizer, swa_lr, anneal_epochs=10, anneal_strategy="cos",
                 last_epoch=-1):
        for lr, group in zip(_format_param("swa_lr", optimizer, swa_lr),
                             optimizer.param_groups):
            group["swa_lr"] = lr
        if anneal_strategy not in ("cos", "linear"):
            raise ValueError("anneal_strategy must be one of 'cos' or 'linear', instead got "
                             f"{anneal_strategy}")
        self._set_anneal_func(anneal_strategy)
        if not isinstance(anneal_epochs, int) or anneal_epochs < 0:
            raise ValueError(f"anneal_epochs must be equal or greater than 0, got "
                             f"{anneal_epochs}")
        self.anneal_epochs = anneal_epochs
        super().__init__(optimizer, last_epoch)

    @staticmethod
    def _linear_anneal(t):
        return t

    @staticmethod
    def _cosine_anneal(t):
        return (1 - math.cos(math.pi * t)) / 2

    def _set_anneal_func(self, strategy):
        self._anneal_strategy = strategy
        self.anneal_func = self._cosine_anneal if strategy == "cos" else self._linear_anneal

    def get_lr(self):
        # the lr before annealing is recovered from the current one, so other schedulers may
        # have changed it in between (PyTorch's rule)
        step = self._step_count - 1
        if self.anneal_epochs == 0:
            step = max(1, step)
        prev_alpha = self.anneal_func(max(0, min(1, (step - 1) / max(1, self.anneal_epochs))))
        alpha = self.anneal_func(max(0, min(1, step / max(1, self.anneal_epochs))))
        out = []
        for group in self.optimizer.param_groups:
            swa = group["swa_lr"]
            start = swa if prev_alpha == 1 else (group["lr"] - prev_alpha * swa) / (1 - prev_alpha)
            out.append(swa * alpha + start * (1 - alpha))
        return out

    def state_dict(self):
        return {k: v for k, v in self.__dict__.items() if k not in ("optimizer", "anneal_func")}

    def load_state_dict(self, state_dict):
        self.__dict__.update(state_dict)
        self._set_anneal_func(self._anneal_strategy)
