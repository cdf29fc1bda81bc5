"""The report as a reviewer's browser shows it: headless Chromium (Debian's ``chromium``) loads the
index page and the AVAE study's page, every image decodes, every section is there, the console
stays silent; a screenshot of the top of the study page is kept in ``test-artifacts/``. The AVAE
page drawn from the run record in docs/runs/ is at most 5 MB, says what it omits, and opens too.

The page itself has no scripts. To ask the browser which images failed, the test loads a copy with
a probe appended that writes its answer into the DOM, which ``--dump-dom`` prints.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import REPO
from crossmodal.report.combine import combine_runs
from report_fixtures import build_report

CHROMIUM = shutil.which("chromium")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (.ci/run installs it)")
ARTIFACTS = REPO / "test-artifacts"
SECTIONS = ("summary", "table1", "table2", "table3", "figure5", "grids", "latents", "training", "methods",
            "provenance", "deviations")
PROBE = """<script>window.addEventListener("load", () => {
  const broken = [...document.images].filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.alt);
  document.body.setAttribute("data-broken-images", JSON.stringify(broken));
  document.body.setAttribute("data-images", String(document.images.length));
});</script>"""
CONSOLE = re.compile(r":CONSOLE[^\]]*\]\s*(.*)")
RECORD = REPO / "docs" / "runs" / "2026-12-04-offline-seeds012"
MAX_PAGE_BYTES = 5_000_000


def chromium(*args: str) -> subprocess.CompletedProcess:
    # --no-sandbox: CI runs as root in a container, where Chromium's sandbox cannot start.
    command = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--enable-logging=stderr",
               "--log-level=0", "--virtual-time-budget=5000", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=True)


def render(page: Path) -> tuple[str, list[str], list[str], int]:
    """(DOM after load, alt texts of images that did not load, console messages, image count)."""
    probed = page.with_name(page.stem + ".probed.html")
    probed.write_text(page.read_text().replace("</body>", PROBE + "</body>"))
    result = chromium("--dump-dom", probed.as_uri())
    body = re.search(r"<body[^>]*>", result.stdout)
    assert body, result.stderr[-2000:]
    attributes = dict(re.findall(r'(data-[a-z-]+)="([^"]*)"', body.group(0)))
    broken = json.loads(html.unescape(attributes["data-broken-images"]))
    console = [m.group(1) for m in map(CONSOLE.search, result.stderr.splitlines()) if m]
    return result.stdout, broken, console, int(attributes["data-images"])


@pytest.fixture(scope="module")
def report_page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The AVAE study's page of the synthetic report (the index, report.html, is beside it)."""
    return build_report(tmp_path_factory.mktemp("browser")) / "avae.html"


@pytest.fixture(scope="module")
def record_pages(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The pages drawn from the committed run record, as `combine-runs --run <record>` draws them."""
    out = tmp_path_factory.mktemp("record") / "offline"
    combine_runs([RECORD], out)
    return out


def test_the_probe_catches_a_broken_image_and_a_console_error(tmp_path: Path) -> None:
    """The checks below would pass on any page if the probe saw nothing: show that it sees."""
    page = tmp_path / "bad.html"
    page.write_text('<html><body><img src="data:image/png;base64,AAAA" alt="broken">'
                    '<script>console.error("deliberate")</script></body></html>')
    _, broken, console, images = render(page)
    assert broken == ["broken"] and images == 1
    assert any("deliberate" in message for message in console)


def test_chromium_renders_the_report_completely(report_page: Path) -> None:
    dom, broken, console, images = render(report_page)
    assert images == 5 and broken == [], broken
    assert console == [], console
    for section in SECTIONS:
        assert f'<section id="{section}">' in dom, section


def test_the_index_links_to_each_study_page_and_renders(report_page: Path) -> None:
    index = report_page.with_name("report.html")
    dom, broken, console, images = render(index)
    assert broken == [] and console == [], (broken, console)
    assert 'href="avae.html"' in dom and '<section id="studies">' in dom
    assert report_page.exists()


def test_the_record_page_is_at_most_5_mb_says_what_it_omits_and_renders(record_pages: Path) -> None:
    page = record_pages / "avae.html"
    assert page.stat().st_size <= MAX_PAGE_BYTES, f"{page.stat().st_size / 1e6:.1f} MB"
    html_text = page.read_text()
    assert "This page omits:" in html_text and "Qualitative grids: their inputs are not kept in this record" in html_text
    index = (record_pages / "report.html").read_text()
    assert 'href="avae.html"' in index and "Qualitative grids: their inputs are not kept in this record" in index
    dom, broken, console, images = render(page)
    # Figure 5, the training curves and the eight scenarios' latent spaces; no grid.
    assert images == 10 and broken == [], broken
    assert console == [], console
    for section in SECTIONS:
        assert f'<section id="{section}">' in dom, section
    # The tables drawn from the record are the record's: Table 1 holds every method's row.
    assert dom.count('id="t1-avae-') == 8


def test_screenshot_of_the_top_of_the_page(report_page: Path) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "report-top.png"
    shot.unlink(missing_ok=True)
    chromium("--window-size=1280,1400", f"--screenshot={shot}", report_page.as_uri())
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 20_000
