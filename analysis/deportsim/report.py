"""A self-contained HTML report of one run, or of several runs compared.

One page, readable offline and attachable to an e-mail: the figures are embedded as base64
PNG ``data:`` URIs, the CSS is inline, and there are no scripts and no links to anything
outside the page. It holds the scenario summary (name, description from the scenario text,
dates, mode, seed, SHA-256, engine version), a table of headline outcomes (one column per run
when there are several), and every figure with a caption. With several runs the figures are
the overlays and the headline bar chart.

    >>> from deportsim import open_run
    >>> from deportsim.report import write_report
    >>> with open_run("out/a.h5") as a, open_run("out/b.h5") as b:
    ...     write_report([a, b], "out/report.html")
"""

from __future__ import annotations

import base64
import datetime
import html
import os
import re
from pathlib import Path
from typing import Sequence

from . import __version__
from .compare import comparison
from .figures import caption, draw_figures, draw_overlays
from .headline import DESCRIPTIONS, flatten, headline, is_missing, run_identity
from .palette import status_label
from .plotting import Plot, run_labels
from .run import Run

STYLE = """
:root { color-scheme: light; }
body { margin: 0; background: #f6f6f4; color: #1d1d1b;
  font: 15px/1.5 "DejaVu Sans", "Helvetica Neue", Arial, sans-serif; }
main { max-width: 1240px; margin: 0 auto; padding: 24px 32px 48px; background: #ffffff; }
h1 { font-size: 28px; margin: 8px 0 4px; }
h2 { font-size: 21px; margin: 36px 0 12px; padding-bottom: 4px; border-bottom: 2px solid #332288; }
p.lede { font-size: 16px; color: #333333; margin: 4px 0 16px; max-width: 60em; }
p.note { color: #555555; font-size: 13px; }
table { border-collapse: collapse; margin: 8px 0 16px; font-size: 14px; }
th, td { padding: 5px 12px; border-bottom: 1px solid #dddddd; vertical-align: top; text-align: left; }
thead th { border-bottom: 2px solid #555555; background: #f0f0ee; }
td.number { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
th.number { text-align: right; }
tr.group td { background: #fafaf8; }
table.identity th { width: 13em; font-weight: 600; background: none; }
code { font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 13px;
  word-break: break-all; }
nav ol { columns: 2; margin: 4px 0 8px; }
figure { margin: 28px 0 36px; }
figure img { display: block; width: 100%; height: auto; border: 1px solid #e4e4e0; }
figcaption { margin-top: 8px; font-size: 14px; color: #333333; max-width: 62em; }
footer { margin-top: 40px; font-size: 12px; color: #666666; }
@media print { body { background: none; } main { padding: 0; } figure { break-inside: avoid; } }
"""


def scenario_description(run: Run) -> str:
    """The scenario's ``description``: the root attribute ``scenario_description`` (format 1.1
    on), or, in an older file, the top-level ``description:`` entry of the scenario text (plain,
    quoted or a folded block), read as text: the package does not parse the scenario."""
    recorded = run.scenario_description
    if recorded is not None:
        return " ".join(recorded.split())
    lines = run.scenario_yaml.splitlines()
    for position, line in enumerate(lines):
        match = re.match(r"description:\s*(.*)$", line)
        if not match:
            continue
        value = match.group(1).split(" #", 1)[0].strip()
        if value[:1] in (">", "|"):
            block = []
            for following in lines[position + 1:]:
                if following.strip() and not following[:1].isspace():
                    break
                block.append(following.strip())
            return " ".join(" ".join(block).split())
        return value.strip("'\"")
    return ""


def _number(value, unit: str = "") -> str:
    if is_missing(value):
        return "n/a"
    if isinstance(value, str):
        return value
    if unit.startswith("USD"):
        return f"${value:,.0f}" if abs(value) >= 100 else f"${value:,.2f}"
    if abs(value) >= 100 or float(value).is_integer():
        return f"{value:,.0f}"
    return f"{value:,.2f}"


def _describe(metric: str, names: dict[str, str]) -> str:
    """The outcome in words, labels named: "People removed, by destination: Haiti (HTI)"."""
    parent, _, label = metric.partition(".")
    description = DESCRIPTIONS.get(parent, parent)
    if label and parent == "final_stocks_by_status":
        label = status_label(label).split(" (")[0].lower()
    elif label:
        label = f"{names[label]} ({label})" if names.get(label, label) != label else label
    text = f"{description}: {label}" if label else description
    return text[:1].upper() + text[1:]


def _identity_rows(runs: Sequence[Run]) -> list[tuple[str, list[str]]]:
    """(row heading, [cell HTML per run]) for the scenario summary."""
    identities = [run_identity(run) for run in runs]

    def row(heading: str, cells) -> tuple[str, list[str]]:
        return heading, list(cells)

    rows = [
        row("Scenario", (html.escape(i["scenario_name"]) for i in identities)),
        row("Description", (html.escape(scenario_description(run)) or "<em>none</em>" for run in runs)),
        row("Period", (f"{i['start_date']} to {i['end_date']} ({i['records'] - 1} steps of "
                       f"{i['dt_days']:g} day{'' if i['dt_days'] == 1 else 's'})" for i in identities)),
        row("Mode", (html.escape(i["mode"]) for i in identities)),
        row("Seed", (html.escape(str(i["seed"])) for i in identities)),
        row("Scenario SHA-256", (f"<code>{html.escape(i['scenario_sha256'])}</code>" for i in identities)),
        row("Engine version", (f"{html.escape(str(i['engine_version']))} (git "
                               f"<code>{html.escape(str(i['git_revision']))}</code>)" for i in identities)),
        row("Run file", (f"<code>{html.escape(i['path'])}</code> (format {i['format_version']})"
                         for i in identities)),
    ]
    if any(i["scenario_overrides"] for i in identities):
        rows.append(row("Overrides (--set)", (
            "<br>".join(f"<code>{html.escape(line)}</code>" for line in i["scenario_overrides"].splitlines())
            or "none" for i in identities)))
    created = [run.attrs.get("created") for run in runs]
    if any(created):
        rows.append(row("Run written", (html.escape(str(c or "unknown")) for c in created)))
    return rows


def _identity_table(runs: Sequence[Run], labels: Sequence[str]) -> str:
    parts = ['<table class="identity">']
    if len(runs) > 1:
        parts.append("<thead><tr><th></th>" + "".join(f"<th>{html.escape(l)}</th>" for l in labels)
                     + "</tr></thead>")
    parts.append("<tbody>")
    for heading, cells in _identity_rows(runs):
        parts.append(f"<tr><th scope=\"row\">{heading}</th>" + "".join(f"<td>{c}</td>" for c in cells)
                     + "</tr>")
    parts.append("</tbody></table>")
    return "\n".join(parts)


def _headline_table(runs: Sequence[Run], labels: Sequence[str]) -> str:
    if len(runs) == 1:
        rows = [(metric, unit, [value]) for metric, value, unit in flatten(headline(runs[0]))]
        columns = ["Value"]
    else:
        rows = comparison(runs, labels)["rows"]
        columns = list(labels)
    parts = ['<table class="headline"><thead><tr><th>Outcome</th><th>Unit</th>'
             + "".join(f'<th class="number">{html.escape(c)}</th>' for c in columns)
             + "</tr></thead><tbody>"]
    names = {str(code): str(name) for run in runs
             for code, name in zip(run.countries, run.country_names)}
    previous_parent = None
    for metric, unit, values in rows:
        parent = metric.split(".", 1)[0]
        style = ' class="group"' if "." in metric and parent == previous_parent else ""
        previous_parent = parent
        parts.append(
            f"<tr{style}><td>{html.escape(_describe(metric, names))}</td><td>{html.escape(unit)}</td>"
            + "".join(f'<td class="number">{html.escape(_number(v, unit))}</td>' for v in values)
            + "</tr>")
    parts.append("</tbody></table>")
    return "\n".join(parts)


def _figure_html(plot: Plot, number: int) -> str:
    encoded = base64.b64encode(plot.png()).decode("ascii")
    width, height = plot.size_px
    suptitle = plot.figure._suptitle.get_text() if plot.figure._suptitle is not None else plot.name
    text = caption(plot.name)
    return (
        f'<figure id="figure-{html.escape(plot.name)}">\n'
        f'<img src="data:image/png;base64,{encoded}" width="{width}" height="{height}" '
        f'alt="{html.escape(suptitle)}">\n'
        f"<figcaption><strong>Figure {number}. {html.escape(suptitle)}.</strong> "
        f"{html.escape(text)} <span class=\"file\">(<code>{html.escape(plot.name)}.png</code>)</span>"
        "</figcaption>\n</figure>"
    )


def report_html(runs: Sequence[Run], names: Sequence[str] | None = None,
                title: str | None = None) -> str:
    """The report page as a string (:mod:`deportsim.report`). ``names`` chooses figures
    (default all; with several runs, ``headline`` names the bar chart)."""
    if not runs:
        raise ValueError("a report needs at least one run")
    labels = run_labels(runs)
    if len(runs) == 1:
        plots = draw_figures(runs[0], names)
        heading = title or f"Run report: {runs[0].scenario_name}"
        lede = scenario_description(runs[0])
    else:
        plots = draw_overlays(runs, names, labels)
        heading = title or "Runs compared: " + ", ".join(labels)
        descriptions = list(dict.fromkeys(scenario_description(run) for run in runs))
        lede = descriptions[0] if len(descriptions) == 1 else ""
    generated = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    if os.environ.get("SOURCE_DATE_EPOCH", "").isdigit():
        generated = datetime.datetime.fromtimestamp(
            int(os.environ["SOURCE_DATE_EPOCH"]), datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    contents = "".join(
        f'<li><a href="#figure-{html.escape(p.name)}">'
        f"{html.escape(p.figure._suptitle.get_text() if p.figure._suptitle else p.name)}</a></li>"
        for p in plots)
    headline_note = (
        "Stocks are at the last record; flows and costs are summed over the run. Definitions: "
        "docs/analysis.md in the deportsim repository."
    )
    if len(runs) > 1:
        headline_note = "One column per run. " + headline_note
    body = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{html.escape(heading)}</title>",
        f"<style>{STYLE}</style>",
        "</head>",
        "<body>",
        "<main>",
        f"<header><h1>{html.escape(heading)}</h1>",
        f'<p class="lede">{html.escape(lede)}</p>' if lede else "",
        "</header>",
        '<section id="scenario">',
        "<h2>Scenario</h2>" if len(runs) == 1 else "<h2>Runs</h2>",
        _identity_table(runs, labels),
        "</section>",
        '<section id="headline">',
        "<h2>Headline outcomes</h2>",
        f'<p class="note">{html.escape(headline_note)}</p>',
        _headline_table(runs, labels),
        "</section>",
        '<section id="figures">',
        "<h2>Figures</h2>",
        f"<nav><ol>{contents}</ol></nav>",
        *(_figure_html(plot, number) for number, plot in enumerate(plots, start=1)),
        "</section>",
        f"<footer>Made by the deportsim analysis package {__version__} on {generated}. "
        "Every number comes from the run file"
        + ("s" if len(runs) > 1 else "") + " named above.</footer>",
        "</main>",
        "</body>",
        "</html>",
    ]
    for plot in plots:
        plot.figure.clear()
    return "\n".join(part for part in body if part) + "\n"


def write_report(runs: Sequence[Run], path: str | os.PathLike, names: Sequence[str] | None = None,
                 title: str | None = None) -> Path:
    """Write :func:`report_html` to ``path`` (UTF-8) and return the path."""
    path = Path(path)
    if path.parent and not path.parent.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
    text = report_html(runs, names, title)
    path.write_text(text, encoding="utf-8")
    return path


__all__ = ["report_html", "scenario_description", "write_report"]
