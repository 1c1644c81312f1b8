"""The handout in a real browser: axe-core finds nothing, A4 within the page budget, no
sideways scrolling on a phone, and hostile notes never run.

Run with `make test-browser` (deselected from `make test`): it needs Chromium and axe-core.
"""

from __future__ import annotations

import html
import json
import random
import re
from datetime import date, timedelta
from functools import cache
from pathlib import Path

import pytest
from chromium_run import Browser, axe_source, chromium, chromium_path
from handout_data import HOSTILE_NOTES, MENU
from reportharness import MemoryStore, render

from kiosk.admin.model import Table
from kiosk.config import default_config_dir, load_instruments
from kiosk.instruments import Answer
from kiosk.records import Payload, coarse_date
from kiosk.simulate import SAMPLE_NOTES, random_answer

INSTRUMENTS = load_instruments(default_config_dir() / "instruments")

pytestmark = pytest.mark.browser
__all__ = ["axe_source", "chromium", "chromium_path"]  # fixtures used by name

PAGE_BUDGET = 8
A4_POINTS = (595.3, 841.9)
RESULT = re.compile(r'<pre id="probe-result">(.*?)</pre>', re.S)
PWNED = "data-pwned"
ATTACKS = (
    *HOSTILE_NOTES,
    "<script>document.body.setAttribute('data-pwned','script');alert(1)</script>",
    "<img src=x onerror=\"document.body.setAttribute('data-pwned','img');alert(2)\">",
    "<svg><script>document.body.setAttribute('data-pwned','svg')</script></svg>",
    "<iframe srcdoc=\"<script>parent.document.body.setAttribute('data-pwned','frame')"
    '</script>"></iframe>',
    "<a href=\"javascript:document.body.setAttribute('data-pwned','link')\">x</a>",
    "<details open ontoggle=\"document.body.setAttribute('data-pwned','toggle')\">",
)


SITES = (("Lager", "k1", 14), ("Kontor", "k2", 9))
FIRST_MONDAY = date(2026, 8, 3)
WEEKS = 17
EXPORTED = date(2026, 11, 30)


def _payloads(rng: random.Random, size: int, notes: tuple[str, ...]) -> list[Payload]:
    """A site's answers to all six tools over four months; about a third write a note."""
    out = []
    for week in range(WEEKS):
        day = FIRST_MONDAY + timedelta(weeks=week)
        for tool in MENU:
            instrument = INSTRUMENTS[tool]
            for _ in range(max(0, round(rng.gauss(size, 2)))):
                answers: dict[str, Answer] = {}
                for item in instrument.items:
                    if item.kind == "text":
                        answers[item.id] = rng.choice(SAMPLE_NOTES) if rng.random() < 0.3 else None
                    else:
                        answers[item.id] = random_answer(item, rng)
                out.append(Payload(tool, instrument.version, coarse_date(day), "da", answers))
    last = FIRST_MONDAY + timedelta(weeks=WEEKS - 1)
    for note in notes:
        answers = {"score": 5, "why_here": note, "one_step_up": note}
        out.append(Payload("checkin", 1, coarse_date(last), "da", answers))
    return out


@cache
def _table(with_attacks: bool) -> Table:
    """Two simulated sites, imported and published as `kiosk-admin report` does."""
    store = MemoryStore(INSTRUMENTS)
    rng = random.Random(12)
    for site, kiosk, size in SITES:
        notes = ATTACKS if with_attacks and site == "Lager" else ()
        store.add(kiosk, site, EXPORTED, _payloads(rng, size, notes))
    return store.table()


def month_report(lang: str, attacks: bool = False) -> str:
    """A two-site month report with all six tools, as the administrator hands it out."""
    return render(_table(attacks), "--format", "html", "--period", "month", "--lang", lang)


def probe(page: str, script: str) -> str:
    """The page with its policy removed and a probe script added that posts its finding to
    the harness around it, for Chromium's --dump-dom to return."""
    without_policy = re.sub(r'<meta http-equiv="Content-Security-Policy"[^>]*>', "", page)
    return without_policy.replace("</body>", f"<script>{script}</script></body>")


HARNESS = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>probe</title>
</head><body style="margin:0"><script>
window.addEventListener('message', function (event) {
  var pre = document.createElement('pre');
  pre.id = 'probe-result';
  pre.textContent = event.data;
  document.body.appendChild(pre);
});
</script><iframe title="report" src="PAGE" style="border:0;width:WIDTHpx;height:900px"></iframe>
</body></html>"""


def run_probe(chromium: Browser, page: Path, width: int) -> dict[str, object]:
    """Load `page` in a frame `width` pixels wide (a phone is narrower than Chromium's
    smallest window) and return what its probe script posted."""
    harness = page.with_name("harness.html")
    harness.write_text(
        HARNESS.replace("PAGE", page.name).replace("WIDTH", str(width)), encoding="utf-8"
    )
    done = chromium(
        f"--window-size={max(width, 500) + 40},960",
        "--virtual-time-budget=30000",
        "--dump-dom",
        harness.as_uri(),
    )
    found = RESULT.search(done.stdout)
    assert found, f"the probe posted no result: {done.stderr[-2000:]}"
    result: dict[str, object] = json.loads(html.unescape(found.group(1)))
    return result


AXE_RUN = """
axe.run(document, {resultTypes: ['violations']}).then(function (r) {
  parent.postMessage(JSON.stringify({
    violations: r.violations.map(function (v) {
      return {id: v.id, impact: v.impact, help: v.help,
              nodes: v.nodes.slice(0, 3).map(function (n) { return n.target.join(' '); })};
    }),
    scrollWidth: document.documentElement.scrollWidth,
    clientWidth: document.documentElement.clientWidth,
    innerWidth: window.innerWidth
  }), '*');
});
"""


@pytest.mark.parametrize("lang", ["da", "en"])
@pytest.mark.parametrize("width", [1280, 390])
def test_axe_core_finds_no_violations_and_a_phone_never_scrolls_sideways(
    chromium: Browser, axe_source: str, tmp_path: Path, lang: str, width: int
) -> None:
    page = probe(month_report(lang), axe_source + "\n" + AXE_RUN)
    path = tmp_path / f"axe-{lang}.html"
    path.write_text(page, encoding="utf-8")
    result = run_probe(chromium, path, width)
    assert result["violations"] == [], json.dumps(result["violations"], indent=1)
    assert result["innerWidth"] == width
    assert isinstance(result["scrollWidth"], int) and isinstance(result["clientWidth"], int)
    assert result["scrollWidth"] <= result["clientWidth"], "the page scrolls sideways"


def test_the_probe_sees_a_violation_and_a_wide_page(
    chromium: Browser, axe_source: str, tmp_path: Path
) -> None:
    """Negative control: a nameless chart and a fixed-width block are caught."""
    broken = month_report("da").replace(
        "</main>",
        '<svg role="img" width="10" height="10"></svg><div style="width:600px">x</div></main>',
    )
    path = tmp_path / "broken.html"
    path.write_text(probe(broken, axe_source + "\n" + AXE_RUN), encoding="utf-8")
    result = run_probe(chromium, path, 390)
    assert isinstance(result["violations"], list)
    assert "svg-img-alt" in {v["id"] for v in result["violations"]}
    assert isinstance(result["scrollWidth"], int) and isinstance(result["clientWidth"], int)
    assert result["scrollWidth"] > result["clientWidth"]


def pdf_pages(data: bytes) -> list[tuple[float, float]]:
    """Each page's size in points, read from the PDF's page objects."""
    sizes = []
    for match in re.finditer(rb"/Type\s*/Page\b(?!s).*?/MediaBox\s*\[([^\]]*)\]", data, re.S):
        x0, y0, x1, y1 = (float(v) for v in match.group(1).split())
        sizes.append((x1 - x0, y1 - y0))
    if not sizes:
        for match in re.finditer(rb"/MediaBox\s*\[([^\]]*)\]", data):
            x0, y0, x1, y1 = (float(v) for v in match.group(1).split())
            sizes.append((x1 - x0, y1 - y0))
    return sizes


@pytest.mark.parametrize("lang", ["da", "en"])
def test_prints_on_a4_within_the_page_budget(chromium: Browser, tmp_path: Path, lang: str) -> None:
    source = tmp_path / f"report-{lang}.html"
    source.write_text(month_report(lang), encoding="utf-8")
    pdf = tmp_path / f"report-{lang}.pdf"
    done = chromium("--no-pdf-header-footer", f"--print-to-pdf={pdf}", source.as_uri())
    assert pdf.exists(), done.stderr[-2000:]
    data = pdf.read_bytes()
    count = len(re.findall(rb"/Type\s*/Page\b(?!s)", data))
    assert 1 < count <= PAGE_BUDGET, f"{count} pages"
    sizes = pdf_pages(data)
    assert sizes, "no page size found"
    for width, height in sizes:
        assert width == pytest.approx(A4_POINTS[0], abs=1.5)
        assert height == pytest.approx(A4_POINTS[1], abs=1.5)


def _dump(chromium: Browser, path: Path) -> str:
    done = chromium("--virtual-time-budget=5000", "--dump-dom", path.as_uri())
    assert "<main>" in done.stdout, done.stderr[-2000:]
    return done.stdout


def test_hostile_notes_run_nothing_even_without_the_policy(
    chromium: Browser, tmp_path: Path
) -> None:
    page = month_report("da", attacks=True)
    as_delivered = tmp_path / "delivered.html"
    as_delivered.write_text(page, encoding="utf-8")
    no_policy = tmp_path / "no-policy.html"
    no_policy.write_text(
        re.sub(r'<meta http-equiv="Content-Security-Policy"[^>]*>', "", page), encoding="utf-8"
    )
    for path in (as_delivered, no_policy):
        dom = _dump(chromium, path)
        body = re.search(r"<body[^>]*>", dom)
        assert body is not None and PWNED not in body.group(0), path.name
        assert "<script" not in dom and "<iframe" not in dom and "<img" not in dom
        assert "data-pwned','img'" in dom, "the attack is shown as text"


def test_the_probe_sees_a_script_that_runs(chromium: Browser, tmp_path: Path) -> None:
    """Negative control: an unescaped note does set the marker, so the check above can fail."""
    page = month_report("da").replace(
        "</main>", "<img src=x onerror=\"document.body.setAttribute('data-pwned','img')\"></main>"
    )
    path = tmp_path / "naive.html"
    path.write_text(re.sub(r'<meta http-equiv="Content-Security-Policy"[^>]*>', "", page), "utf-8")
    body = re.search(r"<body[^>]*>", _dump(chromium, path))
    assert body is not None and PWNED in body.group(0)
