"""Regression files: every shipped scenario in every mode, compared with a stored reference.

Each case runs ``deportsim run`` on one file of scenarios/ in one mode (expected; stochastic and
agents with a fixed seed) and keeps, in tests/regression/references/SCENARIO.MODE.json:

- a SHA-256 of every dataset in the run file (shape, type and values),
- the headline figures of the run (deportsim.headline, as the summary and report print them),
- a SHA-256 of the whole file with the git revision stamp blanked, so that a file written by
  another commit of the same model is byte-for-byte the same (``created`` is fixed with
  SOURCE_DATE_EPOCH=0).

The references change only through ``--update``. A comparison reports which datasets changed,
appeared or disappeared, how each headline figure moved, and whether only the file's bytes
(attributes, layout) differ.

    scripts/python tests/regression/regression.py            # compare every case
    scripts/python tests/regression/regression.py --update   # write the references anew
    scripts/python tests/regression/regression.py --only el_salvador_2025.agents

The engine is $DEPORTSIM_BINARY, or build/release/deportsim. The CI runs the comparison through
tests/python/test_regression.py.
"""

from __future__ import annotations

import argparse
import fnmatch
import hashlib
import json
import math
import os
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import h5py
import numpy as np

REPOSITORY = Path(__file__).resolve().parents[2]
REFERENCES = REPOSITORY / "tests" / "regression" / "references"
sys.path.insert(0, str(REPOSITORY / "analysis"))

MODES = ("expected", "stochastic", "agents")
# One fixed seed for the random modes (not the scenarios' own: a reference must not move when a
# scenario's default seed is edited).
SEED = 20250201
# Relative difference below which a headline figure counts as unchanged (the figures are sums of
# the datasets, whose checksums are compared exactly; this only absorbs printing).
HEADLINE_TOLERANCE = 1e-12


@dataclass(frozen=True)
class Case:
    scenario: Path
    mode: str

    @property
    def name(self) -> str:
        return f"{self.scenario.stem}.{self.mode}"

    @property
    def reference(self) -> Path:
        return REFERENCES / f"{self.name}.json"

    def command(self, binary: str, output: Path) -> list[str]:
        command = [binary, "run", str(self.scenario.relative_to(REPOSITORY)), "--mode", self.mode,
                   "-o", str(output), "--quiet", "--threads", "2"]
        if self.mode != "expected":
            command += ["--seed", str(SEED)]
        return command


def cases() -> list[Case]:
    scenarios = sorted((REPOSITORY / "scenarios").glob("*.yaml"))
    return [Case(s, m) for s in scenarios for m in MODES]


def engine_binary() -> str:
    binary = os.environ.get("DEPORTSIM_BINARY", str(REPOSITORY / "build" / "release" / "deportsim"))
    if not Path(binary).is_file():
        raise SystemExit(f"regression: no engine at {binary}; build it (make build) or set "
                         "DEPORTSIM_BINARY")
    return binary


def dataset_digest(dataset: h5py.Dataset) -> str:
    """shape, type and a SHA-256 of the values of one dataset."""
    values = dataset[()]
    digest = hashlib.sha256()
    if dataset.dtype.kind == "O" or h5py.check_string_dtype(dataset.dtype) is not None:
        for item in np.asarray(values, dtype=object).ravel():
            digest.update(item if isinstance(item, bytes) else str(item).encode())
            digest.update(b"\0")
        kind = "string"
    else:
        array = np.ascontiguousarray(values)
        digest.update(array.tobytes())
        kind = array.dtype.str
    shape = "x".join(str(n) for n in dataset.shape) or "scalar"
    return f"{shape} {kind} {digest.hexdigest()}"


def file_digest(path: Path) -> str:
    """SHA-256 of the file's bytes with the git revision stamp blanked (same length)."""
    data = path.read_bytes()
    with h5py.File(path, "r") as f:
        revision = f.attrs.get("git_revision", "")
    if isinstance(revision, bytes):
        revision = revision.decode()
    if revision:
        data = data.replace(revision.encode(), b"#" * len(revision.encode()))
    return hashlib.sha256(data).hexdigest()


def headline_figures(path: Path) -> dict[str, float]:
    import deportsim
    from deportsim.headline import flatten, headline

    with deportsim.open_run(path) as run:
        rows = flatten(headline(run))
    figures = {}
    for key, value, _unit in rows:
        if isinstance(value, (int, float, np.floating, np.integer)):
            figures[key] = float(value)
        else:
            figures[key] = str(value)
    return figures


def measure(case: Case, binary: str, workdir: Path) -> dict:
    output = workdir / f"{case.name}.h5"
    environment = dict(os.environ, SOURCE_DATE_EPOCH="0")
    command = case.command(binary, output)
    done = subprocess.run(command, cwd=REPOSITORY, env=environment, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"{case.name}: {' '.join(command)} exited {done.returncode}:\n"
                           f"{done.stderr}")
    arrays = {}
    with h5py.File(output, "r") as f:
        def visit(name, item):
            if isinstance(item, h5py.Dataset):
                arrays["/" + name] = dataset_digest(item)
        f.visititems(visit)
    result = {
        "case": case.name,
        "command": ["deportsim"] + [a if a != str(output) else "OUT.h5" for a in command[1:]],
        "file_sha256": file_digest(output),
        "headline": headline_figures(output),
        "arrays": dict(sorted(arrays.items())),
    }
    output.unlink()
    return result


def _same_figure(a, b) -> bool:
    if isinstance(a, str) or isinstance(b, str):
        return a == b
    if math.isnan(a) and math.isnan(b):
        return True
    if a == b:
        return True
    return abs(a - b) <= HEADLINE_TOLERANCE * max(abs(a), abs(b))


def compare(reference: dict, measured: dict) -> list[str]:
    """What differs, one line each; empty when the run matches its reference."""
    problems = []
    old, new = reference["arrays"], measured["arrays"]
    for name in sorted(set(old) | set(new)):
        if name not in new:
            problems.append(f"dataset {name} is gone")
        elif name not in old:
            problems.append(f"dataset {name} is new ({new[name].split()[0]})")
        elif old[name] != new[name]:
            problems.append(f"dataset {name} changed: {old[name]} -> {new[name]}")
    old_h, new_h = reference["headline"], measured["headline"]
    for key in sorted(set(old_h) | set(new_h)):
        if key not in new_h:
            problems.append(f"headline {key} is gone (was {old_h[key]})")
        elif key not in old_h:
            problems.append(f"headline {key} is new ({new_h[key]})")
        elif not _same_figure(old_h[key], new_h[key]):
            problems.append(f"headline {key}: {old_h[key]!r} -> {new_h[key]!r}")
    if not problems and reference["file_sha256"] != measured["file_sha256"]:
        problems.append("every dataset and headline figure matches, but the file's bytes differ "
                        "(attributes, scenario text or layout)")
    return problems


def run_cases(selected: list[Case], update: bool, jobs: int) -> int:
    binary = engine_binary()
    REFERENCES.mkdir(parents=True, exist_ok=True)
    failures = 0
    with tempfile.TemporaryDirectory(prefix="deportsim-regression-") as tmp:
        workdir = Path(tmp)
        # Agents cases use two threads each; the cohort cases are quick.
        with ThreadPoolExecutor(max_workers=jobs) as pool:
            results = list(pool.map(lambda c: (c, measure(c, binary, workdir)), selected))
    for case, measured in results:
        if update:
            previous = json.loads(case.reference.read_text()) if case.reference.exists() else None
            case.reference.write_text(json.dumps(measured, indent=1, sort_keys=False) + "\n")
            changes = compare(previous, measured) if previous else ["new reference"]
            print(f"{case.name}: written" + (f" ({len(changes)} differences from the old one)"
                                             if previous and changes else ""))
            for line in changes[:20] if previous else []:
                print(f"    {line}")
            continue
        if not case.reference.exists():
            print(f"{case.name}: FAILED: no reference {case.reference.relative_to(REPOSITORY)} "
                  "(write it with --update)")
            failures += 1
            continue
        problems = compare(json.loads(case.reference.read_text()), measured)
        if problems:
            failures += 1
            print(f"{case.name}: FAILED, {len(problems)} differences")
            for line in problems[:40]:
                print(f"    {line}")
            if len(problems) > 40:
                print(f"    ... and {len(problems) - 40} more")
        else:
            print(f"{case.name}: matches ({len(measured['arrays'])} datasets, bytes identical)")
    if not update:
        print(f"regression: {len(selected) - failures} passed, {failures} failed")
    return 1 if failures else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Compare every shipped scenario in every mode with its stored reference.")
    parser.add_argument("--update", action="store_true",
                        help="write the references anew from this build (and say what moved)")
    parser.add_argument("--only", metavar="PATTERN", action="append",
                        help="cases whose name (SCENARIO.MODE) matches this shell pattern; "
                             "repeatable")
    parser.add_argument("--jobs", type=int, default=1, help="cases run at once (default 1)")
    parser.add_argument("--list", action="store_true", help="list the cases and exit")
    args = parser.parse_args(argv)
    selected = cases()
    if args.only:
        selected = [c for c in selected if any(fnmatch.fnmatch(c.name, p) for p in args.only)]
        if not selected:
            parser.error(f"--only {args.only}: no case matches; --list shows them")
    if args.list:
        for case in selected:
            print(case.name)
        return 0
    return run_cases(selected, args.update, max(1, args.jobs))


if __name__ == "__main__":
    sys.exit(main())
