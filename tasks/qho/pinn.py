"""Physics-informed network for the time-dependent Schrödinger equation of the oscillator.

The network maps a row (x_1..x_d, t, ω) to (u, v) = (Re ψ, Im ψ). With H = -1/2 ∇² + 1/2 ω² r²
the residuals of i ∂_t ψ = H ψ are

    f_u = -v_t + 1/2 ∇²u - 1/2 ω² r² u,        f_v = u_t + 1/2 ∇²v - 1/2 ω² r² v,

and the loss is L = λ_pde ⟨f_u² + f_v²⟩ + λ_bc L_bc + λ_ic L_ic + λ_data L_data + λ_norm L_norm
(mean squared errors of (u, v) on the boundary, initial and supervised points). The norm term
L_norm = ⟨(N(t_j) - N_0)²⟩_j holds the box norm N(t) = ∫_box |ψ|² dx at the conserved value of the
initial state, N_0 = ∫_box |ψ(x, 0)|² dx, both by the midpoint rule on the same grid of ``points``
per axis, at the (t, ω) of the first ``times`` collocation points. It penalises the collapse
towards ψ ≈ 0 that leaves the residual small; the box norm is conserved up to the probability
flux through the box faces (|ψ| ≈ 1e-2 there; exactly for ψ_{0,1}, whose cross terms are odd).
With a hard initial condition the output is ψ = ψ(x, 0) + τ N(x, t, ω), τ = (t - t_0)/(t_1 -
t_0), so L_ic vanishes identically. Inputs are scaled to [-1, 1] before the network; derivatives
are taken with respect to the physical coordinates. Training is Adam (exponentially decaying
learning rate) followed by L-BFGS with a strong-Wolfe line search.

With ``natural_units`` the network sees the oscillator's own coordinates ξ_k = √ω x_k and
s = ω (t - t_0) (and ω), and its output is scaled by the ground state's amplitude ω^{d/4}:
ψ = ψ(x, 0) + τ ω^{d/4} N(ξ, s, ω), τ = s / s_max. With ψ = ω^{d/4} φ(ξ, s) the equation is
i ∂_s φ = (-1/2 ∇_ξ² + 1/2 ξ²) φ for every ω, so the learned function depends on ω only through
the fixed box |x| ≤ L (|ξ| ≤ √ω L); a model trained on one ω range then meets a new ω at
coordinates it has mostly seen.

With ``periodic_time`` (natural units only) the time input s is replaced by (cos s, sin s).
The oscillator's spectrum is E_n = (n + d/2) ω, so its propagator is periodic in s up to a
sign: e^{-iH(t + 2π/ω)} = (-1)^d e^{-iHt} for every state. The trial function
ψ = e^{-i d s/2} [ψ(x, 0) + (e^{-is} - 1) ω^{d/4} N(ξ, cos s, sin s, ω)] has that property and the
hard initial condition; e^{-is} - 1 vanishes only at s = 0 (mod 2π), so any periodic χ = e^{i d
s/2} ψ with χ(0) = ψ(x, 0) is of this form. A model trained on s ≤ 2π then covers every later
time, which is what extrapolation to a larger ω (a longer s window) needs. This builds in a
property of H (integer level spacing in units of ω), not of the initial state.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import torch
from torch import Tensor

from baselines.qho.exact import psi_initial
from tasks.nets import mlp
from tasks.training import AdamThenLBFGS


class QHOPINN(AdamThenLBFGS):
    """PINN for the d-dim oscillator (ψ_{0,1} or ``entangled``), optionally with ω an input.

    Args:
        dim: spatial dimensions.
        domain: ``x``, ``t``, ``omega`` ranges (ω is a network input when its range has width).
        network: ``width``, ``depth``, ``activation`` of the MLP.
        hard_initial_condition: build ψ(x, 0) into the output instead of penalising it.
        loss_weights: ``pde``, ``boundary``, ``initial``, ``data``, ``norm`` (λ's).
        optim: ``lr``, ``lr_final`` (Adam, decayed geometrically over ``adam_steps``), then
            ``lbfgs_steps`` L-BFGS steps of at most ``lbfgs_max_iter`` iterations each,
            history ``lbfgs_history``.
        predict_chunk: grid points per forward pass when predicting the test split.
        state: initial state of the hard initial condition (``baselines.qho.exact.STATES``).
        norm_quadrature: ``points`` per axis and ``times`` of the norm term (module docstring).
        natural_units: feed (√ω x, ω t, ω) and scale the output by ω^{d/4} (module docstring).
        periodic_time: feed (cos s, sin s) for s = ω t, with the periodic trial function of the
            module docstring; needs ``natural_units`` and a hard initial condition.
    """

    nan_hint = (
        "lower model.optim.lr or the loss weights, or train in float64 (trainer.precision=64)"
    )

    def __init__(
        self,
        dim: int,
        domain: Mapping[str, Sequence[float]],
        network: Mapping[str, Any],
        hard_initial_condition: bool,
        loss_weights: Mapping[str, float],
        optim: Mapping[str, Any],
        predict_chunk: int = 65536,
        state: str = "psi01",
        norm_quadrature: Mapping[str, int] | None = None,
        natural_units: bool = False,
        periodic_time: bool = False,
    ) -> None:
        if periodic_time and not (natural_units and hard_initial_condition):
            raise ValueError(
                "model.periodic_time=true needs model.natural_units=true and "
                "model.hard_initial_condition=true (its period is 2π in s = ω t)"
            )
        super().__init__(optim)
        self.save_hyperparameters()
        self.dim = dim
        self.hard_ic = hard_initial_condition
        self.weights = {key: float(loss_weights.get(key, 0.0)) for key in LOSS_TERMS}
        self.predict_chunk = predict_chunk
        self.state = state
        self.natural_units = bool(natural_units)
        self.periodic_time = bool(periodic_time)
        low = [domain["x"][0]] * dim + [domain["t"][0], domain["omega"][0]]
        high = [domain["x"][1]] * dim + [domain["t"][1], domain["omega"][1]]
        if self.natural_units:  # ranges of ξ = √ω x and s = ω (t - t_0) over the domain
            omega_max = float(domain["omega"][1])
            low[:dim] = [omega_max**0.5 * float(domain["x"][0])] * dim
            high[:dim] = [omega_max**0.5 * float(domain["x"][1])] * dim
            low[dim], high[dim] = 0.0, omega_max * (high[dim] - low[dim])
        low_t, high_t = (
            torch.tensor(low, dtype=torch.float32),
            torch.tensor(high, dtype=torch.float32),
        )
        self.input_columns = torch.nonzero(high_t > low_t).flatten().tolist()
        self.register_buffer("low", low_t[self.input_columns])
        self.register_buffer("span", (high_t - low_t)[self.input_columns])
        self.t_start = float(domain["t"][0])
        self._build_norm_quadrature(domain, norm_quadrature or {"points": 16, "times": 8})
        # τ of the hard initial condition: the time input (t, or s = ω (t - t_0)) over its range
        self.time_origin = 0.0 if self.natural_units else self.t_start
        self.time_span = float(high[dim] - low[dim])
        self.net = mlp(len(self.input_columns) + self.periodic_time, 2, **network)

    # -- the trial function ---------------------------------------------------------------
    def forward(self, points: Tensor) -> tuple[Tensor, Tensor]:
        """(u, v) at rows (x_1..x_d, t, ω)."""
        omega = points[:, self.dim + 1].detach()  # the residual never differentiates in ω
        features = self.natural_features(points, omega) if self.natural_units else points
        inputs = self.network_inputs(features)
        if self.periodic_time:  # the time column becomes (cos s, sin s)
            s = features[:, self.dim : self.dim + 1]
            inputs = torch.cat(
                [inputs[:, : self.dim], s.cos(), s.sin(), inputs[:, self.dim + 1 :]], dim=1
            )
        out = self.net(inputs)
        if self.natural_units:
            out = out * omega[:, None] ** (0.25 * self.dim)
        if not self.hard_ic:
            return out[:, 0], out[:, 1]
        coords = [points[:, k] for k in range(self.dim)]
        u0 = psi_initial(coords, omega, self.state, xp=torch)  # ψ(x, 0) is real
        if self.periodic_time:
            return self._periodic_trial(u0, out, features[:, self.dim])
        tau = (features[:, self.dim] - self.time_origin) / self.time_span
        return u0 + tau * out[:, 0], tau * out[:, 1]

    def _periodic_trial(self, u0: Tensor, out: Tensor, s: Tensor) -> tuple[Tensor, Tensor]:
        """(Re, Im) of e^{-i d s/2} [u0 + (e^{-is} - 1) (out_0 + i out_1)]."""
        f, _, g, _ = periodic_envelopes(s, self.dim, 1.0)
        psi = g * u0 + f * torch.complex(out[:, 0], out[:, 1])
        return psi.real, psi.imag

    def network_inputs(self, features: Tensor) -> Tensor:
        """The varying columns of (x.., t, ω) or of the natural rows, scaled to [-1, 1] over
        the training domain."""
        return 2.0 * (features[:, self.input_columns] - self.low) / self.span - 1.0

    def natural_features(self, points: Tensor, omega: Tensor) -> Tensor:
        """Rows (√ω x_1..√ω x_d, ω (t - t_0), ω)."""
        return torch.cat(
            [
                points[:, : self.dim] * omega.sqrt()[:, None],
                (omega * (points[:, self.dim] - self.t_start))[:, None],
                omega[:, None],
            ],
            dim=1,
        )

    def _build_norm_quadrature(
        self, domain: Mapping[str, Sequence[float]], quadrature: Mapping[str, int]
    ) -> None:
        """Midpoints of a uniform grid over the box (buffer ``norm_points``) and cell volume."""
        n, self.norm_times = int(quadrature["points"]), int(quadrature["times"])
        low, high = (float(e) for e in domain["x"])
        if n < 1 or self.norm_times < 1:
            raise ValueError(f"norm_quadrature needs points and times ≥ 1, got {dict(quadrature)}")
        axis = low + (high - low) * (torch.arange(n, dtype=torch.float64) + 0.5) / n
        grid = torch.stack(torch.meshgrid(*([axis] * self.dim), indexing="ij"), -1)
        self.register_buffer("norm_points", grid.reshape(-1, self.dim), persistent=False)
        self.norm_cell = ((high - low) / n) ** self.dim

    def norm_drift(self, rows: Tensor) -> Tensor:
        """⟨(N(t_j) - N_0(ω_j))²⟩ over the (t_j, ω_j) of ``rows`` (x columns ignored)."""
        grid = self.norm_points.to(rows.dtype)
        q = len(grid)
        points = torch.cat(
            [grid.repeat(len(rows), 1), rows[:, self.dim :].repeat_interleave(q, dim=0)], dim=1
        )
        u, v = self(points)
        norm = self.norm_cell * (u**2 + v**2).reshape(len(rows), q).sum(dim=1)
        coords = [points[:, k] for k in range(self.dim)]
        u0 = psi_initial(coords, points[:, self.dim + 1], self.state, xp=torch)
        norm_0 = self.norm_cell * (u0**2).reshape(len(rows), q).sum(dim=1)
        return ((norm - norm_0) ** 2).mean()

    def residuals(self, points: Tensor) -> tuple[Tensor, Tensor]:
        """(f_u, f_v) of the Schrödinger equation at the rows of ``points``."""
        points = points.detach().requires_grad_(True)
        u, v = self(points)
        omega = points[:, self.dim + 1]
        potential = 0.5 * omega**2 * (points[:, : self.dim] ** 2).sum(dim=1)
        du, lap_u = self._time_derivative_and_laplacian(u, points)
        dv, lap_v = self._time_derivative_and_laplacian(v, points)
        f_u = -dv + 0.5 * lap_u - potential * u
        f_v = du + 0.5 * lap_v - potential * v
        return f_u, f_v

    def _time_derivative_and_laplacian(
        self, field: Tensor, points: Tensor
    ) -> tuple[Tensor, Tensor]:
        grad = torch.autograd.grad(field.sum(), points, create_graph=True)[0]
        laplacian = sum(
            torch.autograd.grad(grad[:, k].sum(), points, create_graph=True)[0][:, k]
            for k in range(self.dim)
        )
        return grad[:, self.dim], laplacian

    def _labelled_mse(self, part: Mapping[str, Tensor]) -> Tensor:
        if part["inputs"].shape[0] == 0:
            return part["inputs"].new_zeros(())
        u, v = self(part["inputs"])
        return ((u - part["targets"][:, 0]) ** 2 + (v - part["targets"][:, 1]) ** 2).mean()

    def loss_terms(self, batch: Mapping[str, Any]) -> dict[str, Tensor]:
        """Unweighted loss terms; a term with zero weight is not computed."""
        terms: dict[str, Tensor] = {}
        if self.weights["pde"]:
            f_u, f_v = self.residuals(batch["collocation"])
            terms["pde"] = (f_u**2 + f_v**2).mean()
        if self.weights["boundary"]:
            terms["boundary"] = self._labelled_mse(batch["boundary"])
        if self.weights["initial"] and not self.hard_ic:
            terms["initial"] = self._labelled_mse(batch["initial"])
        if self.weights["data"]:
            terms["data"] = self._labelled_mse(batch["supervised"])
        if self.weights["norm"]:
            terms["norm"] = self.norm_drift(batch["collocation"][: self.norm_times])
        return terms

    def objective(self, batch: Mapping[str, Any]) -> tuple[Tensor, dict[str, Tensor]]:
        terms = self.loss_terms(batch)
        if not terms:
            raise ValueError("every loss weight is zero (model.loss_weights): nothing to train")
        return sum(self.weights[key] * value for key, value in terms.items()), terms

    def validation_step(self, batch: Mapping[str, Tensor], batch_idx: int) -> None:
        u, v = self(batch["inputs"])
        target = batch["targets"][:, 0] ** 2 + batch["targets"][:, 1] ** 2
        self.log("val/density_mse", ((u**2 + v**2 - target) ** 2).mean(), prog_bar=True)

    # -- test split -----------------------------------------------------------------------
    @torch.no_grad()
    def predict_split(self, inputs: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        """(u, v) on the test grid of every test ω: shape (n_ω, n_t, n_x^d)."""
        axis, times, omegas = inputs["axis"], inputs["t"], inputs["omega"]
        spatial = np.stack(np.meshgrid(*([axis] * self.dim), indexing="ij"), -1).reshape(
            -1, self.dim
        )
        spatial_t = torch.as_tensor(spatial, dtype=self.dtype, device=self.device)
        u = np.empty((len(omegas), len(times), *[len(axis)] * self.dim))
        v = np.empty_like(u)
        for i, omega in enumerate(omegas):
            for j, t in enumerate(times):
                points = torch.cat(
                    [spatial_t, spatial_t.new_full((len(spatial), 2), float(t))], dim=1
                )
                points[:, -1] = float(omega)
                chunks = [self(chunk) for chunk in points.split(self.predict_chunk)]
                u[i, j] = torch.cat([c[0] for c in chunks]).cpu().numpy().reshape(u.shape[2:])
                v[i, j] = torch.cat([c[1] for c in chunks]).cpu().numpy().reshape(u.shape[2:])
        return {"u": u, "v": v}


LOSS_TERMS = ("pde", "boundary", "initial", "data", "norm")


def periodic_envelopes(s: Tensor, dim: int, omega: float) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    """f = e^{-i d s/2} (e^{-is} - 1) and g = e^{-i d s/2} at s = ω (t - t_0), with df/dt and
    dg/dt (complex): the envelopes of the learned part and of ψ(x, 0) in periodic time."""
    g = torch.exp(-0.5j * dim * s)
    dg = -0.5j * dim * omega * g
    turn = torch.exp(-1j * s)
    return g * (turn - 1.0), dg * (turn - 1.0) - 1j * omega * g * turn, g, dg
