"""What became of the people the removal system handled, by nationality: an alluvial (Sankey)
diagram drawn with matplotlib patches, and, for several runs, the outcome totals side by side.

:func:`dispositions` computes the numbers from the run file alone; each outcome is a sum of a
recorded flow over the run, or a stock at the last record:

============================  ==================================================================
outcome                       definition (summed over countries and the groups of a nationality)
============================  ==================================================================
``returned``                  flow ``returns_received`` over the run: removed straight home,
                              home after a third-country prison, or onward from a shelter
``imprisoned``                stock ``imprisoned`` at the last record (in a third country's prison)
``sheltered``                 stock ``sheltered`` at the last record
``released_abroad``           released in a third country: flows ``permit_releases`` and
                              ``absconded``, plus ``transfers_received`` under agreements with the
                              disposition ``release``
``released``                  released by the country holding them: flows ``overflow_releases``
                              (no bed) and ``max_detention_releases``
``settled``                   flow ``settlements``
``detained``                  stock ``detained`` at the last record (still held for removal)
``dead``                      flow ``deaths`` (dead or missing in transit)
============================  ==================================================================

Flows count events: someone returned, who sets out again and is returned again, counts twice.
A receiver with agreements of different dispositions has its ``transfers_received`` split in
proportion to the agreements' ``agreement_transfers`` (exact when a receiver's agreements share
one disposition, as in the shipped scenarios).
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
from matplotlib.patches import Patch, PathPatch, Rectangle
from matplotlib.path import Path as MplPath

from .palette import OTHER_COLOUR, STATUS_COLOURS, country_styles, run_styles
from .plotting import (
    Plot,
    country_label,
    finish,
    finish_run,
    format_persons,
    new_figure,
    source_lines,
    value_axis_x,
)
from .run import Run
from .specs import agreement_specs

# (key, label, colour, hatch), in the order the nodes are drawn from top to bottom.
OUTCOMES = (
    ("returned", "Returned home", STATUS_COLOURS["returned"], ""),
    ("imprisoned", "Imprisoned in a third country (at the end)", STATUS_COLOURS["imprisoned"], ""),
    ("sheltered", "Sheltered in a third country (at the end)", STATUS_COLOURS["sheltered"], ""),
    ("released_abroad", "Released in a third country", STATUS_COLOURS["at_large"], "////"),
    ("released", "Released: no bed, or after maximum detention", STATUS_COLOURS["at_large"], ""),
    ("settled", "Settled (asylum or status)", STATUS_COLOURS["settled"], ""),
    ("detained", "Still detained (at the end)", STATUS_COLOURS["detained"], ""),
    ("dead", "Dead or missing in transit", STATUS_COLOURS["dead_or_missing"], ""),
)
OUTCOME_LABELS = {key: label for key, label, _, _ in OUTCOMES}
TOP_NATIONALITIES = 10
OTHER = "other"


def _flow_by_group(run: Run, name: str) -> np.ndarray:
    if not run.has(f"flows/{name}"):
        return np.zeros(len(run.groups))
    return run.totals(f"flows/{name}", keep=("group",))


def _stock_by_group(run: Run, status: str) -> np.ndarray:
    if status not in run.statuses:
        return np.zeros(len(run.groups))
    return run.totals("stocks", keep=("group",), time=-1, status=status)


def _released_on_arrival(run: Run) -> np.ndarray:
    """Persons by group released on arrival in a receiver under ``release`` agreements."""
    specs = agreement_specs(run)
    if not specs or not run.has("flows/transfers_received") or not run.has("agreement_transfers"):
        return np.zeros(len(run.groups))
    by_agreement = run.totals("agreement_transfers", keep=("agreement",))
    received = run.totals("flows/transfers_received", keep=("country", "group"))
    countries = list(run.countries)
    result = np.zeros(len(run.groups))
    for receiver in {spec.receiver for spec in specs.values()}:
        if receiver not in countries:
            continue
        total = sum(v for spec, v in zip(specs.values(), by_agreement) if spec.receiver == receiver)
        released = sum(v for spec, v in zip(specs.values(), by_agreement)
                       if spec.receiver == receiver and spec.disposition == "release")
        if total > 0 and released > 0:
            result += received[countries.index(receiver)] * (released / total)
    return result


def dispositions(run: Run) -> dict[str, dict[str, float]]:
    """Outcomes by nationality: ``{nationality: {outcome: persons}}``, nationalities in the
    order of the run's country axis, outcomes in :data:`OUTCOMES` order (module docstring)."""
    by_group = {
        "returned": _flow_by_group(run, "returns_received"),
        "imprisoned": _stock_by_group(run, "imprisoned"),
        "sheltered": _stock_by_group(run, "sheltered"),
        "released_abroad": _flow_by_group(run, "permit_releases") + _flow_by_group(run, "absconded")
        + _released_on_arrival(run),
        "released": _flow_by_group(run, "overflow_releases")
        + _flow_by_group(run, "max_detention_releases"),
        "settled": _flow_by_group(run, "settlements"),
        "detained": _stock_by_group(run, "detained"),
        "dead": _flow_by_group(run, "deaths"),
    }
    nationality = [str(n) for n in run.group_nationality]
    order = [str(c) for c in run.countries if str(c) in set(nationality)]
    order += [n for n in dict.fromkeys(nationality) if n not in order]
    result = {code: {key: 0.0 for key, *_ in OUTCOMES} for code in order}
    for outcome, values in by_group.items():
        for code, value in zip(nationality, values):
            result[code][outcome] += float(value)
    return result


def outcome_totals(table: dict[str, dict[str, float]]) -> dict[str, float]:
    """Each outcome summed over nationalities."""
    return {key: sum(row[key] for row in table.values()) for key, *_ in OUTCOMES}


def _group_nationalities(table: dict[str, dict[str, float]], top: int):
    """The ``top`` nationalities by total (largest first) and the rest summed as OTHER."""
    totals = {code: sum(row.values()) for code, row in table.items()}
    ranked = [code for code in sorted(totals, key=lambda c: -totals[c]) if totals[code] > 0]
    shown = ranked[:top]
    rest = ranked[top:]
    grouped = {code: dict(table[code]) for code in shown}
    if rest:
        grouped[OTHER] = {key: sum(table[c][key] for c in rest) for key, *_ in OUTCOMES}
    return grouped, rest


def _spread(centres: Sequence[float], spacing: float, low: float, high: float) -> list[float]:
    """Label positions near ``centres`` (given top to bottom) at least ``spacing`` apart,
    inside [low, high]."""
    placed = list(centres)
    for i in range(1, len(placed)):
        placed[i] = min(placed[i], placed[i - 1] - spacing)
    if placed and placed[-1] < low:
        placed[-1] = low
        for i in range(len(placed) - 2, -1, -1):
            placed[i] = max(placed[i], placed[i + 1] + spacing)
    if placed and placed[0] > high:
        shift = placed[0] - high
        placed = [y - shift for y in placed]
    return placed


def _band(x0: float, x1: float, top0: float, bottom0: float, top1: float, bottom1: float) -> MplPath:
    middle = (x0 + x1) / 2
    vertices = [
        (x0, top0), (middle, top0), (middle, top1), (x1, top1),
        (x1, bottom1), (middle, bottom1), (middle, bottom0), (x0, bottom0), (x0, top0),
    ]
    codes = [MplPath.MOVETO] + [MplPath.CURVE4] * 3 + [MplPath.LINETO] + [MplPath.CURVE4] * 3 + [
        MplPath.CLOSEPOLY]
    return MplPath(vertices, codes)


def plot_dispositions(run: Run, top: int = TOP_NATIONALITIES) -> Plot:
    """Alluvial diagram: nationality (left) to outcome (right), band widths in persons.

    The ``top`` nationalities by total are drawn, the rest summed as "other nationalities".
    Bands take the nationality's colour (as in every figure), outcome nodes the colour of the
    status they end in. Size 1800 x 1200 pixels.
    Data: ``table`` (every nationality, :func:`dispositions`), ``flows`` (the nationalities
    drawn: {nationality or "other": {outcome: persons}}), ``outcomes`` (totals drawn),
    ``nationality_totals``.
    """
    table = dispositions(run)
    flows, rest = _group_nationalities(table, top)
    totals = outcome_totals(table)
    outcomes = [(key, label, colour, hatch) for key, label, colour, hatch in OUTCOMES if totals[key] > 0]
    nationality_totals = {code: sum(row.values()) for code, row in flows.items()}
    grand = sum(nationality_totals.values())
    colours = country_styles([str(c) for c in run.countries])

    figure = new_figure(8.0)
    axes = figure.add_subplot()
    axes.set_xlim(0, 1)
    axes.set_ylim(-0.13, 1.05)
    axes.set_axis_off()
    data = {"table": table, "flows": flows, "outcomes": {k: totals[k] for k, *_ in outcomes},
            "nationality_totals": nationality_totals}
    if grand <= 0:
        axes.text(0.5, 0.5, "nobody passed through the removal system in this run",
                  ha="center", va="center", color="#777777")
        finish_run(figure, run, "What became of the people the removal system handled")
        return Plot("dispositions", figure, data)

    left_x, right_x, node_w = 0.30, 0.68, 0.018
    gap_share = 0.16

    def layout(sizes: list[float]) -> list[tuple[float, float]]:
        gaps = gap_share / max(len(sizes) - 1, 1) if len(sizes) > 1 else 0.0
        scale = (1.0 - (gap_share if len(sizes) > 1 else 0.0)) / grand
        y, spans = 1.0, []
        for size in sizes:
            height = size * scale
            spans.append((y, y - height))
            y -= height + gaps
        return spans

    left_codes = list(flows)
    left_spans = layout([nationality_totals[c] for c in left_codes])
    right_spans = layout([totals[k] for k, *_ in outcomes])
    scale = (1.0 - gap_share) / grand

    def nationality_colour(code: str) -> str:
        return colours[code].colour if code in colours else OTHER_COLOUR

    # Bands, in the outcome's colour: in each left node stacked in outcome order, in each
    # right node in nationality order.
    left_cursor = {code: span[0] for code, span in zip(left_codes, left_spans)}
    right_cursor = {key: span[0] for (key, *_), span in zip(outcomes, right_spans)}
    for code in left_codes:
        for key, _, colour, _ in outcomes:
            value = flows[code][key]
            if value <= 0:
                continue
            height = value * scale
            top0, top1 = left_cursor[code], right_cursor[key]
            path = _band(left_x + node_w, right_x, top0, top0 - height, top1, top1 - height)
            axes.add_patch(PathPatch(path, facecolor=colour, edgecolor="none", alpha=0.45))
            left_cursor[code] -= height
            right_cursor[key] -= height

    minimum = 0.004  # a node of a few persons is still drawn as a visible line
    for code, (upper, lower) in zip(left_codes, left_spans):
        axes.add_patch(Rectangle((left_x, min(lower, upper - minimum)), node_w,
                                 max(upper - lower, minimum), facecolor=nationality_colour(code),
                                 edgecolor="none"))
    for (key, label, colour, hatch), (upper, lower) in zip(outcomes, right_spans):
        axes.add_patch(Rectangle((right_x, min(lower, upper - minimum)), node_w,
                                 max(upper - lower, minimum), facecolor=colour, hatch=hatch,
                                 edgecolor="white" if hatch else "none", linewidth=0))

    spacing = 0.034
    left_names = [
        f"Other nationalities ({len(rest)})" if code == OTHER else country_label(run, code)
        for code in left_codes
    ]
    left_text = [f"{name}  {format_persons(nationality_totals[code])}"
                 for name, code in zip(left_names, left_codes)]
    def share(value: float) -> str:
        return "<0.1%" if 0 < value / grand < 0.001 else f"{value / grand:.1%}"

    right_text = [f"{label}  {format_persons(totals[key])} ({share(totals[key])})"
                  for key, label, *_ in outcomes]
    for texts, spans, x, align, node_edge in (
        (left_text, left_spans, left_x - 0.008, "right", left_x),
        (right_text, right_spans, right_x + node_w + 0.008, "left", right_x + node_w),
    ):
        centres = [(upper + lower) / 2 for upper, lower in spans]
        placed = _spread(centres, spacing, 0.0, 1.0)
        for text, centre, y in zip(texts, centres, placed):
            axes.text(x, y, text, ha=align, va="center", fontsize=9)
            if abs(y - centre) > 0.004:
                end = x + (0.004 if align == "right" else -0.004)
                axes.plot([node_edge, end], [centre, y], color="#999999", linewidth=0.6)
    axes.text(left_x + node_w / 2, 1.035, "Nationality (persons)", ha="center", va="bottom",
              fontsize=10, fontweight="bold")
    axes.text(right_x + node_w / 2, 1.035, "Outcome (persons)", ha="center", va="bottom",
              fontsize=10, fontweight="bold")
    handles = [Patch(facecolor=colour, hatch=hatch, edgecolor="white" if hatch else colour,
                     label=label) for _, label, colour, hatch in outcomes]
    axes.legend(handles=handles, title="Outcome (colour of the bands and of the nodes on the right)",
                loc="lower center", bbox_to_anchor=(0.5, 0.0), ncol=min(len(handles), 4),
                frameon=False, fontsize=8.5, title_fontsize=9)
    subtitle = (
        f"{format_persons(grand)} outcomes over the run. Returned, released, settled and dead are "
        "flows summed over the run (events: a person returned twice counts twice); imprisoned, "
        "sheltered and detained are the stocks at the end. Nationality nodes on the left take "
        "the country's colour, as in every figure."
    )
    finish_run(figure, run, "What became of the people the removal system handled", subtitle)
    return Plot("dispositions", figure, data)


def overlay_dispositions(runs: Sequence[Run], labels: Sequence[str]) -> Plot:
    """Outcome totals (:func:`dispositions` summed over nationalities), one bar per run in each
    outcome. Size 1800 x 1050 pixels. Data: ``outcomes``: outcome -> {label: persons}."""
    styles = run_styles(len(runs))
    totals = [outcome_totals(dispositions(run)) for run in runs]
    keys = [(key, label) for key, label, *_ in OUTCOMES if any(t[key] > 0 for t in totals)]
    figure = new_figure(7.0, 1 + len(runs))
    axes = figure.add_subplot()
    count = len(runs)
    height = 0.8 / max(count, 1)
    data = {"labels": list(labels), "outcomes": {}}
    for position, (key, _) in enumerate(keys):
        data["outcomes"][key] = {}
        for index, (label, style, total) in enumerate(zip(labels, styles, totals)):
            y = position + (index - (count - 1) / 2) * height
            axes.barh(y, total[key], height=height * 0.92, color=style.colour, hatch=style.hatch,
                      label=label if position == 0 else None)
            axes.text(total[key], y, "  " + format_persons(total[key]), va="center", fontsize=7.5)
            data["outcomes"][key][label] = total[key]
    axes.set_yticks(range(len(keys)), [label for _, label in keys])
    axes.invert_yaxis()
    axes.set_ylabel("Outcome")
    if keys:
        axes.set_xlim(0, max(max(t[k] for k, _ in keys) for t in totals) * 1.15)
    value_axis_x(axes, "Persons (flows over the run; stocks at the end)")
    axes.legend(title="Run", loc="lower right", frameon=False, fontsize=8.5, title_fontsize=9)
    axes.set_title("Outcomes, all nationalities together", loc="left", fontsize=11)
    finish(figure, "What became of the people the removal system handled: runs compared",
           ["Returned, released, settled and dead: flows summed over the run; imprisoned, sheltered "
            "and detained: stocks at the end."] + source_lines(runs, labels))
    return Plot("dispositions", figure, data)
