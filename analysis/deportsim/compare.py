"""Headline outcomes of several runs side by side: a table (Markdown, CSV, JSON) with one
column per run, and a bar chart.

Rows are :func:`~deportsim.headline.headline` flattened (``removals_by_destination.SLV``, ...),
in its order: the fifteen headline metrics of sim/core/headline.hpp, each followed by its
breakdowns (removals by destination, the detention peak's date and the peak by country,
facility costs by kind, final stocks by status). A row that one run lacks (a destination it never removed to) is 0 there for the
labelled entries, and missing (``n/a``, empty, ``null``) for values that are not defined.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Sequence

import numpy as np

from .headline import DESCRIPTIONS, UNITS, flatten, headline, is_missing, run_identity
from .palette import run_styles
from .plotting import (
    Plot,
    country_label,
    finish,
    format_money,
    format_persons,
    new_figure,
    run_labels,
    source_lines,
    value_axis_x,
)
from .run import Run
from .summary import FORMATS

# Nested headline entries whose absent labels mean zero (a destination never removed to).
_ZERO_WHEN_ABSENT = (
    "removals_by_destination", "detention_peak_by_country", "facility_cost_by_kind",
    "final_stocks_by_status",
)

# Bar chart panels: (headline key, title, unit, money).
BAR_PANELS = (
    ("imprisoned_abroad_end", "People imprisoned abroad at the end", "Persons", False),
    ("removals_total", "People removed", "Persons", False),
    ("detention_peak", "Detention peak (all countries)", "Persons", False),
    ("max_detention_releases_total", "Released after maximum detention", "Persons", False),
    ("cost_per_removal", "Flight cost per person removed", "USD per person", True),
    ("deaths_total", "Deaths in transit", "Persons", False),
    ("flight_cost_total", "Spent by flight programmes", "USD", True),
    ("fees_total", "Fees paid under agreements", "USD", True),
)
TOP_BAR_DESTINATIONS = 6


def comparison(runs: Sequence[Run], labels: Sequence[str] | None = None) -> dict:
    """``{"labels": [...], "runs": [identity...], "headline": [outcomes...], "rows":
    [(metric, unit, [value per run])]}``."""
    labels = list(labels or run_labels(runs))
    outcomes = [headline(run) for run in runs]
    flattened = [dict((key, (value, unit)) for key, value, unit in flatten(o)) for o in outcomes]
    metrics: list[str] = []
    for key in outcomes[0] if outcomes else []:
        for table in flattened:
            for metric in table:
                if (metric == key or metric.startswith(key + ".")) and metric not in metrics:
                    metrics.append(metric)
    rows = []
    for metric in metrics:
        parent = metric.split(".", 1)[0]
        values = []
        for table in flattened:
            if metric in table:
                values.append(table[metric][0])
            elif parent in _ZERO_WHEN_ABSENT and "." in metric:
                values.append(0.0)
            else:
                values.append(None)
        rows.append((metric, UNITS.get(parent, ""), values))
    identities = [run_identity(run) for run in runs]
    return {"labels": labels, "runs": identities, "headline": outcomes, "rows": rows}


def _cell(value) -> str:
    if is_missing(value):
        return "n/a"
    if isinstance(value, str):
        return value
    if abs(value) >= 100 or float(value).is_integer():
        return f"{value:,.0f}"
    return f"{value:,.2f}"


def _describe(metric: str) -> str:
    parent, _, label = metric.partition(".")
    description = DESCRIPTIONS.get(parent, parent)
    return f"{description}: {label}" if label else description


def compare_markdown(table: dict) -> str:
    labels = table["labels"]
    lines = ["# Runs compared", ""]
    for label, identity in zip(labels, table["runs"]):
        sha = (identity["scenario_sha256"] or "")[:12]
        lines.append(
            f"- **{label}**: `{identity['path']}`, scenario {identity['scenario_name']} "
            f"(sha256 `{sha}`), {identity['mode']} mode, seed {identity['seed']}, "
            f"{identity['start_date']} to {identity['end_date']}"
            + (f", overrides `{'; '.join(identity['scenario_overrides'].splitlines())}`"
               if identity["scenario_overrides"] else "")
        )
    lines += ["", "| outcome | unit | " + " | ".join(labels) + " |",
              "| --- | --- | " + " | ".join("---:" for _ in labels) + " |"]
    for metric, unit, values in table["rows"]:
        lines.append(f"| {_describe(metric)} | {unit} | " + " | ".join(_cell(v) for v in values) + " |")
    return "\n".join(lines) + "\n"


def compare_csv(table: dict) -> str:
    """Rows ``metric,unit,<label>...``: identity rows first (unit empty), then one row per
    outcome; floats with every digit, missing values empty."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["metric", "unit", *table["labels"]])
    for key in table["runs"][0] if table["runs"] else []:
        writer.writerow([key, "", *("" if r[key] is None else r[key] for r in table["runs"])])
    for metric, unit, values in table["rows"]:
        cells = ["" if is_missing(v) else repr(v) if isinstance(v, float) else v for v in values]
        writer.writerow([metric, unit, *cells])
    return buffer.getvalue()


def compare_json(table: dict) -> str:
    """``{"runs": [{"label", "run", "headline"}], "rows": [{"metric", "unit", "values"}]}``;
    missing values are null."""

    def clean(value):
        if isinstance(value, dict):
            return {k: clean(v) for k, v in value.items()}
        return None if is_missing(value) else value

    document = {
        "runs": [
            {"label": label, "run": identity, "headline": clean(outcomes)}
            for label, identity, outcomes in zip(table["labels"], table["runs"], table["headline"])
        ],
        "rows": [
            {"metric": metric, "unit": unit, "values": [clean(v) for v in values]}
            for metric, unit, values in table["rows"]
        ],
    }
    return json.dumps(document, indent=2) + "\n"


def compare(runs: Sequence[Run], format: str = "markdown", labels: Sequence[str] | None = None) -> str:
    """The headline outcomes of ``runs`` side by side in ``format`` (one of :data:`FORMATS`)."""
    writers = {"markdown": compare_markdown, "csv": compare_csv, "json": compare_json}
    if format not in writers:
        raise ValueError(f"unknown format {format!r}; choose one of {', '.join(FORMATS)}")
    return writers[format](comparison(runs, labels))


def plot_headline(runs: Sequence[Run], labels: Sequence[str] | None = None) -> Plot:
    """Headline outcomes as bars, one panel per outcome (:data:`BAR_PANELS`) and one for
    removals by destination (the six largest destinations over all runs), one bar per run.
    Size 1800 x 1350 pixels. Data: ``values``: headline key -> {label: value};
    ``removals_by_destination``: destination -> {label: persons}."""
    labels = list(labels or run_labels(runs))
    styles = run_styles(len(runs))
    outcomes = [headline(run) for run in runs]
    figure = new_figure(9.0, 1 + len(runs))
    grid = figure.subplots(3, 3)
    axes_list = list(grid.ravel())
    data: dict = {"labels": labels, "values": {}, "removals_by_destination": {}}
    positions = np.arange(len(runs))
    for axes, (key, title, unit, money) in zip(axes_list, BAR_PANELS):
        values = [o.get(key) for o in outcomes]
        data["values"][key] = dict(zip(labels, values))
        heights = [0.0 if is_missing(v) else float(v) for v in values]
        axes.barh(positions, heights, color=[s.colour for s in styles],
                  hatch=None, height=0.7)
        for bar_position, value in zip(positions, values):
            text = "n/a" if is_missing(value) else (format_money(value) if money else format_persons(value))
            axes.text(0 if is_missing(value) else value, bar_position, "  " + text, va="center",
                      fontsize=8)
        axes.set_yticks(positions, labels)
        axes.invert_yaxis()
        top = max(heights) if heights else 0.0
        axes.set_xlim(0, top * 1.3 if top > 0 else 1.0)
        value_axis_x(axes, unit, money=money)
        axes.set_title(title, loc="left", fontsize=10)
    axes = axes_list[len(BAR_PANELS)]
    destinations: dict[str, float] = {}
    for o in outcomes:
        for code, value in o["removals_by_destination"].items():
            destinations[code] = destinations.get(code, 0.0) + value
    chosen = sorted(destinations, key=lambda c: -destinations[c])[:TOP_BAR_DESTINATIONS]
    height = 0.8 / max(len(runs), 1)
    for index, (label, style, o) in enumerate(zip(labels, styles, outcomes)):
        values = [o["removals_by_destination"].get(code, 0.0) for code in chosen]
        offsets = np.arange(len(chosen)) + (index - (len(runs) - 1) / 2) * height
        axes.barh(offsets, values, height=height * 0.92, color=style.colour, label=label)
        for code, value in zip(chosen, values):
            data["removals_by_destination"].setdefault(code, {})[label] = value
    axes.set_yticks(range(len(chosen)), [country_label(runs[0], c) for c in chosen], fontsize=8)
    axes.invert_yaxis()
    value_axis_x(axes, "Persons")
    axes.set_title(f"Removed, by destination (largest {len(chosen)})", loc="left", fontsize=10)
    if not chosen:
        axes.text(0.5, 0.5, "no removals", transform=axes.transAxes, ha="center", color="#777777")
    axes.legend(title="Run", frameon=False, fontsize=8, title_fontsize=8.5, loc="lower right")
    for axes in axes_list[:len(BAR_PANELS)]:
        axes.tick_params(axis="y", labelsize=8)
    finish(figure, "Headline outcomes: runs compared",
           ["Each panel: one bar per run (colours as in the other comparison figures). Stocks at "
            "the end of the run; flows and costs summed over the run."] + source_lines(runs, labels))
    return Plot("headline", figure, data)
