"""The headline outcomes of a run as Markdown, CSV or JSON text."""

from __future__ import annotations

import csv
import io
import json

from .headline import DESCRIPTIONS, UNITS, flatten, headline, is_missing, run_identity
from .run import Run

FORMATS = ("markdown", "csv", "json")


def _number(value) -> str:
    if is_missing(value):
        return "n/a"
    if isinstance(value, str):
        return value
    if abs(value) >= 100 or float(value).is_integer():
        return f"{value:,.0f}"
    return f"{value:,.2f}"


def summary_markdown(run: Run) -> str:
    identity = run_identity(run)
    outcomes = headline(run)
    sha = (identity["scenario_sha256"] or "")[:12]
    lines = [
        f"# Run summary: {identity['scenario_name']}",
        "",
        f"- file: `{identity['path']}`",
        f"- scenario: {identity['scenario_name']} (sha256 `{sha}`)",
        f"- mode: {identity['mode']}, seed {identity['seed']}, "
        f"engine {identity['engine_version']} ({identity['git_revision']})",
        f"- period: {identity['start_date']} to {identity['end_date']}, "
        f"{identity['records']} records, step length {identity['dt_days']:g} "
        f"day{'' if identity['dt_days'] == 1 else 's'}",
    ]
    if identity["scenario_overrides"]:
        overrides = "; ".join(identity["scenario_overrides"].splitlines())
        lines.append(f"- overrides: `{overrides}`")
    lines += ["", "| outcome | value | unit |", "| --- | ---: | --- |"]
    for key, value in outcomes.items():
        description = DESCRIPTIONS.get(key, key)
        unit = UNITS.get(key, "")
        if isinstance(value, dict):
            if not value:
                lines.append(f"| {description} | none | |")
            for label, item in value.items():
                lines.append(f"| {description}: {label} | {_number(item)} | {unit} |")
        else:
            lines.append(f"| {description} | {_number(value)} | {unit} |")
    return "\n".join(lines) + "\n"


def summary_csv(run: Run) -> str:
    """Rows ``metric,value,unit``: identity rows first, then one row per outcome."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["metric", "value", "unit"])
    for key, value in run_identity(run).items():
        writer.writerow([key, "" if value is None else value, ""])
    for key, value, unit in flatten(headline(run)):
        if is_missing(value):
            value = ""
        elif isinstance(value, float):
            value = repr(value)  # every digit, so the CSV round-trips exactly
        writer.writerow([key, value, unit])
    return buffer.getvalue()


def summary_json(run: Run) -> str:
    """``{"run": {...identity}, "headline": {...outcomes}}``; missing values are null."""
    outcomes = headline(run)
    for key, value in outcomes.items():
        if is_missing(value):
            outcomes[key] = None
    return json.dumps({"run": run_identity(run), "headline": outcomes}, indent=2) + "\n"


def summary(run: Run, format: str = "markdown") -> str:
    """The run's headline outcomes in ``format`` (one of :data:`FORMATS`)."""
    writers = {"markdown": summary_markdown, "csv": summary_csv, "json": summary_json}
    if format not in writers:
        raise ValueError(f"unknown summary format {format!r}; choose one of {', '.join(FORMATS)}")
    return writers[format](run)
