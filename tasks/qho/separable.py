"""Separable physics-informed network (SPINN) for the Schrödinger equation of the oscillator.

Cho, Nam, Yang, Yun, Hong, Park, "Separable Physics-Informed Neural Networks", NeurIPS 2023:
one small MLP per input axis maps its scalar coordinate to r complex features, combined as a
rank-r sum of products,

    ψ(x_1..x_d, t) = ψ(x, 0) + (t - t_0) Σ_{j=1}^r b_j(t) Π_{k=1}^d a_kj(x_k),

a hard initial condition as in :mod:`tasks.qho.pinn`, with t - t_0 in ħ/E_h rather than the
window fraction: the sum must equal -i H ψ(x, 0) at t_0, of the order of the energy times ψ,
which an initialised network meets without growing its output by the window length T.
ψ(x, 0) = Σ_q c_q Π_k g_qk(x_k) is the given initial state's own expansion in products
(``baselines.qho.exact.product_terms``).
With H = Σ_k h_k, h_k = -1/2 ∂²_k + 1/2 ω² x_k², the residual R = i ∂_t ψ - H ψ is a sum of
M = r(d + 1) + Q(d + 1) separable terms, R = Σ_m T_m(t) Π_k S_km(x_k). On a tensor grid of N_k
points per axis its mean square over all N_1···N_d points at each time needs no grid:

    L(t) = ⟨|R|²⟩_x = Σ_{m,n} T̄_m(t) T_n(t) Π_k G_k[m, n],    G_k = S_kᴴ S_k / N_k,

so a step costs (d + 1) network passes over N points and (d + 1)·N·M² for the Gram matrices.
Derivatives of the per-axis features are propagated forward through each 1D network (value,
first and second derivative in one pass). The per-axis points are drawn afresh each step
(stratified uniform), fixed within one L-BFGS step.

With ``periodic_time`` the time network sees (cos s, sin s), s = ω (t - t_0), and the trial
function is that of :mod:`tasks.qho.pinn` with periodic time,

    ψ = e^{-i d s/2} [ψ(x, 0) + (e^{-is} - 1) Σ_j b_j(s) Π_k a_kj(x_k)],

which repeats after one oscillator period up to the sign (-1)^d; the residual stays a sum of
separable terms, with the envelopes f(t) = e^{-i d s/2} (e^{-is} - 1) of the learned sum and
g(t) = e^{-i d s/2} of ψ(x, 0) (f = t - t_0 and g = 1 otherwise).

Causal weighting (Wang, Sankaran, Perdikaris, "Respecting causality is all you need for
training physics-informed neural networks", CMAME 421, 116813, 2024): with the time points
t_1 < ... < t_n sorted, the loss is ⟨w_i L(t_i)⟩ with w_i = exp(-ε Σ_{l<i} L(t_l) / n), computed
from the model at the start of each step and held fixed in it (no gradient through w). The
box-face loss uses the data module's boundary points (exact or zero Dirichlet values), each
weighted by w at its time. A single ω only (not an input).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import torch
from torch import Tensor, nn

from baselines.qho.exact import STATES, pair_state, product_terms
from tasks.nets import mlp
from tasks.qho.pinn import periodic_envelopes
from tasks.training import AdamThenLBFGS

EINSUM_AXES = "abcdefgh"


class AxisNet(nn.Module):
    """Tanh MLP of one coordinate on [low, high] with its derivatives.

    The input is x scaled to [-1, 1], or with ``frequency`` ω the pair (cos ω(x - low),
    sin ω(x - low)), which makes the features periodic with period 2π/ω.
    """

    def __init__(
        self,
        low: float,
        high: float,
        n_out: int,
        width: int,
        depth: int,
        frequency: float | None = None,
    ) -> None:
        super().__init__()
        self.low, self.scale = float(low), 2.0 / (float(high) - float(low))
        self.frequency = None if frequency is None else float(frequency)
        self.net = mlp(1 if frequency is None else 2, n_out, width, depth, "tanh")

    def forward(self, x: Tensor) -> Tensor:
        """Features at points ``x`` (n,): shape (n, n_out)."""
        return self.net(self._inputs(x)[0])

    def _inputs(self, x: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        """Network inputs (n, 1 or 2) and their first and second derivatives in x."""
        if self.frequency is None:
            h = (self.scale * (x - self.low) - 1.0)[:, None]
            return h, torch.full_like(h, self.scale), torch.zeros_like(h)
        phase = (self.frequency * (x - self.low))[:, None]
        h = torch.cat([phase.cos(), phase.sin()], dim=1)
        dh = self.frequency * torch.cat([-phase.sin(), phase.cos()], dim=1)
        return h, dh, -(self.frequency**2) * h

    def jet(self, x: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        """Features and their first and second derivatives in x (physical units), (n, n_out)."""
        h, dh, d2h = self._inputs(x)
        for layer in self.net:
            if isinstance(layer, nn.Linear):
                h, dh, d2h = layer(h), dh @ layer.weight.T, d2h @ layer.weight.T
            else:
                h = torch.tanh(h)
                slope = 1.0 - h * h
                dh, d2h = slope * dh, slope * d2h - 2.0 * h * slope * dh * dh
        return h, dh, d2h


class QHOSeparablePINN(AdamThenLBFGS):
    """Separable PINN (module docstring) for the d-dim oscillator at one ω.

    Args:
        dim: spatial dimensions d.
        domain: ``x``, ``t``, ``omega`` ranges (ω must be a single value).
        network: ``width``, ``depth`` of every per-axis tanh MLP.
        rank: number r of complex rank-one terms (hyperparameter; not tied to the state).
        collocation: ``n_x`` points per spatial axis and ``n_t`` times, drawn each step.
        causal_epsilon: ε of the causal weights (0: plain mean over time).
        loss_weights: ``pde``, ``boundary`` (λ's).
        optim: as :class:`tasks.training.AdamThenLBFGS`.
        state: initial state of the hard initial condition (``baselines.qho.exact.STATES``).
        periodic_time: the periodic trial function of the module docstring.
    """

    nan_hint = "lower model.optim.lr, or train in float64 (trainer.precision=64)"

    def __init__(
        self,
        dim: int,
        domain: Mapping[str, Sequence[float]],
        network: Mapping[str, Any],
        rank: int,
        collocation: Mapping[str, int],
        causal_epsilon: float,
        loss_weights: Mapping[str, float],
        optim: Mapping[str, Any],
        state: str = "psi01",
        periodic_time: bool = False,
    ) -> None:
        super().__init__(optim)
        self.save_hyperparameters()
        if domain["omega"][0] != domain["omega"][1]:
            raise ValueError("the separable PINN trains at one ω: give domain.omega equal ends")
        if state not in STATES:
            raise ValueError(f"unknown state {state!r}; choose one of {STATES}")
        if rank < 1:
            raise ValueError(f"rank must be at least 1, got {rank}")
        self.dim, self.rank, self.state = int(dim), int(rank), state
        self.omega = float(domain["omega"][0])
        self.x_range = tuple(float(e) for e in domain["x"])
        self.t_start = float(domain["t"][0])
        self.t_span = float(domain["t"][1]) - self.t_start
        self.n_x, self.n_t = int(collocation["n_x"]), int(collocation["n_t"])
        self.causal_epsilon = float(causal_epsilon)
        self.weights = {key: float(loss_weights.get(key, 0.0)) for key in ("pde", "boundary")}
        width, depth = int(network["width"]), int(network["depth"])
        self.axis_nets = nn.ModuleList(
            AxisNet(*self.x_range, 2 * self.rank, width, depth) for _ in range(self.dim)
        )
        self.periodic_time = bool(periodic_time)
        self.time_net = AxisNet(
            self.t_start,
            self.t_start + self.t_span,
            2 * rank,
            width,
            depth,
            frequency=self.omega if self.periodic_time else None,
        )
        self.initial_terms = product_terms(state, self.dim)

    # -- pieces of the trial function ---------------------------------------------------------
    def _complex(self, features: Tensor) -> Tensor:
        return torch.complex(features[:, : self.rank], features[:, self.rank :])

    def _initial_factors(self, x: Tensor, k: int) -> Tensor:
        """g_qk(x) of every product term q of ψ(x, 0) along axis k: (n, Q), real."""
        return torch.stack(
            [
                pair_state(levels[k], x, 0.0, self.omega, torch)[0]
                for _, levels in self.initial_terms
            ],
            dim=1,
        )

    def _initial_jet(self, x: Tensor, k: int) -> tuple[Tensor, Tensor]:
        """g_qk and h_k g_qk along axis k (second derivative by autograd), each (n, Q)."""
        x = x.detach()
        with torch.enable_grad():
            x_grad = x.clone().requires_grad_(True)
            g = self._initial_factors(x_grad, k)
            second = []
            for q in range(g.shape[1]):
                (dg,) = torch.autograd.grad(g[:, q].sum(), x_grad, create_graph=True)
                second.append(torch.autograd.grad(dg.sum(), x_grad, retain_graph=True)[0])
        g = g.detach()
        return g, -0.5 * torch.stack(second, dim=1) + 0.5 * self.omega**2 * (x * x)[:, None] * g

    def _coefficients(self, like: Tensor) -> Tensor:
        return like.new_tensor([c for c, _ in self.initial_terms])

    def envelopes(self, t: Tensor) -> tuple[Tensor, Tensor, Tensor, Tensor]:
        """f, df/dt of the learned sum and g, dg/dt of ψ(x, 0) at times ``t`` (complex, (n,))."""
        if not self.periodic_time:
            f = torch.complex(t - self.t_start, torch.zeros_like(t))
            return f, torch.ones_like(f), torch.ones_like(f), torch.zeros_like(f)
        return periodic_envelopes(self.omega * (t - self.t_start), self.dim, self.omega)

    # -- the residual as a sum of separable terms ---------------------------------------------
    def residual_factors(self, xs: Sequence[Tensor], t: Tensor) -> tuple[list[Tensor], Tensor]:
        """Factors of R = i ∂_t ψ - H ψ = Σ_m T_m(t) Π_k S_km(x_k) on per-axis points.

        Returns the spatial factors S_k (n_k, M) of every axis and the time factors T (n_t, M).
        """
        spatial, hamiltonian = [], []
        for k, x in enumerate(xs):
            value, _, second = self.axis_nets[k].jet(x)
            a = self._complex(value)
            spatial.append(a)
            hamiltonian.append(
                -0.5 * self._complex(second) + 0.5 * self.omega**2 * (x * x)[:, None] * a
            )
        value, first, _ = self.time_net.jet(t)
        b, db = self._complex(value), self._complex(first)
        f, df, g_t, dg_t = (e[:, None] for e in self.envelopes(t))
        time_value, time_derivative = f * b, df * b + f * db
        initial = [self._initial_jet(x, k) for k, x in enumerate(xs)]
        coefficients = self._coefficients(t).to(b.dtype)[None, :]
        factors = []
        for k in range(self.dim):
            blocks = [spatial[k]]
            blocks += [-hamiltonian[k] if j == k else spatial[k] for j in range(self.dim)]
            g, hg = (part.to(b.dtype) for part in initial[k])
            blocks += [-hg if j == k else g for j in range(self.dim)] + [g]
            factors.append(torch.cat(blocks, dim=1))
        initial_value, initial_derivative = coefficients * g_t, coefficients * dg_t
        times = torch.cat(
            [1j * time_derivative]
            + [time_value] * self.dim
            + [initial_value] * self.dim
            + [1j * initial_derivative],
            dim=1,
        )
        return factors, times

    def residual_in_time(self, xs: Sequence[Tensor], t: Tensor) -> Tensor:
        """L(t) = mean |R|² over the spatial tensor grid of ``xs``, at each time: (n_t,)."""
        factors, times = self.residual_factors(xs, t)
        product = None
        for s in factors:
            gram = s.conj().T @ s / s.shape[0]
            product = gram if product is None else product * gram
        return torch.einsum("tm,mn,tn->t", times.conj(), product, times).real

    def residual_on_grid(self, xs: Sequence[Tensor], t: Tensor) -> Tensor:
        """R on the full tensor grid, complex (n_t, n_1, ..., n_d) (for checks; costs the grid)."""
        factors, times = self.residual_factors(xs, t)
        return _combine(factors, times)

    # -- the trial function -------------------------------------------------------------------
    def forward(self, points: Tensor) -> tuple[Tensor, Tensor]:
        """(u, v) at rows (x_1..x_d, t, ω)."""
        points = points.to(self.dtype)
        t = points[:, self.dim]
        f, _, g_t, _ = self.envelopes(t)
        learned = self._complex(self.time_net(t)) * f[:, None]
        initial = self._coefficients(t)[None, :] * g_t[:, None]
        for k in range(self.dim):
            learned = learned * self._complex(self.axis_nets[k](points[:, k]))
            initial = initial * self._initial_factors(points[:, k], k)
        psi = learned.sum(dim=1) + initial.sum(dim=1)
        return psi.real, psi.imag

    def on_grid(self, xs: Sequence[Tensor], t: Tensor) -> Tensor:
        """ψ on the tensor grid of ``xs`` × ``t``, complex (n_t, n_1, ..., n_d)."""
        spatial = [self._complex(self.axis_nets[k](x)) for k, x in enumerate(xs)]
        f, _, g_t, _ = self.envelopes(t)
        learned = _combine(spatial, self._complex(self.time_net(t)) * f[:, None])
        initial = [self._initial_factors(x, k) for k, x in enumerate(xs)]
        return learned + _combine(initial, self._coefficients(t)[None, :] * g_t[:, None])

    # -- training -----------------------------------------------------------------------------
    def draw_grid(self) -> tuple[list[Tensor], Tensor]:
        """Stratified uniform points: ``n_x`` per spatial axis, ``n_t`` sorted times."""

        def stratified(n: int, low: float, span: float) -> Tensor:
            cells = torch.arange(n, dtype=self.dtype, device=self.device)
            return low + span * (cells + torch.rand(n, dtype=self.dtype, device=self.device)) / n

        x_low, x_span = self.x_range[0], self.x_range[1] - self.x_range[0]
        xs = [stratified(self.n_x, x_low, x_span) for _ in range(self.dim)]
        return xs, stratified(self.n_t, self.t_start, self.t_span)

    def training_step(self, batch: Mapping[str, Any], batch_idx: int) -> Tensor:
        """One step on a fresh grid; causal weights from the current model, fixed in the step."""
        grid = self.draw_grid()
        with torch.no_grad():
            weights = self.causal_weights(self.residual_in_time(*grid))
        return super().training_step({**batch, "grid": grid, "causal": weights}, batch_idx)

    def causal_weights(self, loss_in_time: Tensor) -> Tensor:
        """w_i = exp(-ε Σ_{l<i} L(t_l) / n_t) at the sorted grid times."""
        earlier = torch.cumsum(loss_in_time, 0) - loss_in_time
        return torch.exp(-self.causal_epsilon * earlier / len(loss_in_time))

    def objective(self, batch: Mapping[str, Any]) -> tuple[Tensor, dict[str, Tensor]]:
        """λ_pde ⟨w L(t)⟩ + λ_bc ⟨w(t_b) |ψ - ψ_b|²⟩ (w: causal weights of the step, or 1)."""
        xs, t = batch["grid"]
        loss_in_time = self.residual_in_time(xs, t)
        weights = batch.get("causal", torch.ones_like(loss_in_time))
        terms = {"pde": loss_in_time.mean(), "causal_weight_min": weights.min()}
        loss = self.weights["pde"] * (weights * loss_in_time).mean()
        if self.weights["boundary"] and len(batch["boundary"]["inputs"]):
            points = batch["boundary"]["inputs"].to(self.dtype)
            u, v = self(points)
            target = batch["boundary"]["targets"].to(u.dtype)
            error = (u - target[:, 0]) ** 2 + (v - target[:, 1]) ** 2
            index = torch.searchsorted(t, points[:, self.dim].contiguous()).clamp(max=len(t) - 1)
            terms["boundary"] = error.mean()
            loss = loss + self.weights["boundary"] * (weights[index] * error).mean()
        return loss, terms

    def validation_step(self, batch: Mapping[str, Tensor], batch_idx: int) -> None:
        u, v = self(batch["inputs"])
        target = (batch["targets"].to(u.dtype) ** 2).sum(dim=1)
        self.log("val/density_mse", ((u**2 + v**2 - target) ** 2).mean(), prog_bar=True)

    # -- test split ---------------------------------------------------------------------------
    @torch.no_grad()
    def predict_split(self, inputs: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        """(u, v) on the test grid of every test ω: shape (n_ω, n_t, n_x^d)."""
        omegas = np.asarray(inputs["omega"], float)
        if not np.allclose(omegas, self.omega, rtol=0, atol=1e-12):
            raise ValueError(
                f"the separable PINN was trained at ω = {self.omega} only, not {omegas}"
            )
        axis = torch.tensor(np.asarray(inputs["axis"]), dtype=self.dtype, device=self.device)
        times = torch.tensor(np.asarray(inputs["t"]), dtype=self.dtype, device=self.device)
        psi = self.on_grid([axis] * self.dim, times).cpu().numpy().astype(np.complex128)
        shape = (len(omegas), *psi.shape)
        return {
            "u": np.broadcast_to(psi.real, shape).copy(),
            "v": np.broadcast_to(psi.imag, shape).copy(),
        }


def _combine(factors: Sequence[Tensor], times: Tensor) -> Tensor:
    """Σ_m T_m(t) Π_k S_km(x_k) on the grid: (n_t, n_1, ..., n_d)."""
    letters = EINSUM_AXES[: len(factors)]
    spec = ",".join(f"{a}m" for a in letters) + f",tm->t{letters}"
    dtype = torch.promote_types(factors[0].dtype, times.dtype)
    return torch.einsum(spec, *(f.to(dtype) for f in factors), times.to(dtype))
