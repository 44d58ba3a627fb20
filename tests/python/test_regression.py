"""Every shipped scenario in every mode against its stored reference (tests/regression).

A failure lists the datasets and headline figures that moved. When a change of the model is
intended, write the references anew with ``make regression-update`` and say why in the commit.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

REPOSITORY = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPOSITORY / "tests" / "regression"))

import regression  # noqa: E402

CASES = regression.cases()


@pytest.fixture(scope="module")
def binary():
    path = os.environ.get("DEPORTSIM_BINARY", str(REPOSITORY / "build" / "release" / "deportsim"))
    if not Path(path).is_file():
        if os.environ.get("CI"):
            pytest.fail(f"no engine at {path}")
        pytest.skip(f"no engine at {path}")
    return path


def test_every_shipped_scenario_and_mode_has_a_reference():
    names = {c.name for c in CASES}
    stored = {p.stem for p in regression.REFERENCES.glob("*.json")}
    assert len(CASES) == 3 * len(list((REPOSITORY / "scenarios").glob("*.yaml")))
    assert names == stored, f"missing {sorted(names - stored)}, stale {sorted(stored - names)}"


def test_a_changed_dataset_is_reported():
    # The comparison itself: one changed array, one new, one gone, a moved headline figure.
    reference = {"arrays": {"/a": "2 <f8 x", "/b": "1 <f8 y"}, "headline": {"h": 1.0},
                 "file_sha256": "f"}
    measured = {"arrays": {"/a": "2 <f8 z", "/c": "1 <f8 w"}, "headline": {"h": 1.5},
                "file_sha256": "g"}
    problems = regression.compare(reference, measured)
    assert any("/a changed" in p for p in problems)
    assert any("/b is gone" in p for p in problems)
    assert any("/c is new" in p for p in problems)
    assert any("headline h" in p for p in problems)
    same = dict(reference, file_sha256="other")
    assert regression.compare(reference, same) == [
        "every dataset and headline figure matches, but the file's bytes differ "
        "(attributes, scenario text or layout)"]
    assert regression.compare(reference, reference) == []


@pytest.mark.engine
@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_run_matches_its_reference(case, binary, tmp_path, monkeypatch):
    monkeypatch.setenv("DEPORTSIM_BINARY", binary)
    measured = regression.measure(case, binary, tmp_path)
    problems = regression.compare(json.loads(case.reference.read_text()), measured)
    assert not problems, f"{case.name} differs from its reference:\n" + "\n".join(problems[:40])
