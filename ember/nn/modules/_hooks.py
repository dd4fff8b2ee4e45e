"""Full backward hooks: ``hook(module, grad_input, grad_output)``.

The module's tensor inputs and outputs are passed through identity Functions; the one on the
outputs records ``grad_output``, the one on the inputs sees ``grad_input`` and calls the hooks
(which may replace it).
"""
import warnings

from ..._tensor import Tensor
from ...autograd.function import Function


class _Identity(Function):
    @staticmethod
    def forward(ctx, callback, *tensors):
        ctx.callback = callback
        return tuple(tensors)

    @staticmethod
    def backward(ctx, *grads):
        # identity; the callback observes (and may replace) the gradients
        return (None,) + tuple(ctx.callback(grads))


class BackwardHook:
    def __init__(self, module, hooks, pre_hooks=()):
        self.module = module
        self.hooks = hooks
        self.pre_hooks = pre_hooks
        self.grad_outputs = None
        self.n_inputs = 0

    def _call_hooks(self, grad_input):
        for h in self.hooks:
            r = h(self.module, grad_input, self.grad_outputs)
            if r is not None:
                grad_input = tuple(r)
        return grad_input

    def setup_input_hook(self, args):
        idx = [i for i, a in enumerate(args) if isinstance(a, Tensor) and a.requires_grad]
        self.n_inputs = len(idx)
        self._n_tensor_args = [i for i, a in enumerate(args) if isinstance(a, Tensor)]
        if not idx:
            return args
        outs = _Identity.apply(self._on_input_grads, *[args[i] for i in idx])
        outs = outs if isinstance(outs, tuple) else (outs,)
        args = list(args)
        for i, o in zip(idx, outs):
            args[i] = o
        return tuple(args)

    def _on_input_grads(self, grads):
        return self._call_hooks(tuple(grads))

    def setup_output_hook(self, out):
        single = isinstance(out, Tensor)
        outs = (out,) if single else tuple(out) if isinstance(out, (tuple, list)) else None
        if outs is None:
            return out
        idx = [i for i, o in enumerate(outs) if isinstance(o, Tensor) and o.requires_grad]
        if not idx:
            return out
        wrapped = _Identity.apply(self._on_output_grads, *[outs[i] for i in idx])
        wrapped = wrapped if isinstance(wrapped, tuple) else (wrapped,)
        outs = list(outs)
        for i, w in zip(idx, wrapped):
            outs[i] = w
        return outs[0] if single else type(out)(outs)

    def _on_output_grads(self, grads):
        grads = tuple(grads)
        for h in self.pre_hooks:
            r = h(self.module, grads)
            if r is not None:
                grads = tuple(r)
        self.grad_outputs = grads
        if self.n_inputs == 0 and self.hooks:
            warnings.warn(
                "Full backward hook is firing when gradients are computed with respect to "
                "module outputs since no inputs require gradients. See "
                "https://docs.pytorch.org/docs/main/generated/torch.nn.Module.html"
                "#torch.nn.Module.register_full_backward_hook for more details.", stacklevel=2)
            self._call_hooks((None,) * max(len(self._n_tensor_args), 1))
        return grads
