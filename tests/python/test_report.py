"""deportsim.report: one self-contained HTML page that parses, embeds every figure as a PNG
data URI, loads nothing from elsewhere, and renders in a headless Chromium."""

from __future__ import annotations

import base64
import contextlib
import os
import shutil
import struct
import subprocess
import types
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest

import deportsim
from conftest import make_run_file
from deportsim import figures
from deportsim.report import scenario_description, write_report
from direct import PNG_SIGNATURE, headline_from_h5py


class Page(HTMLParser):
    """Everything the tests look at in a page: tags, images, captions, text, references."""

    def __init__(self, text: str):
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.images: list[dict] = []
        self.references: list[str] = []  # every src and href
        self.captions: list[str] = []
        self.cells: list[str] = []
        self.text: list[str] = []
        self._in: list[str] = []
        self.feed(text)
        self.close()

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        self.tags.append(tag)
        if tag == "img":
            self.images.append(attributes)
        for key in ("src", "href"):
            if key in attributes:
                self.references.append(attributes[key])
        if tag in ("figcaption", "td", "th"):
            self._in.append(tag)
            if tag == "figcaption":
                self.captions.append("")
            else:
                self.cells.append("")

    def handle_endtag(self, tag):
        if self._in and self._in[-1] == tag:
            self._in.pop()

    def handle_data(self, data):
        self.text.append(data)
        if self._in and self._in[-1] == "figcaption":
            self.captions[-1] += data
        elif self._in:
            self.cells[-1] += data

    @property
    def all_text(self) -> str:
        return " ".join(" ".join(self.text).split())


def decoded_images(page: Page) -> list[bytes]:
    """Every image of the page, decoded; each must be an inline base64 PNG."""
    result = []
    for image in page.images:
        source = image["src"]
        prefix = "data:image/png;base64,"
        assert source.startswith(prefix), source[:40]
        data = base64.b64decode(source[len(prefix):], validate=True)
        assert data[:8] == PNG_SIGNATURE
        width, height = struct.unpack(">II", data[16:24])
        assert (str(width), str(height)) == (image["width"], image["height"])
        result.append(data)
    return result


def check_self_contained(text: str, page: Page) -> None:
    assert text.startswith("<!DOCTYPE html>")
    assert "script" not in page.tags and "link" not in page.tags and "iframe" not in page.tags
    assert page.tags.count("style") == 1
    for reference in page.references:
        assert reference.startswith(("data:image/png;base64,", "#")), reference[:60]
    assert "http://" not in text and "https://" not in text and "url(" not in text


@pytest.fixture
def report(run_file, tmp_path):
    with deportsim.open_run(run_file) as run:
        path = write_report([run], tmp_path / "report.html")
    return path


def test_report_embeds_every_figure_with_a_caption(report, run_file):
    text = report.read_text(encoding="utf-8")
    page = Page(text)
    check_self_contained(text, page)
    images = decoded_images(page)
    assert len(images) == len(figures.FIGURES)
    assert len(page.captions) == len(images)
    for number, (caption, name) in enumerate(zip(page.captions, figures.FIGURES), start=1):
        caption = " ".join(caption.split())
        assert caption.startswith(f"Figure {number}. ")
        assert figures.FIGURES[name].caption in caption
        assert f"{name}.png" in caption


def test_report_summarises_the_scenario_and_the_headline(report, run_file):
    page = Page(report.read_text(encoding="utf-8"))
    with deportsim.open_run(run_file) as run:
        sha, description = run.scenario_sha256, scenario_description(run)
    text = page.all_text
    assert description == "Test fixture written by tests/python/conftest.py"
    for fragment in ("Run report: fixture", description, "2025-02-01 to 2025-04-12", "expected",
                     "42", sha, "0.1.0", "Headline outcomes"):
        assert fragment in text, fragment
    expected = headline_from_h5py(run_file)
    assert "Persons removed over the run, by destination: Mexico (MEX)" in page.cells
    assert "Persons by status at the end of the run: imprisoned abroad" in page.cells
    assert f"{expected['removals_total']:,.0f}" in page.cells
    assert f"{expected['detention_peak']:,.0f}" in page.cells
    assert f"${expected['flight_cost_total']:,.0f}" in page.cells


def test_report_of_several_runs_compares_them(tmp_path):
    paths = [make_run_file(tmp_path / "a.h5", name="baseline"),
             make_run_file(tmp_path / "b.h5", name="no_deals", with_agreements=False)]
    with contextlib.ExitStack() as stack:
        runs = [stack.enter_context(deportsim.open_run(p)) for p in paths]
        path = write_report(runs, tmp_path / "compare.html", names=["pipeline", "headline"])
    text = path.read_text(encoding="utf-8")
    page = Page(text)
    check_self_contained(text, page)
    assert len(decoded_images(page)) == 2
    assert "Runs compared: baseline, no_deals" in page.all_text
    headings = [cell.strip() for cell in page.cells[:40]]
    assert "baseline" in headings and "no_deals" in headings
    removed = [f"{headline_from_h5py(p)['removals_total']:,.0f}" for p in paths]
    assert all(value in page.cells for value in removed)


def test_description_is_the_recorded_one_else_read_from_the_text():
    # Format 1.1: the root attribute scenario_description.
    recorded = types.SimpleNamespace(scenario_description="Three  countries,\n two groups",
                                     scenario_yaml="description: other\n")
    assert scenario_description(recorded) == "Three countries, two groups"
    # Format 1.0 (no attribute): the text's top-level entry, read as text.
    folded = types.SimpleNamespace(scenario_description=None, scenario_yaml=(
        "name: x\ndescription: >-\n  US-El Salvador agreement,\n  and flights.\ntime: {}\n"))
    assert scenario_description(folded) == "US-El Salvador agreement, and flights."
    plain = types.SimpleNamespace(scenario_description=None,
                                  scenario_yaml="description: 'Three countries' # c\n")
    assert scenario_description(plain) == "Three countries"
    assert scenario_description(
        types.SimpleNamespace(scenario_description=None, scenario_yaml="name: x\n")) == ""


@pytest.mark.engine
def test_report_of_an_engine_run(real_run, real_run_variant, tmp_path):
    with deportsim.open_run(real_run) as run:
        path = write_report([run], tmp_path / "tiny.html")
    text = path.read_text(encoding="utf-8")
    page = Page(text)
    check_self_contained(text, page)
    assert len(decoded_images(page)) == len(figures.FIGURES)
    assert "Three countries, two groups, one route, one programme, one small prison." in page.all_text
    with contextlib.ExitStack() as stack:
        runs = [stack.enter_context(deportsim.open_run(p)) for p in (real_run, real_run_variant)]
        both = write_report(runs, tmp_path / "both.html")
    page = Page(both.read_text(encoding="utf-8"))
    assert len(decoded_images(page)) == len(figures.FIGURES) + 1  # and the headline bars
    assert "agreements.usa_slv_prison.total_quota=40" in page.all_text  # the --set overrides


def chromium() -> str | None:
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    return None


def test_chromium_renders_the_report(report, tmp_path):
    """A headless Chromium screenshot of the report is a real picture, not a blank page.

    Skipped only when Chromium is not installed and CI is not set (scripts/bootstrap installs
    Debian's chromium)."""
    browser = chromium()
    if browser is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed (CI is set; scripts/bootstrap installs it)")
        pytest.skip("chromium is not installed")
    screenshot = tmp_path / "report.png"
    profile = tmp_path / "chromium-profile"
    profile.mkdir()
    command = [
        browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run",
        f"--user-data-dir={profile}", f"--screenshot={screenshot}", "--window-size=1400,3000",
        Path(report).resolve().as_uri(),
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stderr[-2000:]
    assert screenshot.exists(), result.stderr[-2000:]
    data = screenshot.read_bytes()
    assert data[:8] == PNG_SIGNATURE
    assert struct.unpack(">II", data[16:24]) == (1400, 3000)
    import matplotlib.image

    pixels = matplotlib.image.imread(screenshot)[:, :, :3]
    colours = np.unique((pixels.reshape(-1, 3) * 255).round().astype(np.uint8), axis=0)
    assert len(colours) > 50, "the screenshot is (nearly) one colour"
    dark = (pixels.max(axis=2) < 0.3).mean()
    assert 0.001 < dark < 0.5, f"share of dark (text) pixels {dark:.4f}"
    # The figures are drawn, not broken-image boxes: the pipeline figure's at-large orange
    # (#E69F00, drawn at 90% opacity) is on the page.
    red, green, blue = pixels[:, :, 0], pixels[:, :, 1], pixels[:, :, 2]
    orange = (red > 0.85) & (green > 0.55) & (green < 0.75) & (blue < 0.25)
    assert orange.sum() > 1000, "no area of the at-large orange: the pipeline figure is missing"
