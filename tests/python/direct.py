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
        has_programmes = "programme" in f and "programme_cost" in f
        cost = float(f["programme_cost"][()].sum()) if has_programmes else 0.0
        total_removed = float(removals.sum())
        by_destination = removals.sum(axis=(0, 1))
        peaks = detained.max(axis=0)
        return {
            "imprisoned_abroad_end": float(stocks[-1, :, statuses.index("imprisoned"), :].sum()),
            "removals_total": total_removed,
            "removals_by_destination": {
                d: float(v) for d, v in zip(destinations, by_destination) if v > 0
            },
            "detention_peak": float(detained.sum(axis=1).max()),
            "detention_peak_by_country": {c: float(v) for c, v in zip(countries, peaks) if v > 0},
            "max_detention_releases": float(f["flows/max_detention_releases"][()].sum()),
            "programme_cost_total": cost,
            "cost_per_person_removed": (
                cost / total_removed if has_programmes and total_removed > 0 else None
            ),
            "agreement_fees_total": float(f["agreement_fees"][()].sum()) if "agreement_fees" in f else 0.0,
            "facility_cost_total": float(f["facility_cost"][()].sum()) if "facility_cost" in f else 0.0,
            "deaths_in_transit": float(f["flows/deaths"][()].sum()),
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
