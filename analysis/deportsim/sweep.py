"""Reading and plotting sweep files (``format = "deportsim-sweep"``, docs/sweep-format.md).

``deportsim sweep SWEEP.yaml -o SWEEP.h5`` writes one file for a whole parameter sweep or
ensemble: the points of the design, each run's headline metrics (``summary``), seed and
completion, and the requested per-step series.

    >>> from deportsim.sweep import open_sweep, plot_sweep, sobol_analysis
    >>> ds = open_sweep("out/grid.h5")              # an xarray Dataset
    >>> ds.summary.sel(metric="removals_total")     # (point, replicate)
    >>> ds["stocks.detained"]                       # a series: (point, replicate, time)
    >>> plot_sweep("out/grid.h5", "out/grid-figures")

:func:`run_metrics` computes the same fifteen metrics from a run file, with the definitions
of :func:`deportsim.headline.headline` where the two share a number.
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Sequence

import h5py
import numpy as np

from .headline import METRIC_NAMES
from .run import FormatError, Run
from .sobol import SobolIndices, sobol_indices
from .versions import SWEEP_FORMAT as FORMAT
from .versions import SWEEP_MAJOR as SUPPORTED_MAJOR

# The metrics of the `metric` dimension, in file order: those of sim/core/headline.hpp, which
# deportsim.headline() computes under the same names from a run file.
METRICS = METRIC_NAMES


def _text(value) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8")
    if isinstance(value, np.ndarray) and value.shape == ():
        return _text(value[()])
    return str(value)


def _attribute(value):
    if isinstance(value, (bytes, np.bytes_)):
        return value.decode("utf-8")
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    return value


def is_sweep_file(path: str | os.PathLike) -> bool:
    """Whether ``path`` is an HDF5 file whose ``format`` attribute says deportsim-sweep."""
    try:
        with h5py.File(path, "r") as f:
            return _text(f.attrs.get("format", "")) == FORMAT
    except OSError:
        return False


def _check(f: h5py.File, path: Path) -> None:
    kind = _text(f.attrs["format"]) if "format" in f.attrs else None
    if kind != FORMAT:
        what = f"a '{kind}' file" if kind else "an HDF5 file without a `format` attribute"
        raise FormatError(f"{path}: {what}, not a {FORMAT} file")
    version = np.asarray(f.attrs.get("format_version", [0, 0])).tolist()
    if not version or int(version[0]) != SUPPORTED_MAJOR:
        raise FormatError(
            f"{path}: {FORMAT} format version {'.'.join(str(v) for v in version)}; this package "
            f"reads version {SUPPORTED_MAJOR}.x"
        )


def _open_file(path: Path) -> h5py.File:
    if not path.exists():
        journal = Path(str(path) + ".runs")
        if journal.exists():
            raise FileNotFoundError(
                f"{path}: no such file ({journal.name}/ exists: the sweep has not completed; "
                "`deportsim sweep ... --resume` continues it, --partial writes what it has)"
            )
        raise FileNotFoundError(f"{path}: no such file")
    try:
        return h5py.File(path, "r")
    except OSError as error:
        raise FormatError(f"{path}: not an HDF5 file, so not a {FORMAT} file ({error})") from None


def open_sweep(path: str | os.PathLike):
    """The whole sweep file as an ``xarray.Dataset`` (read into memory).

    Dimensions ``point``, ``parameter``, ``replicate``, ``metric`` and ``time`` (dates); data
    variables ``points(point, parameter)``, ``summary(point, replicate, metric)``,
    ``run_seed``, ``complete`` and one variable per series, named as in the sweep file
    (``stocks.detained``), ``(point, replicate, time)``; the labels along ``parameter``,
    ``metric`` and (Sobol' designs) ``point`` are coordinates. Root attributes become
    ``attrs`` (``sweep_yaml``, ``base_scenario_yaml``, ``design``, ``replicates``, ...), plus
    ``series`` (the series names, in file order).

    Raises FileNotFoundError (saying so when only the journal SWEEP.h5.runs/ exists) and
    :class:`deportsim.FormatError` when the file is not a deportsim-sweep file of major
    version 1.
    """
    import xarray as xr

    path = Path(path)
    with _open_file(path) as f:
        _check(f, path)
        attrs = {key: _attribute(value) for key, value in f.attrs.items()}
        strings = lambda name: np.array([_text(v) for v in f[name][()]], dtype=object)  # noqa: E731
        start = np.datetime64(attrs["start_date"], "s")
        days = f["time"][()]
        dates = start + np.round(days * 86400).astype("timedelta64[s]")
        coords = {
            "point": f["point"][()],
            "parameter": strings("parameter"),
            "replicate": f["replicate"][()],
            "metric": strings("metric"),
            "time": dates,
            "parameter_units": ("parameter", strings("parameter_units")),
            "parameter_distribution": ("parameter", strings("parameter_distribution")),
            "parameter_low": ("parameter", f["parameter_low"][()]),
            "parameter_high": ("parameter", f["parameter_high"][()]),
            "parameter_integer": ("parameter", f["parameter_integer"][()]),
            "metric_units": ("metric", strings("metric_units")),
            "metric_long_name": ("metric", strings("metric_long_name")),
        }
        if "sobol_matrix" in f:
            coords["sobol_matrix"] = ("point", f["sobol_matrix"][()])
            coords["sobol_row"] = ("point", f["sobol_row"][()])
        variables = {}
        for name, dims in (
            ("points", ("point", "parameter")),
            ("summary", ("point", "replicate", "metric")),
            ("run_seed", ("point", "replicate")),
            ("complete", ("point", "replicate")),
        ):
            dataset = f[name]
            variables[name] = xr.Variable(
                dims, dataset[()],
                {k: _attribute(v) for k, v in dataset.attrs.items() if k in ("long_name", "units")},
            )
        series = []
        for name in f["series"]:
            dataset = f["series"][name]
            series.append(name)
            variables[name] = xr.Variable(
                ("point", "replicate", "time"), dataset[()],
                {k: _attribute(v) for k, v in dataset.attrs.items() if k in ("long_name", "units")},
            )
    attrs["series"] = series
    attrs["path"] = str(path)
    return xr.Dataset(variables, coords=coords, attrs=attrs)


def metric_runs(ds, metric: str) -> np.ndarray:
    """The metric for every run, (point, replicate); NaN for runs that did not complete."""
    return ds.summary.sel(metric=metric).values


def sobol_design_outputs(ds, values: np.ndarray):
    """Split per-point values (point,) of a Sobol' design into y_A (N,), y_B (N,), y_AB (d, N)."""
    if "sobol_matrix" not in ds.coords:
        raise ValueError(f"{ds.attrs.get('path', 'the sweep')}: not a sobol design")
    matrix = ds.sobol_matrix.values
    row = ds.sobol_row.values
    n = int(row.max()) + 1
    d = ds.sizes["parameter"]
    table = np.full((d + 2, n), np.nan)
    table[matrix, row] = values
    return table[0], table[1], table[2:]


def sobol_analysis(ds, metrics: Sequence[str] | None = None, *, bootstrap: int = 1000,
                   confidence: float = 0.95, seed: int = 0) -> dict[str, SobolIndices]:
    """First- and total-order indices of each metric (default: all) over the swept parameters.

    The output of a point is the mean of its completed replicates. Rows (base samples) with an
    incomplete point are left out.
    """
    results = {}
    for metric in metrics if metrics is not None else [str(m) for m in ds.metric.values]:
        runs = metric_runs(ds, metric)
        with np.errstate(invalid="ignore"), _quiet_nanmean():
            per_point = np.nanmean(runs, axis=1)
        y_a, y_b, y_ab = sobol_design_outputs(ds, per_point)
        results[metric] = sobol_indices(y_a, y_b, y_ab, bootstrap=bootstrap,
                                        confidence=confidence, seed=seed)
    return results


class _quiet_nanmean:
    """Silences numpy's "mean of empty slice" warning for points with no completed run."""

    def __enter__(self):
        import warnings

        self._catch = warnings.catch_warnings()
        self._catch.__enter__()
        warnings.simplefilter("ignore", category=RuntimeWarning)

    def __exit__(self, *exc):
        return self._catch.__exit__(*exc)


def run_metrics(run: Run) -> dict[str, float]:
    """The fifteen sweep metrics of a run file: the metrics of
    :func:`deportsim.headline.headline` (the same names and definitions), with NaN where the
    headline has None (``cost_per_removal`` without programmes or removals)."""
    from .headline import headline

    outcomes = headline(run)
    return {
        metric: float("nan") if outcomes[metric] is None else float(outcomes[metric])
        for metric in METRICS
    }


# -- figures --------------------------------------------------------------------------------

DPI = 150
WIDTH_IN = 12.0
PANEL_COLUMNS = 3
BAND_COLOUR = "#0072B2"  # Okabe-Ito blue
SOBOL_LIMITS = (-0.25, 1.25)  # indices are shares of variance: [0, 1] up to estimation error
LINE_COLOURS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9")


def _figure(panels: int, row_height: float = 2.6):
    from matplotlib.figure import Figure

    rows = max(1, math.ceil(panels / PANEL_COLUMNS))
    height = 1.3 + rows * row_height
    figure = Figure(figsize=(WIDTH_IN, height), dpi=DPI)
    bottom = 0.55 / height
    figure.set_layout_engine("constrained", rect=(0, bottom, 1, 1 - 0.1 / height - bottom))
    axes = figure.subplots(rows, PANEL_COLUMNS, squeeze=False).ravel()
    for extra in axes[panels:]:
        extra.set_axis_off()
    return figure, axes[:panels]


def source_line(ds) -> str:
    """One line naming the sweep, for figure captions."""
    a = ds.attrs
    return (
        f"Source: sweep file sha256 {str(a.get('sweep_sha256', ''))[:12]} on base scenario "
        f"\u201c{a.get('scenario_name', '?')}\u201d (sha256 {str(a.get('scenario_sha256', ''))[:12]}); "
        f"{a.get('design')} design, {ds.sizes['point']} points \u00d7 {ds.sizes['replicate']} "
        f"replicates, {a.get('mode')} mode, seed {a.get('seed')}; deportsim "
        f"{a.get('engine_version')} ({a.get('git_revision')})"
    )


def _finish(figure, ds, title: str, subtitle: str) -> None:
    figure.suptitle(title, fontsize=15, fontweight="bold", x=0.01, ha="left")
    figure.text(0.01, 0.008, subtitle + "\n" + source_line(ds), fontsize=7.5, color="#555555",
                ha="left", va="bottom")


def _short(number: float) -> str:
    magnitude = abs(number)
    if magnitude >= 1e9:
        return f"{number / 1e9:.4g}bn"
    if magnitude >= 1e6:
        return f"{number / 1e6:.4g}M"
    if magnitude >= 1e4:
        return f"{number / 1e3:.4g}k"
    if magnitude >= 1000:
        return f"{number:,.0f}"
    if magnitude >= 1:
        return f"{number:.4g}"
    return f"{number:.3g}"


def _value_axis(axis, units: str) -> None:
    from matplotlib.ticker import FuncFormatter

    if units.startswith("USD"):
        axis.set_major_formatter(FuncFormatter(lambda v, _: "$" + _short(v)))
    else:
        axis.set_major_formatter(FuncFormatter(lambda v, _: _short(v)))


def _metric_title(ds, metric: str) -> tuple[str, str]:
    units = str(ds.metric_units.sel(metric=metric).values)
    return metric.replace("_", " "), units


def _parameter_label(ds, parameter: str) -> str:
    units = str(ds.parameter_units.sel(parameter=parameter).values)
    return f"{parameter} ({units})" if units and units != "1" else parameter


def _empty(axes, text: str) -> None:
    axes.text(0.5, 0.5, text, transform=axes.transAxes, ha="center", va="center",
              color="#777777", fontsize=9)


def _band(axes, x, runs, colour, label=None):
    """Median and the 10-90% and 25-75% quantile bands of runs (len(x), k) at each x."""
    with np.errstate(invalid="ignore"), _quiet_nanmean():
        q = np.nanquantile(runs, [0.1, 0.25, 0.5, 0.75, 0.9], axis=1)
    axes.fill_between(x, q[0], q[4], color=colour, alpha=0.15, linewidth=0)
    axes.fill_between(x, q[1], q[3], color=colour, alpha=0.3, linewidth=0)
    axes.plot(x, q[2], color=colour, linewidth=1.8, marker="o", markersize=3.5, label=label)
    return q


def plot_response(ds, parameter: str):
    """Each metric against one parameter: the median over runs and 10-90% / 25-75% bands.

    Grid: at each value of the parameter, the runs are the replicates; with other parameters
    swept, one line per combination of theirs (up to six; beyond that they are pooled into
    the bands). Latin hypercube (and Sobol'): each run is a dot; the bands are quantiles over
    the runs in bins of the parameter (equal counts). Returns (figure, data).
    """
    metrics = [str(m) for m in ds.metric.values]
    values = ds.points.sel(parameter=parameter).values
    figure, axes_list = _figure(len(metrics))
    grid = ds.attrs.get("design") == "grid"
    others = [str(p) for p in ds.parameter.values if str(p) != parameter]
    data = {}
    combos = []
    if grid and others:
        combos = sorted({tuple(ds.points.sel(parameter=o).values[i] for o in others)
                         for i in range(ds.sizes["point"])})
    pooled = grid and len(combos) > len(LINE_COLOURS)
    log_x = str(ds.parameter_distribution.sel(parameter=parameter).values) == "loguniform"
    for axes, metric in zip(axes_list, metrics):
        runs = metric_runs(ds, metric)
        title, units = _metric_title(ds, metric)
        axes.set_title(title, loc="left", fontsize=10)
        axes.set_ylabel(units, fontsize=8)
        _value_axis(axes.yaxis, units)
        axes.tick_params(labelsize=8)
        if log_x:
            axes.set_xscale("log")
        if not np.any(np.isfinite(runs)):
            _empty(axes, "no values (undefined in every run)")
            continue
        if grid:
            levels = np.unique(values)
            if combos and not pooled:
                for colour, combo in zip(LINE_COLOURS, combos):
                    mask = np.all([ds.points.sel(parameter=o).values == v
                                   for o, v in zip(others, combo)], axis=0)
                    rows = [runs[mask & (values == level)].ravel() for level in levels]
                    width = max(len(r) for r in rows)
                    table = np.array([np.pad(r, (0, width - len(r)), constant_values=np.nan)
                                      for r in rows])
                    label = ", ".join(f"{o.rsplit('.', 1)[-1]} = {_short(v)}"
                                      for o, v in zip(others, combo))
                    data[(metric, combo)] = _band(axes, levels, table, colour, label)
            else:
                rows = [runs[values == level].ravel() for level in levels]
                width = max(len(r) for r in rows)
                table = np.array([np.pad(r, (0, width - len(r)), constant_values=np.nan)
                                  for r in rows])
                data[metric] = _band(axes, levels, table, BAND_COLOUR)
        else:
            x = np.repeat(values, runs.shape[1])
            y = runs.ravel()
            ok = np.isfinite(y)
            axes.scatter(x[ok], y[ok], s=6, color="#555555", alpha=0.5, linewidths=0)
            bins = int(np.clip(len(values) // 5, 3, 12))
            edges = np.quantile(values, np.linspace(0, 1, bins + 1))
            which = np.clip(np.searchsorted(edges, values, side="right") - 1, 0, bins - 1)
            centres, table = [], []
            for b in range(bins):
                chosen = runs[which == b].ravel()
                if chosen.size:
                    centres.append(np.median(values[which == b]))
                    table.append(chosen)
            width = max(len(r) for r in table)
            table = np.array([np.pad(r, (0, width - len(r)), constant_values=np.nan)
                              for r in table])
            data[metric] = _band(axes, np.array(centres), table, BAND_COLOUR)
    for axes in axes_list[-PANEL_COLUMNS:]:
        axes.set_xlabel(_parameter_label(ds, parameter), fontsize=8)
    if combos and not pooled:
        handles, labels = axes_list[0].get_legend_handles_labels()
        figure.legend(handles, labels, loc="upper right", fontsize=8, frameon=False)
    if grid:
        how = ("replicates at each value" +
               (", other parameters pooled" if pooled else
                ", one line per value of the other parameters" if combos else ""))
    else:
        how = "runs in bins of equal count along the parameter; dots are single runs"
    _finish(figure, ds, f"Response to {parameter}",
            f"Line: median; bands: 25-75% (dark) and 10-90% (light) of {how}.")
    return figure, data


def plot_heatmap(ds):
    """Two-parameter grids: the replicate mean of each metric over the grid. Returns
    (figure, means (metric -> (values of parameter 0, values of parameter 1)))."""
    p0, p1 = (str(p) for p in ds.parameter.values)
    v0 = ds.points.sel(parameter=p0).values
    v1 = ds.points.sel(parameter=p1).values
    levels0, levels1 = np.unique(v0), np.unique(v1)
    metrics = [str(m) for m in ds.metric.values]
    figure, axes_list = _figure(len(metrics), row_height=2.9)
    data = {}
    for axes, metric in zip(axes_list, metrics):
        with np.errstate(invalid="ignore"), _quiet_nanmean():
            per_point = np.nanmean(metric_runs(ds, metric), axis=1)
        table = np.full((len(levels0), len(levels1)), np.nan)
        table[np.searchsorted(levels0, v0), np.searchsorted(levels1, v1)] = per_point
        data[metric] = table
        title, units = _metric_title(ds, metric)
        axes.set_title(title, loc="left", fontsize=10)
        if not np.any(np.isfinite(table)):
            _empty(axes, "no values (undefined in every run)")
            continue
        image = axes.imshow(table, origin="lower", aspect="auto", cmap="viridis")
        colourbar = figure.colorbar(image, ax=axes, shrink=0.9)
        colourbar.set_label(units, fontsize=8)
        _value_axis(colourbar.ax.yaxis, units)
        colourbar.ax.tick_params(labelsize=7)
        axes.set_yticks(range(len(levels0)), [_short(v) for v in levels0], fontsize=7)
        axes.set_xticks(range(len(levels1)), [_short(v) for v in levels1], fontsize=7)
        if len(levels0) * len(levels1) <= 36:
            for i in range(len(levels0)):
                for j in range(len(levels1)):
                    if np.isfinite(table[i, j]):
                        axes.text(j, i, _short(table[i, j]), ha="center", va="center",
                                  fontsize=6.5, color="white")
    for axes in axes_list:
        axes.set_ylabel(_parameter_label(ds, p0), fontsize=7)
    for axes in axes_list[-PANEL_COLUMNS:]:
        axes.set_xlabel(_parameter_label(ds, p1), fontsize=7)
    _finish(figure, ds, f"Grid of {p0.rsplit('.', 1)[-1]} and {p1.rsplit('.', 1)[-1]}",
            "Colour: mean over replicates at each point of the grid.")
    return figure, data


def plot_sobol(ds, *, bootstrap: int = 1000, seed: int = 0):
    """Sobol' designs: first-order (S1) and total-order (ST) indices of each metric, bars with
    95% bootstrap intervals. Returns (figure, {metric: SobolIndices})."""
    metrics = [str(m) for m in ds.metric.values]
    results = sobol_analysis(ds, metrics, bootstrap=bootstrap, seed=seed)
    parameters = [str(p) for p in ds.parameter.values]
    short = [p.rsplit(".", 1)[-1] for p in parameters]
    if len(set(short)) < len(short):
        short = parameters
    figure, axes_list = _figure(len(metrics), row_height=2.8)
    x = np.arange(len(parameters))
    clipped_any = False
    for axes, metric in zip(axes_list, metrics):
        r = results[metric]
        title, _ = _metric_title(ds, metric)
        axes.set_title(title, loc="left", fontsize=10)
        axes.set_ylabel("share of variance (1)", fontsize=8)
        axes.tick_params(labelsize=8)
        axes.axhline(0, color="#999999", linewidth=0.6)
        if not np.any(np.isfinite(r.first)):
            _empty(axes, "no variance (or no values)")
            axes.set_xticks(x, short, rotation=20, ha="right", fontsize=7)
            continue
        for offset, values, interval, colour, label in (
            (-0.18, r.first, r.first_interval, "#0072B2", "first order S1"),
            (0.18, r.total, r.total_interval, "#D55E00", "total order ST"),
        ):
            errors = np.abs(np.vstack([values - interval[:, 0], interval[:, 1] - values]))
            shown = np.clip(values, *SOBOL_LIMITS)
            axes.bar(x + offset, shown, width=0.36, color=colour, label=label,
                     yerr=np.nan_to_num(errors), capsize=3, error_kw={"linewidth": 0.8})
            for position, value in zip(x + offset, values):
                if np.isfinite(value) and not SOBOL_LIMITS[0] <= value <= SOBOL_LIMITS[1]:
                    clipped_any = True
                    axes.text(position, np.clip(value, *SOBOL_LIMITS), f"{value:.3g}",
                              ha="center", va="bottom" if value > 0 else "top", fontsize=7)
        axes.set_ylim(*SOBOL_LIMITS)
        axes.set_xticks(x, short, rotation=20, ha="right", fontsize=7)
    handles, labels = axes_list[0].get_legend_handles_labels()
    figure.legend(handles, labels, loc="upper right", fontsize=8, frameon=False)
    n = int(ds.sobol_row.values.max()) + 1
    note = (f" Estimates outside [{SOBOL_LIMITS[0]}, {SOBOL_LIMITS[1]}] are cut at the edge and "
            "labelled: N is too small for them." if clipped_any else "")
    _finish(figure, ds, "Sensitivity: Sobol' indices of each metric",
            f"Saltelli design, N = {n} base samples; S1 (Saltelli 2010) and ST (Jansen 1999) of "
            "the replicate mean at each point; whiskers: 95% bootstrap intervals." + note)
    return figure, results


def plot_ensemble(ds):
    """An ensemble (no parameters): the distribution of each metric over the replicates, as a
    histogram with the median and the 10% and 90% quantiles marked. Returns (figure, quantiles
    (metric -> [q10, median, q90]))."""
    from matplotlib.ticker import MaxNLocator

    metrics = [str(m) for m in ds.metric.values]
    figure, axes_list = _figure(len(metrics))
    data = {}
    for axes, metric in zip(axes_list, metrics):
        values = metric_runs(ds, metric).ravel()
        values = values[np.isfinite(values)]
        title, units = _metric_title(ds, metric)
        axes.set_title(title, loc="left", fontsize=10)
        axes.set_xlabel(units, fontsize=8)
        axes.set_ylabel("runs", fontsize=8)
        axes.yaxis.set_major_locator(MaxNLocator(integer=True))
        _value_axis(axes.xaxis, units)
        axes.tick_params(labelsize=8)
        if values.size == 0:
            _empty(axes, "no values (undefined in every run)")
            continue
        q = np.quantile(values, [0.1, 0.5, 0.9])
        data[metric] = q
        axes.hist(values, bins=min(30, max(5, values.size // 4)), color=BAND_COLOUR, alpha=0.6)
        for value, style in zip(q, (":", "-", ":")):
            axes.axvline(value, color="#333333", linestyle=style, linewidth=1.2)
    _finish(figure, ds, "Ensemble: each metric over the replicates",
            "Bars: runs per bin; solid line: median; dotted lines: 10% and 90% quantiles.")
    return figure, data


def plot_sweep(path: str | os.PathLike, outdir: str | os.PathLike | None = None) -> list[Path]:
    """Draws the figures of a sweep file as PNG files in ``outdir`` and returns their paths.

    - grid and latin_hypercube designs: ``response_<k>_<parameter>.png``, each metric against
      parameter k with replicate quantile bands; two-parameter grids also ``heatmap.png``;
    - sobol designs: ``sobol_indices.png``, first- and total-order indices with intervals;
    - ensembles (no parameters): ``ensemble.png``, each metric's distribution over replicates.

    Without ``outdir``, the figures go to ``<SWEEP>-figures/`` next to the file. Every figure is
    1800 pixels wide (150 dpi) and has a title, axis labels with units and a source line
    naming the sweep file's SHA-256.
    """
    path = Path(path)
    out = Path(outdir) if outdir is not None else path.with_name(path.stem + "-figures")
    out.mkdir(parents=True, exist_ok=True)
    ds = open_sweep(path)
    written = []

    def save(figure, name):
        target = out / f"{name}.png"
        figure.savefig(target, dpi=DPI, metadata={"Software": "deportsim"})
        written.append(target)

    design = ds.attrs.get("design")
    if ds.sizes["parameter"] == 0:
        figure, _ = plot_ensemble(ds)
        save(figure, "ensemble")
    elif design == "sobol":
        figure, _ = plot_sobol(ds)
        save(figure, "sobol_indices")
    else:
        for k, parameter in enumerate(str(p) for p in ds.parameter.values):
            figure, _ = plot_response(ds, parameter)
            stem = parameter.replace("/", "_").replace(">", "").replace(".", "_")
            save(figure, f"response_{k}_{stem}")
        if design == "grid" and ds.sizes["parameter"] == 2:
            figure, _ = plot_heatmap(ds)
            save(figure, "heatmap")
    return written
