"""Colours that mean the same thing in every figure, chosen to be safe for colour-blind readers.

Statuses use the Okabe-Ito palette (Okabe & Ito 2008, "Color Universal Design"): eight
colours, one per status, fixed. Countries use Paul Tol's "muted" qualitative scheme (nine
colours; https://personal.sron.nl/~pault/), assigned by the country's position on the run's
country axis, so a country keeps its colour in every figure of a run and of every run of the
same scenario. After nine countries the colours repeat with another line style and marker (and
hatch, for bars). "Other" aggregates are grey.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

OKABE_ITO = {
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
    "black": "#000000",
}

STATUS_COLOURS = {
    "in_transit": OKABE_ITO["yellow"],
    "at_large": OKABE_ITO["orange"],
    "detained": OKABE_ITO["vermillion"],
    "imprisoned": OKABE_ITO["reddish_purple"],
    "sheltered": OKABE_ITO["bluish_green"],
    "returned": OKABE_ITO["blue"],
    "settled": OKABE_ITO["sky_blue"],
    "dead_or_missing": OKABE_ITO["black"],
}

STATUS_LABELS = {
    "in_transit": "In transit",
    "at_large": "At large (irregular, not held)",
    "detained": "Detained for removal",
    "imprisoned": "Imprisoned abroad (agreement)",
    "sheltered": "Sheltered abroad (agreement)",
    "returned": "Returned home",
    "settled": "Settled (status granted)",
    "dead_or_missing": "Dead or missing",
}

TOL_MUTED = (
    "#CC6677",  # rose
    "#332288",  # indigo
    "#DDCC77",  # sand
    "#117733",  # green
    "#88CCEE",  # cyan
    "#882255",  # wine
    "#44AA99",  # teal
    "#999933",  # olive
    "#AA4499",  # purple
)
OTHER_COLOUR = "#BBBBBB"  # Tol's grey, for "other countries" and similar aggregates
CAPACITY_COLOUR = "#444444"

_LINE_STYLES = ("-", "--", "-.", ":")
_HATCHES = ("", "//", "..", "xx")
_MARKERS = ("", "o", "s", "^")


@dataclass(frozen=True)
class Style:
    colour: str
    linestyle: str = "-"
    hatch: str = ""
    marker: str = ""  # for lines whose colour another country of the run also has


def status_colour(status: str) -> str:
    return STATUS_COLOURS.get(status, OTHER_COLOUR)


def status_label(status: str) -> str:
    return STATUS_LABELS.get(status, status.replace("_", " "))


def country_styles(countries: Sequence[str]) -> dict[str, Style]:
    """Style of each country code, by its position on the country axis."""
    styles = {}
    for position, code in enumerate(countries):
        cycle, colour = divmod(position, len(TOL_MUTED))
        styles[str(code)] = Style(
            colour=TOL_MUTED[colour],
            linestyle=_LINE_STYLES[cycle % len(_LINE_STYLES)],
            hatch=_HATCHES[cycle % len(_HATCHES)],
            marker=_MARKERS[cycle % len(_MARKERS)],
        )
    return styles


OTHER_STYLE = Style(colour=OTHER_COLOUR, linestyle="--", hatch="")


# Runs in overlays: Paul Tol's "bright" scheme (colour-blind safe), each run also with its own
# line style, so runs stay apart in greyscale and for every kind of colour vision.
TOL_BRIGHT = (
    "#4477AA",  # blue
    "#EE6677",  # red
    "#228833",  # green
    "#CCBB44",  # yellow
    "#66CCEE",  # cyan
    "#AA3377",  # purple
    "#BBBBBB",  # grey
)
_RUN_LINE_STYLES = ("-", "--", "-.", ":")


def run_styles(count: int) -> list[Style]:
    """Style of each of ``count`` runs in an overlay: run i takes colour i and line style i."""
    return [
        Style(
            colour=TOL_BRIGHT[position % len(TOL_BRIGHT)],
            linestyle=_RUN_LINE_STYLES[position % len(_RUN_LINE_STYLES)],
            hatch=_HATCHES[(position // len(TOL_BRIGHT)) % len(_HATCHES)],
        )
        for position in range(count)
    ]


# Colours of non-status series, chosen to agree with the statuses they lead to or from.
FIRST_DEPARTURE_COLOUR = "#332288"  # indigo: people setting out for the first time
REMIGRATION_COLOUR = STATUS_COLOURS["returned"]  # returned people leaving again
MAX_DETENTION_RELEASE_COLOUR = STATUS_COLOURS["detained"]  # released after the maximum
OVERFLOW_RELEASE_COLOUR = STATUS_COLOURS["at_large"]  # released for want of beds
SPEND_COLOUR = "#117733"  # money spent (Tol green)
