"""Reference numbers computed from a run file with h5py and numpy alone, without the package,
to check what the package reports and plots."""

from __future__ import annotations

import struct
from pathlib import Path

import h5py

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def labels(f: h5py.File, name: str) -> list[str]:
    values = f[name][()]
    return [v.decode() if isinstance(v, bytes) else str(v) for v in values]


def headline_from_h5py(path: Path) -> dict:
    """The documented headline outcomes, each summed directly from the file."""
    with h5py.File(path, "r") as f:
        statuses = labels(f, "status")
        countries = labels(f, "country")
        destinations = labels(f, "destination")
        stocks = f["stocks"][()]
        removals = f["removals_by_destination"][()]
        detained = stocks[:, :, statuses.index("detained"), :].sum(axis=2)  # (time, country)
        has_programmes = "programme_cost" in f and len(f["programme"]) > 0
        cost = float(f["programme_cost"][()].sum()) if has_programmes else 0.0
        total_removed = float(removals.sum())

        def total(name: str) -> float:
            return float(f[name][()].sum()) if name in f else 0.0

        transfers = total("agreement_transfers")
        by_destination = removals.sum(axis=(0, 1))
        peaks = detained.max(axis=0)
        kinds = labels(f, "facility_kind") if "facility_kind" in f else []
        facility_cost = f["facility_cost"][()].sum(axis=0) if "facility_cost" in f else []
        by_kind: dict[str, float] = {}
        for kind, value in zip(kinds, facility_cost):
            by_kind[kind] = by_kind.get(kind, 0.0) + float(value)
        by_kind = {kind: value for kind, value in by_kind.items() if value > 0}

        def final(status: str) -> float:
            return float(stocks[-1, :, statuses.index(status), :].sum())

        return {
            "imprisoned_abroad_end": final("imprisoned"),
            "sheltered_end": final("sheltered"),
            "removals_total": total_removed,
            "removals_by_destination": {
                d: float(v) for d, v in zip(destinations, by_destination) if v > 0
            },
            "removals_home": total_removed - transfers,
            "transfers_third_country": transfers,
            "detention_peak": float(detained.sum(axis=1).max()),
            "detention_peak_by_country": {c: float(v) for c, v in zip(countries, peaks) if v > 0},
            "max_detention_releases_total": float(f["flows/max_detention_releases"][()].sum()),
            "overflow_releases_total": float(f["flows/overflow_releases"][()].sum()),
            "deaths_total": float(f["flows/deaths"][()].sum()),
            "departures_total": float(f["flows/departures"][()].sum()),
            "flight_cost_total": cost,
            "detention_cost_total": by_kind.get("detention", 0.0),
            "facility_cost_by_kind": by_kind,
            "fees_total": total("agreement_fees"),
            "cost_per_removal": (
                cost / total_removed if has_programmes and total_removed > 0 else None
            ),
            "at_large_end": final("at_large"),
            "final_stocks_by_status": {
                s: float(stocks[-1, :, i, :].sum()) for i, s in enumerate(statuses)
            },
        }


def png_size(path: Path) -> tuple[int, int]:
    """(width, height) from a PNG file's IHDR chunk; fails unless the file is a PNG."""
    header = Path(path).read_bytes()[:24]
    assert header[:8] == PNG_SIGNATURE, f"{path} is not a PNG file"
    length, kind = struct.unpack(">I4s", header[8:16])
    assert kind == b"IHDR" and length == 13, f"{path}: first chunk is not IHDR"
    return struct.unpack(">II", header[16:24])


def _figure_counts(f: h5py.File) -> dict:
    """What decides the height of the figures of one run file, counted with h5py."""
    countries = labels(f, "country")
    statuses = labels(f, "status")
    removals = f["removals_by_destination"][()].sum(axis=(0, 2))
    detained = f["stocks"][()][:, :, statuses.index("detained"), :].sum(axis=(0, 2))
    releases = (f["flows/max_detention_releases"][()] + f["flows/overflow_releases"][()]).sum(axis=(0, 2))
    beds = set()
    if "facility" in f and len(f["facility"]):
        beds = {c for c, k in zip(labels(f, "facility_country"), labels(f, "facility_kind"))
                if k == "detention"}
    return {
        "senders": {c for c, v in zip(countries, removals) if v > 0},
        "programmes": labels(f, "programme") if "programme" in f else [],
        "agreements": labels(f, "agreement") if "agreement" in f else [],
        "facilities": labels(f, "facility") if "facility" in f else [],
        "detention": {c for c, d, r in zip(countries, detained, releases) if c in beds or d > 0 or r > 0},
    }


def expected_figure_px(paths, name: str) -> tuple[int, int]:
    """The documented size of figure ``name`` drawn from ``paths`` (one run, or several
    overlaid), from the counts of senders, programmes, agreements and detaining countries."""
    paths = [paths] if isinstance(paths, (str, Path)) else list(paths)
    counts = []
    for path in paths:
        with h5py.File(path, "r") as f:
            counts.append(_figure_counts(f))

    def union(key):
        return list(dict.fromkeys(item for c in counts for item in c[key]))

    single = len(paths) == 1
    rows = {
        "removals_by_destination": max(1, min(3, len(union("senders")))),
        "programmes": max(1, len(union("programmes"))),
        "agreements": max(1, len(union("agreements"))),
        "detention": max(1, len(union("detention"))),
        "capacity": max(1, -(-(len(union("facilities")) + len(union("programmes"))) // 2)),
    }
    heights = {
        "pipeline": 1200,
        "stocks_by_country": 1200,
        "dispositions": 1200 if single else 1050,
        "removals_by_destination": 525 * rows["removals_by_destination"] + 225,
        "programmes": 375 * rows["programmes"] + 225,
        "agreements": (675 if single else 375) * rows["agreements"] + 225,
        "detention": 390 * rows["detention"] + 225,
        "capacity": 1200 if single else 375 * rows["capacity"] + 225,
        "deterrence": 1050,
        "headline": 1350,
    }
    return 1800, heights[name]
