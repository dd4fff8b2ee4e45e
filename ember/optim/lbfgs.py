"""L-BFGS: limited-memory quasi-Newton steps, with an optional strong-Wolfe line search.

The flat vectors (gradient, direction, history) are raw arrays during a step and are stored
in ``state`` as Tensors under PyTorch's keys, so state dicts move between the frameworks.
Scalars (``ys``, ``ro``, ``H_diag``, ``t``) stay in the parameters' dtype, as in PyTorch.
"""
from .._tensor import Tensor
from ..autograd import grad_mode
from ..backends import get_array_module
from .optimizer import Optimizer

__all__ = ["LBFGS"]


def _cubic_interpolate(x1, f1, g1, x2, f2, g2, bounds=None):
    """Minimiser of the cubic through (x1, f1, g1) and (x2, f2, g2), clipped to ``bounds``."""
    if bounds is not None:
        xmin_bound, xmax_bound = bounds
    else:
        xmin_bound, xmax_bound = (x1, x2) if x1 <= x2 else (x2, x1)
    d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2)
    d2_square = d1 ** 2 - g1 * g2
    if d2_square >= 0:
        d2 = d2_square ** 0.5
        if x1 <= x2:
            min_pos = x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
        else:
            min_pos = x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2))
        return min(max(min_pos, xmin_bound), xmax_bound)
    return (xmin_bound + xmax_bound) / 2.0


def _zoom(obj_func, x, d, f, gtd, bracket, c1, c2, tolerance_change, max_ls, ls_iter, d_norm):
    """Shrink the bracket ``(ts, fs, gs, gtds)`` until the strong Wolfe conditions hold."""
    ts, fs, gs, gtds = bracket
    evals, insuf_progress = 0, False
    low, high = (0, 1) if fs[0] <= fs[-1] else (1, 0)
    while ls_iter < max_ls:
        if abs(ts[1] - ts[0]) * d_norm < tolerance_change:
            break
        t = _cubic_interpolate(ts[0], fs[0], gtds[0], ts[1], fs[1], gtds[1])
        hi, lo = max(ts), min(ts)
        eps = 0.1 * (hi - lo)
        if min(hi - t, t - lo) < eps:
            # interpolation close to a boundary: step away from it unless progress was made
            if insuf_progress or t >= hi or t <= lo:
                t = hi - eps if abs(t - hi) < abs(t - lo) else lo + eps
                insuf_progress = False
            else:
                insuf_progress = True
        else:
            insuf_progress = False
        f_new, g_new = obj_func(x, t, d)
        evals += 1
        ls_iter += 1
        gtd_new = g_new.dot(d)
        if f_new > (f + c1 * t * gtd) or f_new >= fs[low]:
            ts[high], fs[high], gs[high], gtds[high] = t, f_new, g_new, gtd_new
            low, high = (0, 1) if fs[0] <= fs[1] else (1, 0)
        else:
            if abs(gtd_new) <= -c2 * gtd:
                ts[low], fs[low], gs[low], gtds[low] = t, f_new, g_new, gtd_new
                break
            if gtd_new * (ts[high] - ts[low]) >= 0:
                ts[high], fs[high], gs[high], gtds[high] = ts[low], fs[low], gs[low], gtds[low]
            ts[low], fs[low], gs[low], gtds[low] = t, f_new, g_new, gtd_new
    return fs[low], gs[low], ts[low], evals


def _strong_wolfe(obj_func, x, t, d, f, g, gtd, c1=1e-4, c2=0.9, tolerance_change=1e-9,
                  max_ls=25):
    """Line search along ``d`` from step ``t`` satisfying the strong Wolfe conditions.

    Returns:
        (loss, flat_grad, t, function evaluations) at the accepted step.
    """
    xp = get_array_module(d)
    d_norm = xp.abs(d).max()
    f_new, g_new = obj_func(x, t, d)
    evals, gtd_new = 1, g_new.dot(d)
    t_prev, f_prev, g_prev, gtd_prev = 0, f, g.copy(), gtd
    ls_iter = 0
    while ls_iter < max_ls:
        if f_new > (f + c1 * t * gtd) or (ls_iter > 1 and f_new >= f_prev):
            bracket = ([t_prev, t], [f_prev, f_new], [g_prev, g_new], [gtd_prev, gtd_new])
            break
        if abs(gtd_new) <= -c2 * gtd:
            return f_new, g_new, t, evals
        if gtd_new >= 0:
            bracket = ([t_prev, t], [f_prev, f_new], [g_prev, g_new], [gtd_prev, gtd_new])
            break
        # extrapolate with a cubic step clipped to [t + 0.01 (t - t_prev), 10 t]
        t_prev, t = t, _cubic_interpolate(t_prev, f_prev, gtd_prev, t, f_new, gtd_new,
                                          bounds=(t + 0.01 * (t - t_prev), t * 10))
        f_prev, g_prev, gtd_prev = f_new, g_new, gtd_new
        f_new, g_new = obj_func(x, t, d)
        evals += 1
        gtd_new = g_new.dot(d)
        ls_iter += 1
    if ls_iter == max_ls:
        bracket = ([0, t], [f, f_new], [g, g_new], [gtd, gtd_new])
    f_new, g_new, t, more = _zoom(obj_func, x, d, f, gtd, bracket, c1, c2, tolerance_change,
                                  max_ls, ls_iter, d_norm)
    return f_new, g_new, t, evals + more


class LBFGS(Optimizer):
    r"""L-BFGS (Nocedal, 1980), after minFunc; one parameter group only.

    With :math:`s_k = \theta_{k+1} - \theta_k`, :math:`y_k = g_{k+1} - g_k` and
    :math:`\rho_k = 1 / y_k^\top s_k` for the last ``history_size`` pairs (kept when
    :math:`y^\top s > 10^{-10}`), the direction :math:`d = -H g` comes from the two-loop
    recursion:

    .. math::
        q \leftarrow -g;\quad \alpha_i = \rho_i s_i^\top q,\ q \leftarrow q - \alpha_i y_i
        \ (i = k..1);\quad r = \frac{y_k^\top s_k}{y_k^\top y_k} q;\quad
        r \leftarrow r + s_i(\alpha_i - \rho_i y_i^\top r)\ (i = 1..k)

    and :math:`\theta \leftarrow \theta + t d` with :math:`t` = ``lr`` (the first step is
    scaled by :math:`\min(1, 1/\|g\|_1)`), or :math:`t` from a strong-Wolfe line search.

    Args:
        params (iterable): parameters to optimize.
        lr (float): learning rate. Default: 1.
        max_iter (int): iterations per ``step``. Default: 20.
        max_eval (int, optional): function evaluations per ``step``.
            Default: ``max_iter * 1.25``.
        tolerance_grad (float): stop when :math:`\|g\|_\infty` is below it. Default: 1e-7.
        tolerance_change (float): stop when the loss or step changes less. Default: 1e-9.
        history_size (int): number of :math:`(s, y)` pairs kept. Default: 100.
        line_search_fn (str, optional): ``'strong_wolfe'`` or None. Default: None.

    Example:
        >>> import ember
        >>> w = ember.tensor([3.0, -2.0], requires_grad=True)
        >>> opt = ember.optim.LBFGS([w], line_search_fn="strong_wolfe")
        >>> def closure():
        ...     opt.zero_grad()
        ...     loss = ((w - 1) ** 2).sum()
        ...     loss.backward()
        ...     return loss
        >>> _ = opt.step(closure)
        >>> [round(v, 4) for v in w.tolist()]
        [1.0, 1.0]
    """

    def __init__(self, params, lr=1, max_iter=20, max_eval=None, tolerance_grad=1e-7,
                 tolerance_change=1e-9, history_size=100, line_search_fn=None):
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if max_eval is None:
            max_eval = max_iter * 5 // 4
        defaults = dict(lr=lr, max_iter=max_iter, max_eval=max_eval,
                        tolerance_grad=tolerance_grad, tolerance_change=tolerance_change,
                        history_size=history_size, line_search_fn=line_search_fn)
        super().__init__(params, defaults)
        if len(self.param_groups) != 1:
            raise ValueError("LBFGS doesn't support per-parameter options (parameter groups)")
        self._params = self.param_groups[0]["params"]

    def load_state_dict(self, state_dict):
        super().load_state_dict(state_dict)
        self._params = self.param_groups[0]["params"]

    # --- flat views of the parameters ---------------------------------------------------------
    def _gather_flat_grad(self):
        xp = get_array_module(self._params[0])
        return xp.concatenate([p.grad._data.reshape(-1) if p.grad is not None
                               else xp.zeros(p.numel(), p._data.dtype) for p in self._params])

    def _add_grad(self, step_size, update):
        offset = 0
        for p in self._params:
            n = p.numel()
            p._data += step_size * update[offset:offset + n].reshape(p._data.shape)
            p._version_counter[0] += 1
            offset += n

    def _directional_evaluate(self, closure, x, t, d):
        self._add_grad(t, d)
        loss = float(closure())
        flat_grad = self._gather_flat_grad()
        for p, saved in zip(self._params, x):
            p._data[...] = saved
            p._version_counter[0] += 1
        return loss, flat_grad

    def step(self, closure):
        """Run up to ``max_iter`` L-BFGS iterations.

        Args:
            closure (callable): re-evaluates the model (zeroing and recomputing the
                gradients) and returns the loss. Required.

        Returns:
            The loss of the first closure evaluation.
        """
        group = self.param_groups[0]

        def eval_closure():
            with grad_mode.enable_grad():
                return closure()

        with grad_mode.no_grad():
            return self._run(eval_closure, group, self.state[self._params[0]])

    def _run(self, closure, group, state):
        xp = get_array_module(self._params[0])
        lr, max_iter, max_eval = group["lr"], group["max_iter"], group["max_eval"]
        tol_change = group["tolerance_change"]
        state.setdefault("func_evals", 0)
        state.setdefault("n_iter", 0)
        orig_loss = closure()
        loss = float(orig_loss)
        current_evals = 1
        state["func_evals"] += 1
        flat_grad = self._gather_flat_grad()
        if xp.abs(flat_grad).max() <= group["tolerance_grad"]:
            return orig_loss
        h = {k: _unwrap(state.get(k)) for k in ("d", "t", "old_dirs", "old_stps", "ro",
                                                "H_diag", "prev_flat_grad", "prev_loss")}
        n_iter = 0
        while n_iter < max_iter:
            n_iter += 1
            state["n_iter"] += 1
            if state["n_iter"] == 1:
                h.update(d=-flat_grad, old_dirs=[], old_stps=[], ro=[], H_diag=1)
            else:
                self._two_loop(h, flat_grad, group["history_size"], state)
            if h["prev_flat_grad"] is None:
                h["prev_flat_grad"] = flat_grad.copy()
            else:
                h["prev_flat_grad"][...] = flat_grad
            h["prev_loss"] = prev_loss = loss
            d = h["d"]
            t = (min(1.0, 1.0 / xp.abs(flat_grad).sum()) * lr if state["n_iter"] == 1 else lr)
            gtd = flat_grad.dot(d)
            if gtd > -tol_change:
                break
            ls_evals, opt_cond = 0, False
            if group["line_search_fn"] is not None:
                if group["line_search_fn"] != "strong_wolfe":
                    raise RuntimeError("only 'strong_wolfe' is supported")
                x_init = [p._data.copy() for p in self._params]

                def obj_func(x, t, d):
                    return self._directional_evaluate(closure, x, t, d)

                loss, flat_grad, t, ls_evals = _strong_wolfe(
                    obj_func, x_init, t, d, loss, flat_grad, gtd,
                    max_ls=max_eval - current_evals)
                self._add_grad(t, d)
                opt_cond = xp.abs(flat_grad).max() <= group["tolerance_grad"]
            else:
                self._add_grad(t, d)
                if n_iter != max_iter:
                    loss = float(closure())
                    flat_grad = self._gather_flat_grad()
                    opt_cond = xp.abs(flat_grad).max() <= group["tolerance_grad"]
                    ls_evals = 1
            h["t"] = t
            current_evals += ls_evals
            state["func_evals"] += ls_evals
            if (n_iter == max_iter or current_evals >= max_eval or opt_cond
                    or xp.abs(d * t).max() <= tol_change or abs(loss - prev_loss) < tol_change):
                break
        h["t"] = t
        state.update({k: _wrap(v) for k, v in h.items()})
        if "al" in state:
            state["al"] = _wrap(state["al"])
        return orig_loss

    @staticmethod
    def _two_loop(h, flat_grad, history_size, state):
        """Update the (s, y) history and set ``h['d']`` to the quasi-Newton direction."""
        old_dirs, old_stps, ro = h["old_dirs"], h["old_stps"], h["ro"]
        y = flat_grad - h["prev_flat_grad"]
        s = h["d"] * h["t"]
        ys = y.dot(s)
        if ys > 1e-10:
            if len(old_dirs) == history_size:
                old_dirs.pop(0)
                old_stps.pop(0)
                ro.pop(0)
            old_dirs.append(y)
            old_stps.append(s)
            ro.append(1.0 / ys)
            h["H_diag"] = ys / y.dot(y)
        if "al" not in state:
            state["al"] = [None] * history_size
        al = state["al"]
        q = -flat_grad
        for i in range(len(old_dirs) - 1, -1, -1):
            al[i] = old_stps[i].dot(q) * ro[i]
            q -= al[i] * old_dirs[i]
        r = q * h["H_diag"]
        for i in range(len(old_dirs)):
            be_i = old_dirs[i].dot(r) * ro[i]
            r += (al[i] - be_i) * old_stps[i]
        h["d"] = r


def _unwrap(v):
    if isinstance(v, Tensor):
        return v._data
    if isinstance(v, list):
        return [_unwrap(x) for x in v]
    return v


def _wrap(v):
    if isinstance(v, list):
        return [_wrap(x) for x in v]
    if v is None or type(v) in (int, float, bool):
        return v
    return Tensor._make(v)
