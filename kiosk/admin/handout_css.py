"""The handout's stylesheet: readable on a phone, an A4 handout on paper.

Print: A4 with a running header (report, sites, period) and "Side n af m" in the page margin
boxes; a figure never breaks from its caption; the front page stands alone. Screen: one
column below 44rem, nothing wider than the viewport (charts scale, long words wrap).
"""

from __future__ import annotations

BASE = """
*, *::before, *::after { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; font-size: 15px; }
body { font-family: "DejaVu Sans", Verdana, system-ui, sans-serif; color: #1a1a1a;
  background: #fff; margin: 0; line-height: 1.4; font-size: 1rem; }
main { max-width: 56rem; margin: 0 auto; padding: 1rem; }
h1 { font-size: 1.6rem; margin: 0 0 0.2rem; }
h2 { font-size: 1.25rem; margin: 1.6rem 0 0.4rem; border-bottom: 2px solid #1a1a1a;
  padding-bottom: 0.15rem; break-after: avoid; page-break-after: avoid; }
h3 { font-size: 1.02rem; margin: 0.9rem 0 0.3rem; break-after: avoid; page-break-after: avoid; }
p, li, td, th, figcaption { overflow-wrap: break-word; hyphens: auto; }
@media print, (min-width: 44rem) { table.overview th[scope="row"] { width: 11rem; } }
@media screen and (max-width: 44rem) { td, th { overflow-wrap: anywhere; } }
.lead { font-size: 1.05rem; margin: 0 0 0.6rem; }
.muted { color: #595959; }
.small { font-size: 0.85rem; }
table { border-collapse: collapse; margin: 0.4rem 0 0.8rem; }
table.wide { width: 100%; }
caption { text-align: left; font-weight: bold; padding: 0.2rem 0; }
th, td { border: 1px solid #8c8c8c; padding: 0.2rem 0.4rem; text-align: left;
  vertical-align: top; }
thead th { background: #ececec; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
td.hidden { color: #595959; font-style: italic; background: #f2f2f2; }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(100%, 19rem), 1fr));
  gap: 0.6rem 1.2rem; }
figure { margin: 0.3rem 0 0.6rem; break-inside: avoid; page-break-inside: avoid; }
figcaption { font-size: 0.85rem; margin-top: 0.15rem; }
figcaption .ctitle { display: block; font-weight: bold; font-size: 0.95rem; }
svg.chart { display: block; max-width: 100%; height: auto; }
details.numbers { font-size: 0.82rem; }
details.numbers ul { margin: 0.2rem 0; padding-left: 1.1rem; }
.notes li { margin: 0.15rem 0; overflow-wrap: anywhere; word-break: break-word; }
.notes ul { columns: 2 18rem; column-gap: 1.5rem; padding-left: 1.1rem; margin: 0.2rem 0; }
.box { border-left: 4px solid #1a1a1a; background: #f5f5f5; padding: 0.4rem 0.8rem;
  margin: 0.6rem 0; }
.plan td { height: 2.6rem; }
.plan col.problem { width: 30%; } .plan col.action { width: 34%; }
.plan col.owner { width: 13%; } .plan col.deadline { width: 9%; }
.plan col.follow { width: 14%; }
.keep { break-inside: avoid; page-break-inside: avoid; }
.plan td.guide { font-size: 0.8rem; color: #3d3d3d; }
.two { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(100%, 22rem), 1fr));
  gap: 0 1.5rem; }
.tablewrap { max-width: 100%; overflow-x: auto; }
ol.focus li, ul.compact li { margin: 0.1rem 0; }
"""

PRINT = """
@media print {
  html { font-size: 9pt; }
  body { line-height: 1.3; }
  main { max-width: none; padding: 0; }
  h1 { font-size: 17pt; }
  h2 { font-size: 12.5pt; margin-top: 0.9rem; }
  h3 { font-size: 10pt; margin-top: 0.5rem; }
  .front { break-after: page; page-break-after: always; }
  .charts { grid-template-columns: 1fr 1fr; gap: 0.2rem 0.8rem; }
  figure { margin: 0.1rem 0 0.3rem; }
  details.numbers { display: none; }
  .notes ul { columns: 2; }
  table { margin: 0.2rem 0 0.5rem; }
  th, td { padding: 0.1rem 0.3rem; }
  .plan td { height: 1.55rem; }
  .box { background: none; }
  .tablewrap { overflow: visible; }
}
"""


MARGIN_FONT = 'font-family: "DejaVu Sans", Verdana, sans-serif; font-size: 7.5pt; color: #595959;'


def css_string(value: str) -> str:
    """`value` as a quoted CSS string: every character but letters, digits and plain
    punctuation as a hex escape, so kiosk text can never close the string or the style."""
    out = []
    for char in value:
        if char.isalnum() or char in " ,.·–-()":
            out.append(char)
        else:
            out.append(f"\\{ord(char):06x}")
    return '"' + "".join(out) + '"'


def page_css(header: str, page_word: str, of_word: str) -> str:
    """The @page rule: A4, margins, running header and page numbers."""
    return (
        "@page { size: A4; margin: 15mm 13mm 15mm 13mm;"
        f" @top-left {{ content: {css_string(header)}; {MARGIN_FONT} }}"
        f" @bottom-right {{ content: {css_string(page_word + ' ')} counter(page) "
        f"{css_string(' ' + of_word + ' ')} counter(pages); {MARGIN_FONT} }}"
        " }"
    )


def stylesheet(header: str, page_word: str, of_word: str) -> str:
    """The whole <style> content."""
    return page_css(header, page_word, of_word) + BASE + PRINT
