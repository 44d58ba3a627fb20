"""First- and total-order Sobol' sensitivity indices from Saltelli's design (numpy only).

With d parameters and N base samples, a Saltelli design evaluates the model on matrix A,
matrix B (both N x d, independent samples of the parameters) and, for each parameter i,
A_B^i: A with its column i taken from B. ``deportsim sweep`` writes such a design for
``design: sobol`` (docs/sweep-format.md says which points are A, B and A_B^i). From the
outputs y_A, y_B and y_AB[i]:

- first order (Saltelli et al. 2010, "Variance based sensitivity analysis of model output",
  Comput. Phys. Commun. 181, 259-270, table 2 (b)):
  S_i = mean(y_B (y_AB[i] - y_A)) / V
- total order (Jansen 1999, the estimator Saltelli et al. 2010 recommend, table 2 (f)):
  ST_i = mean((y_A - y_AB[i])^2) / (2 V)

where V is the variance of y_A and y_B pooled. Every output is first centred on the pooled mean
of y_A and y_B, which leaves the expectations as they are and removes most of the noise of
the first-order numerator when the mean is large against the spread (SALib standardises its
outputs for the same reason). Confidence intervals are percentile bootstrap
intervals over the N rows (a row: one sample of A, its B and its A_B^i, resampled together).

    >>> result = sobol_indices(y_a, y_b, y_ab)
    >>> result.first, result.first_interval   # (d,), (d, 2)
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np


@dataclass
class SobolIndices:
    """Indices of d parameters: estimates and (low, high) confidence intervals."""

    first: np.ndarray  # (d,)
    total: np.ndarray  # (d,)
    first_interval: np.ndarray  # (d, 2)
    total_interval: np.ndarray  # (d, 2)
    variance: float  # of the output, y_A and y_B pooled
    samples: int  # rows N used (rows with a missing value are left out)
    confidence: float

    def as_dict(self) -> dict:
        return {
            "first": self.first.tolist(),
            "total": self.total.tolist(),
            "first_interval": self.first_interval.tolist(),
            "total_interval": self.total_interval.tolist(),
            "variance": self.variance,
            "samples": self.samples,
            "confidence": self.confidence,
        }


def _estimate(y_a: np.ndarray, y_b: np.ndarray, y_ab: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Indices along the last axis of the inputs (rows); leading axes are bootstrap replicates."""
    pooled = np.concatenate([y_a, y_b], axis=-1)
    variance = pooled.var(axis=-1)
    # No variance: constant up to rounding (relative spread below 1e-9).
    scale = np.max(np.abs(pooled), axis=-1)
    variance = np.where(variance > (1e-9 * scale) ** 2, variance, 0.0)
    # Centred outputs: the same expectations, far less noise in the first-order numerator when
    # the mean is large against the spread.
    centre = pooled.mean(axis=-1)[..., None]
    y_a = y_a - centre
    y_b = y_b - centre
    y_ab = y_ab - centre[..., None]
    with np.errstate(divide="ignore", invalid="ignore"):
        first = np.mean(y_b[..., None, :] * (y_ab - y_a[..., None, :]), axis=-1) / variance[..., None]
        total = 0.5 * np.mean((y_a[..., None, :] - y_ab) ** 2, axis=-1) / variance[..., None]
    zero = ~(variance > 0)
    if np.any(zero):
        first = np.where(zero[..., None], np.nan, first)
        total = np.where(zero[..., None], np.nan, total)
    return first, total


def sobol_indices(
    y_a,
    y_b,
    y_ab,
    *,
    bootstrap: int = 1000,
    confidence: float = 0.95,
    seed: int = 0,
) -> SobolIndices:
    """First- and total-order indices with bootstrap confidence intervals.

    ``y_a`` and ``y_b`` have shape (N,), ``y_ab`` has shape (d, N): the output at row j of
    A, B and A_B^i. Rows with a NaN anywhere (runs that did not complete) are left out.
    Indices are NaN when the output does not vary. ``bootstrap`` resamples of the rows (0 for
    none: the intervals are then NaN) give percentile intervals at ``confidence``; ``seed``
    fixes them.
    """
    y_a = np.asarray(y_a, dtype=float)
    y_b = np.asarray(y_b, dtype=float)
    y_ab = np.asarray(y_ab, dtype=float)
    if y_ab.ndim == 1:
        y_ab = y_ab[None, :]
    if y_a.ndim != 1 or y_b.shape != y_a.shape or y_ab.ndim != 2 or y_ab.shape[1] != y_a.shape[0]:
        raise ValueError(
            f"expected y_a (N,), y_b (N,), y_ab (d, N); got {y_a.shape}, {y_b.shape}, {y_ab.shape}"
        )
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be in (0, 1), not {confidence}")
    keep = np.isfinite(y_a) & np.isfinite(y_b) & np.all(np.isfinite(y_ab), axis=0)
    y_a, y_b, y_ab = y_a[keep], y_b[keep], y_ab[:, keep]
    n = y_a.shape[0]
    d = y_ab.shape[0]
    if n < 2:
        nan = np.full(d, np.nan)
        return SobolIndices(nan, nan.copy(), np.full((d, 2), np.nan), np.full((d, 2), np.nan),
                            float("nan"), int(n), confidence)
    first, total = _estimate(y_a, y_b, y_ab)
    first_interval = np.full((d, 2), np.nan)
    total_interval = np.full((d, 2), np.nan)
    if bootstrap > 0:
        rng = np.random.default_rng(seed)
        rows = rng.integers(0, n, size=(bootstrap, n))
        # (bootstrap, n) and (bootstrap, d, n), in blocks to bound memory.
        firsts, totals = [], []
        block = max(1, int(2e7 // max(1, n * (d + 2))))
        for start in range(0, bootstrap, block):
            r = rows[start:start + block]
            f, t = _estimate(y_a[r], y_b[r], np.moveaxis(y_ab[:, r], 0, 1))
            firsts.append(f)
            totals.append(t)
        firsts = np.concatenate(firsts)
        totals = np.concatenate(totals)
        tail = 100 * (1 - confidence) / 2
        with np.errstate(invalid="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", category=RuntimeWarning)  # all-NaN: no variance
            first_interval = np.nanpercentile(firsts, [tail, 100 - tail], axis=0).T
            total_interval = np.nanpercentile(totals, [tail, 100 - tail], axis=0).T
    variance = float(np.concatenate([y_a, y_b]).var())
    return SobolIndices(first, total, first_interval, total_interval, variance, int(n), confidence)


def ishigami(x, a: float = 7.0, b: float = 0.1) -> np.ndarray:
    """The Ishigami function on x (..., 3) in [-pi, pi]^3: a standard test of sensitivity analysis.

    Its indices are known in closed form (Sobol' and Levitan 1999): with a = 7, b = 0.1,
    S = (0.314, 0.442, 0) and ST = (0.558, 0.442, 0.244); see :func:`ishigami_indices`.
    """
    x = np.asarray(x, dtype=float)
    return np.sin(x[..., 0]) + a * np.sin(x[..., 1]) ** 2 + b * x[..., 2] ** 4 * np.sin(x[..., 0])


def ishigami_indices(a: float = 7.0, b: float = 0.1) -> tuple[np.ndarray, np.ndarray]:
    """The exact first- and total-order indices of :func:`ishigami`."""
    pi = np.pi
    v1 = 0.5 * (1 + b * pi**4 / 5) ** 2
    v2 = a**2 / 8
    v13 = b**2 * pi**8 * (1 / 18 - 1 / 50)
    variance = v1 + v2 + v13
    first = np.array([v1, v2, 0.0]) / variance
    total = np.array([v1 + v13, v2, v13]) / variance
    return first, total
