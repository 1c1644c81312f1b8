"""The handout's HTML read back with an HTML parser: structure, safety and accessibility.

Written from the issue, not from the renderer: a self-contained file (no script, no external
reference), every chart a named image with its values, every table with a caption and scoped
headers, notes and site names escaped, and the sections in the handout's order.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

import pytest
from handout_data import HOSTILE_NOTES, MENU, build

from kiosk.admin import handout

ALLOWED_TAGS = {
    *("html", "head", "meta", "title", "style", "body", "main", "section", "h1", "h2", "h3"),
    *("p", "table", "caption", "thead", "tbody", "tr", "th", "td", "colgroup", "col", "ol"),
    *("ul", "li", "b", "span", "figure", "figcaption", "details", "summary", "div", "svg"),
    *("defs", "pattern", "rect", "line", "text", "tspan", "polyline", "polygon", "circle"),
    *("desc", "br"),
}
VOID = {"meta", "col", "br", "rect", "line", "polyline", "polygon", "circle"}


@dataclass
class Node:
    tag: str
    attrs: dict[str, str]
    children: list[Node] = field(default_factory=list)
    text: list[str] = field(default_factory=list)
    parent: Node | None = None

    def all_text(self) -> str:
        return "".join(self.text) + "".join(child.all_text() for child in self.children)

    def iter(self, tag: str | None = None) -> list[Node]:
        found = [self] if tag is None or self.tag == tag else []
        for child in self.children:
            found += child.iter(tag)
        return found


class Tree(HTMLParser):
    """A small DOM: enough to walk the handout's elements in order."""

    def __init__(self, source: str) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#root", {})
        self.current = self.root
        self.doctype = ""
        self.feed(source)

    def handle_decl(self, decl: str) -> None:
        self.doctype = decl

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, {k: v or "" for k, v in attrs}, parent=self.current)
        self.current.children.append(node)
        if tag not in VOID:
            self.current = node

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.current.children.append(Node(tag, {k: v or "" for k, v in attrs}, parent=self.current))

    def handle_endtag(self, tag: str) -> None:
        node: Node | None = self.current
        while node is not None and node.tag != tag:
            node = node.parent
        if node is not None and node.parent is not None:
            self.current = node.parent

    def handle_data(self, data: str) -> None:
        self.current.text.append(data)


@pytest.fixture(scope="module")
def page() -> str:
    return handout.render(
        build(
            notes=(*HOSTILE_NOTES, *["God stemning i dag"] * 3),
            hide=[("checkin", "2026-09", "Lager")],
        )
    )


@pytest.fixture(scope="module")
def tree(page: str) -> Tree:
    return Tree(page)


def test_a_document_with_main_viewport_language_and_a_policy_against_scripts(tree: Tree) -> None:
    assert tree.doctype.lower() == "doctype html"
    (html_node,) = tree.root.iter("html")
    assert html_node.attrs["lang"] == "da"
    metas = tree.root.iter("meta")
    assert any(m.attrs.get("name") == "viewport" for m in metas)
    policy = next(m for m in metas if m.attrs.get("http-equiv") == "Content-Security-Policy")
    assert "default-src 'none'" in policy.attrs["content"]
    assert "script-src" not in policy.attrs["content"]
    assert len(tree.root.iter("main")) == 1


def test_nothing_runs_and_nothing_loads_from_outside(tree: Tree, page: str) -> None:
    tags = {node.tag for node in tree.root.iter()} - {"#root"}
    assert tags <= ALLOWED_TAGS, tags - ALLOWED_TAGS
    for node in tree.root.iter():
        for name, value in node.attrs.items():
            assert not name.startswith("on"), (node.tag, name)
            assert name not in ("src", "href", "srcset", "action", "formaction", "background")
            if name != "xmlns":
                assert not re.search(r"(https?:|//|javascript:)", value, re.I), (name, value)
    (style,) = tree.root.iter("style")
    css = style.all_text()
    assert "@import" not in css and "url(" not in css
    fills = {n.attrs.get("fill", "") for n in tree.root.iter() if "url(" in n.attrs.get("fill", "")}
    assert fills <= {"url(#hatch)"}, "only the document's own hatch pattern"


def test_every_chart_is_named_described_and_captioned(tree: Tree) -> None:
    svgs = tree.root.iter("svg")
    assert len(svgs) >= 2 * len(MENU)
    ids = {n.attrs["id"]: n for n in tree.root.iter() if "id" in n.attrs}
    for svg in svgs:
        assert svg.attrs["role"] == "img"
        title = ids[svg.attrs["aria-labelledby"]]
        assert title.tag == "title" and title.all_text().strip()
        desc = ids[svg.attrs["aria-describedby"]]
        assert desc.tag == "desc" and desc.all_text().strip()
        figure = svg.parent
        assert figure is not None and figure.tag == "figure"
        caption = figure.iter("figcaption")
        assert caption and caption[0].all_text().strip()


def test_every_chart_has_its_n_under_it(tree: Tree) -> None:
    for figure in tree.root.iter("figure"):
        if figure.iter("svg")[0].attrs["id"] == "sites-heat":
            continue
        assert "n " in figure.iter("figcaption")[0].all_text()


def test_every_table_has_a_caption_and_scoped_headers(tree: Tree) -> None:
    tables = tree.root.iter("table")
    assert len(tables) >= len(MENU) + 3
    for table in tables:
        assert table.iter("caption") and table.iter("caption")[0].all_text().strip()
        headers = table.iter("th")
        assert headers
        assert all(th.attrs.get("scope") in ("col", "row") for th in headers)


def test_hostile_notes_are_text_not_markup(tree: Tree, page: str) -> None:
    shown = [li.all_text() for li in tree.root.iter("li")]
    for note in HOSTILE_NOTES:
        assert note in shown, note
    assert "<script>document.title" not in page
    assert "onerror=" not in page.replace("onerror=&quot;", "")


def test_hostile_site_name_cannot_escape_the_running_header() -> None:
    name = 'Lager"; } body { display: none } </style><script>alert(1)</script>'
    page = handout.render(build(sites=(name, "Kontor"), sizes={name: 30, "Kontor": 40}))
    tree = Tree(page)
    (style,) = tree.root.iter("style")
    css = style.all_text()
    assert "</" not in css and "<script" not in css
    header = re.search(r'@top-left \{ content: "((?:[^"\\]|\\[0-9a-f]{6})*)"', css)
    assert header is not None
    decoded = re.sub(r"\\([0-9a-f]{6})", lambda m: chr(int(m.group(1), 16)), header.group(1))
    assert name in decoded
    assert not tree.root.iter("script")


def test_sections_come_in_the_handouts_order_with_tools_in_menu_order(tree: Tree) -> None:
    (main,) = tree.root.iter("main")
    sections = [s for s in main.children if s.tag == "section"]
    kinds = [s.attrs["class"].split()[0] for s in sections]
    assert kinds == ["front", *["tool"] * len(MENU), "sites", "notes", "plan", "rules"]
    tool_ids = [s.attrs["id"] for s in sections if s.attrs["class"].startswith("tool")]
    assert tool_ids == [f"tool-{t}" for t in MENU]


def test_front_page_says_what_it_covers_and_what_is_hidden(tree: Tree) -> None:
    front = tree.root.iter("section")[0]
    text = front.all_text()
    assert "august 2026 – oktober 2026" in text and "3 afsluttede perioder" in text
    assert "Lager, Kontor" in text
    assert "Overblik for oktober 2026" in text and "Ændring siden september 2026" in text
    assert "Fokusområder" in text and front.iter("ol")[0].iter("li")
    assert "skjult" in text and "færre end 5 svar" in text


def test_hidden_groups_are_one_compact_grid_per_tool_saying_skjult(tree: Tree) -> None:
    grids = [t for t in tree.root.iter("table") if "grid" in t.attrs.get("class", "")]
    assert len(grids) == len(MENU)
    checkin = grids[0]
    rows = {tr.iter("th")[0].all_text(): tr for tr in checkin.iter("tr")[1:]}
    cells = [td.all_text() for td in rows["september 2026"].iter("td")]
    assert cells[0] == "skjult" and cells[1].isdigit() and cells[2].isdigit()


def test_psych_safety_explains_its_scale(tree: Tree) -> None:
    section = next(s for s in tree.root.iter("section") if s.attrs.get("id") == "tool-psych_safety")
    text = section.all_text()
    assert "0–10 point" in text and "10 betyder mest psykologisk tryghed" in text
    assert "negativt formuleret" in text and "0–70" in text


def test_numbers_are_danish(tree: Tree, page: str) -> None:
    text = tree.root.all_text()
    assert re.search(r"\b\d,\d\b", text), "decimal commas"
    assert not re.search(r"Gennemsnit \d+\.\d", text)
    assert re.search(r"\d+ %", text), "per cent with a space"
    weekly = Tree(handout.render(build(months=("2026-W41", "2026-W42"), kind="week")))
    assert "uge 42 2026" in weekly.root.all_text()


def test_notes_keep_their_question_and_are_counted_as_notes(tree: Tree) -> None:
    section = next(s for s in tree.root.iter("section") if "notes" in s.attrs.get("class", ""))
    text = section.all_text()
    assert "Hvad gør, at du står netop her" in text
    assert f"({len(HOSTILE_NOTES) + 3} noter)" in text
    assert "Velkommen" in text, "contribution notes are grouped by their tag"
    repeated = [li.all_text() for li in section.iter("li") if "God stemning" in li.all_text()]
    assert repeated == ["God stemning i dag (×3)", "God stemning i dag (×3)"]


def test_handleplan_is_a_working_table_prefilled_from_the_focus_areas(tree: Tree) -> None:
    plan = next(s for s in tree.root.iter("section") if "plan" in s.attrs.get("class", ""))
    (table,) = plan.iter("table")
    head = [th.all_text() for th in table.iter("th")]
    assert head == ["Problem", "Handling", "Ansvarlig", "Frist", "Opfølgning"]
    body = table.iter("tbody")[0].iter("tr")
    filled = [tr for tr in body if tr.all_text().strip()]
    empty = [tr for tr in body if not tr.all_text().strip()]
    front = tree.root.iter("section")[0].iter("ol")[0].iter("li")
    assert len(filled) == len(front) and len(empty) >= 3
    assert all("IGLO" in tr.all_text() for tr in filled)
    text = plan.all_text()
    assert "nede ad skalaen" in text and "et trin opad" in text
    assert "Primær" in text and "Sekundær" in text and "Tertiær" in text


def test_rules_in_plain_words_come_last(tree: Tree) -> None:
    last = [s for s in tree.root.iter("main")[0].children if s.tag == "section"][-1]
    text = last.all_text()
    assert last.iter("h2")[0].all_text() == "Sådan er svarene beskyttet"
    assert "mindst 5 svar" in text and "fra 10 svar" in text and "blandet og uden dato" in text


def test_english_handout_speaks_english() -> None:
    tree = Tree(handout.render(build(lang="en", hide=[("checkin", "2026-09", "Lager")])))
    text = tree.root.all_text()
    assert tree.root.iter("html")[0].attrs["lang"] == "en"
    assert "hidden" in text and "skjult" not in text
    assert "October 2026" in text and not re.search(r"\b\d,\d\b", text)
