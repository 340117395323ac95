"""report.html as a person sees it: rendered by headless Chromium at 1280 px, nothing runs past the
right edge, and screenshots are kept under ``test-artifacts/`` (git-ignored) to look at.

The measurement needs no extra package: a copy of the report gets a small script that writes the
page's widths into the DOM, and ``chromium --dump-dom`` prints it. Skipped where Chromium is not
installed (``.ci/run`` installs it).
"""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
ARTIFACTS = REPO / "test-artifacts"
WIDTH = 1280

#: Written into the copy of the report: the document's scroll width, every element wider than the
#: viewport or reaching past its right edge, and every table wider than the box it sits in.
MEASURE = """<script>
window.addEventListener("load", function () {
  var doc = document.documentElement, vw = window.innerWidth;
  var out = {viewport: vw, scrollWidth: doc.scrollWidth, height: doc.scrollHeight,
             wide: [], spill: []};
  var all = document.body.getElementsByTagName("*");
  for (var i = 0; i < all.length; i++) {
    var r = all[i].getBoundingClientRect();
    if (r.right > vw + 0.5 || r.width > vw + 0.5)
      out.wide.push({tag: all[i].tagName, right: Math.round(r.right),
                     text: (all[i].textContent || "").slice(0, 60)});
  }
  var tables = document.getElementsByTagName("table");
  for (var j = 0; j < tables.length; j++) {
    var t = tables[j].getBoundingClientRect(), p = tables[j].parentElement.getBoundingClientRect();
    if (t.right > p.right + 0.5)
      out.spill.push({right: Math.round(t.right), parent: Math.round(p.right),
                      text: (tables[j].textContent || "").slice(0, 60)});
  }
  var pre = document.createElement("pre");
  pre.id = "mk-measure";
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
});
</script>"""


def _browser() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        pytest.skip("Chromium not installed (.ci/run installs it)")
    return found


def _chromium(browser: str, profile: Path, height: int, *args: str) -> str:
    cmd = [
        browser,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
        f"--user-data-dir={profile}",
        f"--window-size={WIDTH},{height}",
        "--virtual-time-budget=10000",
        *args,
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout


@pytest.fixture(scope="module")
def rendered(rehearsal_run, tmp_path_factory):
    """The measurements of the rehearsal run's report at 1280 px, and its screenshots."""
    browser = _browser()
    ctx, _ = rehearsal_run
    folder = tmp_path_factory.mktemp("render")
    page = folder / "report.html"
    text = ctx.run.path("report.html").read_text(encoding="utf-8")
    assert text.endswith("</body></html>")
    page.write_text(
        text.removesuffix("</body></html>") + MEASURE + "</body></html>", encoding="utf-8"
    )
    dom = _chromium(browser, folder / "profile", 900, "--dump-dom", page.as_uri())
    found = re.search(r'<pre id="mk-measure">(.*?)</pre>', dom, flags=re.S)
    assert found, "the measuring script did not run"
    measured = json.loads(html.unescape(found.group(1)))
    ARTIFACTS.mkdir(exist_ok=True)
    shots = {
        "first screen": ARTIFACTS / "report-1280.png",
        "whole report": ARTIFACTS / "report-1280-full.png",
    }
    original = ctx.run.path("report.html").as_uri()
    for (what, path), height in zip(shots.items(), (900, measured["height"] + 40), strict=True):
        path.unlink(missing_ok=True)
        _chromium(browser, folder / "profile", height, f"--screenshot={path}", original)
        print(f"report screenshot ({what}, {WIDTH} px wide): {path}")
    return measured, shots


def test_report_has_no_horizontal_overflow_at_1280_px(rendered):
    measured, _ = rendered
    assert measured["viewport"] == WIDTH
    assert measured["scrollWidth"] <= WIDTH, measured["wide"][:5]
    assert measured["wide"] == []
    assert measured["spill"] == []  # no table runs out of its card or section either


def test_report_screenshots_are_kept_as_artifacts(rendered):
    _, shots = rendered
    for path in shots.values():
        data = path.read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n"
        width = int.from_bytes(data[16:20], "big")
        assert width == WIDTH


def test_git_ignores_the_test_artifacts():
    assert "test-artifacts/" in (REPO / ".gitignore").read_text(encoding="utf-8").splitlines()
