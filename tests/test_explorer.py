"""The explorer (graphs/explorer/): made from the graph, fresh, small; and in a real headless Chromium, every claim's
card and quote, clicks, keyboard, filters against SPARQL, the URL, the timeline, right-to-left Arabic, offline."""

from __future__ import annotations

import re
import shutil
import urllib.request
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from b12kg.explorer.extract import Claim, Quote, Sentence, SourceDoc
from b12kg.explorer.page import ANCHOR_ORDER, facet_key
from b12kg.explorer.site import EXPLORER_DIR, site_size, write_explorer
from b12kg.explorer.source import source_html
from b12kg.paths import GRAPHS_DIR
from b12kg.sparql.engines import open_store, run_sparql
from b12kg.store.site import StaticSite, site_for
from b12kg.vocab import CONVERTER, ID, sparql_prefixes
from explorer_browser import Recorded, browser_session, open_page, require_browser, screenshots

SITE = GRAPHS_DIR / EXPLORER_DIR
PREFIXES = sparql_prefixes(["b12o", "rdfs", "oa", "dcterms"])
MAX_BYTES = 1_000_000  # the whole site, font and per-claim Turtle included


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


# --- without a browser -----------------------------------------------------------------------------------------------

def test_the_committed_explorer_is_what_the_build_writes(fresh_build: Path) -> None:
    """Stale check: a fresh build's explorer is byte for byte the committed one (no file more, none less)."""
    assert _snapshot(fresh_build / EXPLORER_DIR) == _snapshot(SITE), "graphs/explorer is stale: run `b12kg build`"


def test_the_explorer_is_deterministic_and_small(tmp_path: Path) -> None:
    first = write_explorer(graphs_dir=GRAPHS_DIR, out_dir=tmp_path / "a")
    write_explorer(graphs_dir=GRAPHS_DIR, out_dir=tmp_path / "b")
    assert _snapshot(tmp_path / "a") == _snapshot(tmp_path / "b")
    assert first.bytes == site_size(tmp_path / "a") < MAX_BYTES
    text = (tmp_path / "a" / "index.html").read_text(encoding="utf-8")
    # self-contained: no address outside the page is loaded (links to PURLs are links, not loads)
    assert not re.search(r'(src|href)="(https?:)?//[^"]*\.(js|css|woff2?)"', text)
    assert not re.search(r"@import|url\(\s*['\"]?(https?:)?//", (tmp_path / "a" / "explorer.css").read_text())


class _Marks(HTMLParser):
    """The text under each claim's marks, in document order (pieces of one claim joined)."""

    def __init__(self) -> None:
        super().__init__()
        self.open: list[str | None] = []
        self.text: dict[str, str] = {}
        self.first: dict[str, int] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        claim = dict(attrs).get("data-claim") if tag == "mark" else None
        if claim is not None and dict(attrs).get("tabindex") == "0":
            self.first[claim] = self.first.get(claim, 0) + 1
        self.open.append(claim)

    def handle_endtag(self, tag: str) -> None:
        self.open.pop()

    def handle_data(self, data: str) -> None:
        for claim in {c for c in self.open if c}:
            self.text[claim] = self.text.get(claim, "") + data


def test_crossing_nested_and_identical_quotes_are_all_marked_exactly() -> None:
    """Quotes that cross (A over B's start), nest (C inside A) or coincide (D = E) each read back their exact words,
    with one focusable first piece each, and the HTML stays well nested."""
    text = "abcdefghij klmnop"
    doc = SourceDoc("d", "urn:d", text, "", "", [Sentence(0, 0, 10, 1, "claims", ""),
                                                   Sentence(1, 11, 17, 1, "heading", "")])
    quotes = {"a": (0, 6), "b": (3, 14), "c": (1, 2), "d": (11, 13), "e": (11, 13)}
    claims = [Claim(k, f"urn:{k}", "urn:d", [Quote(s, e, text[s:e])]) for k, (s, e) in quotes.items()]
    parser = _Marks()
    parser.feed(source_html(doc, claims))
    assert parser.text == {k: text[s:e] for k, (s, e) in quotes.items()}
    assert parser.first == dict.fromkeys(quotes, 1)
    assert not parser.open


def test_the_served_site_refuses_paths_outside_its_folders(tmp_path: Path) -> None:
    site = site_for(GRAPHS_DIR)
    assert site is not None
    index = site.find("/", None)
    assert index is not None and index.content_type.startswith("text/html")
    assert index.body == (SITE / "index.html").read_bytes()
    for sneaky in ("/../b12kg.nt", "/%2e%2e/b12kg.nt", "/claims/../../b12kg.nq", "/exports/nanopubs/../b12kg.hpoa"):
        assert site.find(sneaky, None) is None, sneaky
    assert site.find("/query", None) is None  # the endpoint's own paths go to Oxigraph
    ttl = next((SITE / "claims").glob("*.ttl"))
    assert site.find(f"/claims/{ttl.name}", "text/turtle") == site.find(f"/claims/{ttl.name}", "text/turtle")
    found = site.find(f"/claims/{ttl.name}", "text/turtle")
    assert found is not None and found.content_type.startswith("text/turtle")
    plain = StaticSite((("/", tmp_path),)).find("/", None)
    assert plain is None  # no index.html there


def test_the_cards_flat_nanopublication_links_find_a_sharded_export(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """Above SHARD_SIZE claims the export moves nanopublications into numbered sub-folders; the cards still link
    to ../exports/nanopubs/CLAIM.trig, and the served site finds each one there (and still nothing outside)."""
    import b12kg.export.run as export_run

    graphs = tmp_path / "graphs"
    shutil.copytree(SITE, graphs / EXPLORER_DIR)
    monkeypatch.setattr(export_run, "SHARD_SIZE", 10)
    result = export_run.export(out_dir=graphs / "exports")
    assert result.sharded
    site = site_for(graphs)
    assert site is not None
    linked = sorted(set(re.findall(r'href="\.\./exports/nanopubs/([^"]+\.trig)"',
                                   (SITE / "index.html").read_text(encoding="utf-8"))))
    assert len(linked) == 35
    for name in linked:
        (placed,) = (graphs / "exports" / "nanopubs").glob(f"*/{name}")
        found = site.find(f"/exports/nanopubs/{name}", None)
        assert found is not None and found.body == placed.read_bytes(), name
    assert site.find("/exports/nanopubs/..%2fb12kg.nq", None) is None
    assert site.find("/exports/nanopubs/no-such-claim.trig", None) is None


# --- the graph's own answers -----------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def graph() -> Any:
    return open_store(GRAPHS_DIR)


def _ids(graph: Any, where: str) -> set[str]:
    answer = run_sparql(graph, f"{PREFIXES}SELECT DISTINCT ?id WHERE {{ ?c a b12o:HealthClaim ; "
                               f"dcterms:identifier ?id . {where} }}")
    return {row[0].value for row in answer.rows}


def _iri(key: str) -> str:
    """A filter value (CURIE or path under /id/) back to its IRI."""
    return (CONVERTER.expand(key) if ":" in key else None) or ID + key


# --- in the browser --------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    require_browser()
    with browser_session() as session:
        yield session


@pytest.fixture()
def page(browser: Any) -> Iterator[tuple[Any, Recorded]]:
    page, seen = open_page(browser, SITE.joinpath("index.html").as_uri())
    yield page, seen
    page.context.close()


def _visible(page: Any) -> set[str]:
    listed = set(page.eval_on_selector_all("#claim-list li:not(.off)", "els => els.map(e => e.dataset.claim)"))
    marked = set(page.eval_on_selector_all("mark.q:not(.off)", "els => els.map(e => e.dataset.claim)"))
    assert listed == marked, "the list and the highlights disagree"
    return listed


def _shown_card(page: Any) -> list[str]:
    return page.eval_on_selector_all("#card-panel .card:not([hidden])", "els => els.map(e => e.dataset.claim)")


@pytest.mark.slow
def test_every_claim_has_one_card_and_its_highlight_is_its_exact_quote(page: tuple[Any, Recorded],
                                                                        graph: Any) -> None:
    view, _ = page
    answer = run_sparql(graph, PREFIXES + """SELECT ?id ?exact WHERE { ?c a b12o:HealthClaim ; dcterms:identifier ?id ;
        b12o:hasEvidence/oa:hasSelector ?q . ?q a oa:TextQuoteSelector ; oa:exact ?exact }""")
    exact = {row[0].value: row[1].value for row in answer.rows}
    assert len(exact) > 30
    cards = view.eval_on_selector_all("article.card", "els => els.map(e => e.dataset.claim)")
    assert sorted(cards) == sorted(exact), "one card per claim, and no other"
    under = view.evaluate("""() => {
        const out = {};
        for (const m of document.querySelectorAll('mark.q'))
            out[m.dataset.claim] = (out[m.dataset.claim] || '') + m.textContent;
        return out; }""")
    assert under == exact


@pytest.mark.slow
def test_clicking_a_highlight_opens_its_card_at_most_one_more_click_away(page: tuple[Any, Recorded]) -> None:
    """Click the claim's own words (a spot no other quote nested in it covers): its card opens; where another
    claim quotes the very same words, its card is one click further, in the list of claims quoting them."""
    view, _ = page
    ids = view.eval_on_selector_all("mark.q[id]", "els => els.map(e => e.dataset.claim)")
    direct = 0
    for claim in ids:
        spot = view.evaluate("""id => {
            const words = el => {  // the middle of the first line of the element's own text (not a nested mark's)
                for (const n of el.childNodes) if (n.nodeType === 3 && n.textContent.trim()) {
                    const r = document.createRange(); r.selectNodeContents(n); return r.getClientRects()[0]; }
                return null; };
            const pieces = [...document.querySelectorAll(`mark.q[data-claim="${id}"]`)];
            let m = pieces.find(words) || pieces[0];
            while (!words(m)) m = m.querySelector('mark.q');  // words quoted again inside: the innermost
            m.scrollIntoView({block: 'center'});
            const b = words(m); return {x: b.left + b.width / 2, y: b.top + b.height / 2}; }""", claim)
        view.mouse.click(spot["x"], spot["y"])
        shown = _shown_card(view)
        if shown == [claim]:
            direct += 1
        else:
            view.click(f'#also button[data-claim="{claim}"]')
            assert _shown_card(view) == [claim]
        assert f"claim={claim}" in view.url
        assert view.is_visible(f"#card-{claim}")
    assert direct >= len(ids) - 3


@pytest.mark.slow
def test_keyboard_focus_reaches_every_claim_and_shows_it(page: tuple[Any, Recorded]) -> None:
    view, _ = page
    ids = set(view.eval_on_selector_all("mark.q[id]", "els => els.map(e => e.dataset.claim)"))
    reached: set[str] = set()
    for _ in range(len(ids) + 60):
        view.keyboard.press("Tab")
        focused = view.evaluate("""() => { const e = document.activeElement;
            return e && e.matches('mark.q') ? {claim: e.dataset.claim, outline: getComputedStyle(e).outlineStyle}
                                            : null; }""")
        if focused:
            assert focused["outline"] != "none", "focus must be visible"
            assert _shown_card(view) == [focused["claim"]]
            reached.add(focused["claim"])
        if reached == ids:
            break
    assert reached == ids


@pytest.mark.slow
def test_filters_show_what_sparql_answers(page: tuple[Any, Recorded], graph: Any) -> None:
    view, _ = page
    patterns = {"age": "?c b12o:concernsAgeGroup <{}> .", "man": "?c b12o:object ?o . ?o rdfs:subClassOf* <{}> .",
                "mod": "?c b12o:modality <{}> .", "src": "?c b12o:attributedTo <{}> ."}
    everything = _ids(graph, "")
    assert _visible(view) == everything
    for facet, pattern in patterns.items():
        values = [v for v in view.eval_on_selector_all(f"#f-{facet} option", "els => els.map(e => e.value)") if v]
        assert values, facet
        for value in values:
            view.select_option(f"#f-{facet}", value)
            assert _visible(view) == _ids(graph, pattern.format(_iri(value))), (facet, value)
        view.select_option(f"#f-{facet}", "")
    # the HPO hierarchy: "Involuntary movements" takes in claims about its subclasses (tremor, dyskinesia ...)
    view.select_option("#f-man", "HP:0004305")
    chosen = _visible(view)
    involuntary = _iri("HP:0004305")
    narrower = _ids(graph, f"?c b12o:object ?o . ?o rdfs:subClassOf+ <{involuntary}> . FILTER(?o != <{involuntary}>)")
    assert narrower and narrower <= chosen
    # two filters at once: both hold
    view.select_option("#f-mod", "b12o:Hedged")
    assert _visible(view) == _ids(graph, patterns["man"].format(_iri("HP:0004305")) +
                                  patterns["mod"].format(_iri("b12o:Hedged")))


@pytest.mark.slow
def test_the_state_round_trips_through_the_url(browser: Any, page: tuple[Any, Recorded]) -> None:
    view, _ = page
    view.select_option("#f-age", facet_key("http://purl.obolibrary.org/obo/NCIT_C27956"))
    view.select_option("#f-man", "HP:0004305")
    claim = sorted(_visible(view))[0]
    view.click(f'#claim-list button[data-claim="{claim}"]')
    url, visible = view.url, _visible(view)
    assert "age=" in url and "man=" in url and f"claim={claim}" in url
    again, seen = open_page(browser, url)
    try:
        assert again.eval_on_selector("#f-age", "e => e.value") == "NCIT:C27956"
        assert again.eval_on_selector("#f-man", "e => e.value") == "HP:0004305"
        assert _visible(again) == visible and _shown_card(again) == [claim]
        assert not seen.errors
    finally:
        again.context.close()


@pytest.mark.slow
def test_the_timeline_has_one_bar_per_window_in_order_of_days(page: tuple[Any, Recorded], graph: Any) -> None:
    view, _ = page
    answer = run_sparql(graph, PREFIXES + """SELECT ?w ?anchor WHERE { ?c a b12o:HealthClaim ;
        b12o:onsetWindow|b12o:resolutionWindow ?w . ?w b12o:anchorEvent ?anchor }""")
    windows = {row[0].value: row[1].value for row in answer.rows}
    bars = view.evaluate("""() => [...document.querySelectorAll('#timeline .anchor')].map(g => ({
        anchor: g.dataset.anchor, rows: [...g.querySelectorAll('.bar-row')].map(r => ({
            window: r.dataset.window, days: r.dataset.days, left: r.querySelector('.bar').getBoundingClientRect().left
        })) }))""")
    assert sorted(r["window"] for g in bars for r in g["rows"]) == sorted(windows)
    order = [facet_key(a) for a in ANCHOR_ORDER]
    assert [g["anchor"] for g in bars] == sorted((g["anchor"] for g in bars), key=order.index)
    for group in bars:
        assert all(facet_key(windows[r["window"]]) == group["anchor"] for r in group["rows"])
        days = [float(r["days"]) for r in group["rows"] if r["days"]]
        assert days == sorted(days)
        assert all(not r["days"] for r in group["rows"][len(days):]), "windows without days come last"
        lefts = [r["left"] for r in group["rows"] if r["days"]]
        assert lefts == sorted(lefts), "more days, further right"


@pytest.mark.slow
def test_arabic_runs_right_to_left_in_its_font_and_every_text_has_its_language(page: tuple[Any, Recorded],
                                                                               tmp_path: Path) -> None:
    view, _ = page
    assert view.eval_on_selector(".source", "e => getComputedStyle(e).direction") == "rtl"
    assert view.evaluate("document.fonts.check('20px \"Noto Naskh Arabic b12kg\"', 'حركات')")
    pairs = view.evaluate("""() => {
        // consecutive outermost marks (in reading order): where one ends and the next starts on the same line
        const marks = [...document.querySelectorAll('.source mark.q')].filter(m => !m.parentElement.closest('mark.q'))
            .map(m => [...m.getClientRects()]);
        const out = [];
        for (let i = 1; i < marks.length; i++) {
            const end = marks[i - 1][marks[i - 1].length - 1], start = marks[i][0];
            if (Math.abs(end.top - start.top) < 2) out.push([end.left, end.right, start.left, start.right]);
        }
        return out; }""")
    assert len(pairs) >= 3, "expected several lines holding two quotes side by side"
    for first_left, _, _, second_right in pairs:
        assert second_right <= first_left + 1, "a later quote on the same line lies to the left (right to left)"
    untagged = view.evaluate("""() => {
        const bad = []; const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
        for (let n = walker.nextNode(); n; n = walker.nextNode()) {
            if (!/[\\u0600-\\u06FF]/.test(n.textContent) || n.parentElement.closest('script')) continue;
            if (n.parentElement.closest('[lang]').lang !== 'ar') bad.push(n.textContent.slice(0, 40));
        }
        return bad; }""")
    assert untagged == []
    assert all(view.eval_on_selector_all("[lang]", "els => els.map(e => e.lang !== '')"))


@pytest.mark.slow
def test_offline_no_console_errors_and_screenshots(page: tuple[Any, Recorded], tmp_path: Path) -> None:
    view, seen = page
    view.click("mark.q[id]")
    view.select_option("#f-mod", "b12o:Hedged")
    view.click("#f-clear")
    view.click('#timeline a.bar')
    shots = screenshots(view, tmp_path)
    assert all(p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and p.stat().st_size > 20_000 for p in shots)
    assert not seen.errors
    outside = [url for url in seen.requests if not url.startswith(SITE.as_uri() + "/")]
    assert outside == []
    assert any(url.endswith(".woff2") for url in seen.requests), "the shipped font is loaded"


@pytest.mark.slow
def test_it_opens_from_a_release_folder(browser: Any, tmp_path: Path) -> None:
    """A copy elsewhere (as in a release folder) works alike: it uses only relative paths."""
    copy = tmp_path / "b12kg-0.1.0" / EXPLORER_DIR
    shutil.copytree(SITE, copy)
    view, seen = open_page(browser, copy.joinpath("index.html").as_uri())
    try:
        view.click("mark.q[id]")
        assert len(_shown_card(view)) == 1
        assert not seen.errors and all(url.startswith(copy.as_uri()) for url in seen.requests)
    finally:
        view.context.close()


@pytest.mark.slow
@pytest.mark.store
def test_served_by_b12kg_serve_a_question_is_answered_live(browser: Any, graph: Any, tmp_path: Path) -> None:
    from b12kg.store.serve import load_location, start_endpoint

    location = tmp_path / "db"
    load_location(location, GRAPHS_DIR)
    endpoint = start_endpoint(location, workers=1, site=site_for(GRAPHS_DIR))
    try:
        with urllib.request.urlopen(endpoint.base + "/") as answer:
            assert answer.headers["Content-Type"].startswith("text/html")
            assert "default-src 'self'" in answer.headers["Content-Security-Policy"]
        view, seen = open_page(browser, endpoint.base + "/")
        try:
            item = view.locator('li.question[data-query="10-claims-by-modality"]')
            item.locator("button.run").click()
            item.locator(".answer table").wait_for()
            rows = item.locator(".answer tbody tr").count()
            sparql = item.locator("pre.sparql").text_content()
            assert rows == len(run_sparql(graph, sparql).rows) > 0
            view.fill("#own-query", PREFIXES + "SELECT (COUNT(*) AS ?n) WHERE { ?c a b12o:HealthClaim }")
            view.click("#own-run")
            view.locator("#own-answer td").wait_for()
            assert view.locator("#own-answer td").text_content() == str(len(_ids(graph, "")))
            view.click("mark.q[id]")
            card = _shown_card(view)[0]
            nanopub = view.locator(f"#card-{card} .links a").nth(1).get_attribute("href")
            with urllib.request.urlopen(f"{endpoint.base}/{nanopub.removeprefix('../')}") as answer:
                assert b"nanopub" in answer.read()
            assert not seen.errors
            assert all(url.startswith(endpoint.base + "/") for url in seen.requests), seen.requests
        finally:
            view.context.close()
    finally:
        endpoint.stop()


@pytest.mark.slow
def test_text_contrast_is_aa_and_focus_is_visible(page: tuple[Any, Recorded]) -> None:
    """WCAG 2.1 contrast (1.4.3, AA: 4.5:1) of every kind of text on its actual background, a card open."""
    view, _ = page
    view.click('#claim-list button[data-claim="infants-about-half-have-involuntary-movements"]')
    card = ".card:not([hidden])"
    selectors = [".source mark.q.d0", ".source mark.q.d1", ".source mark.q.d2", ".source mark.q.active",
                 ".source .s-no-claim", ".source .s-heading", "#filters label", f"{card} .offsets", f"{card} a.term",
                 f"{card} .term code", f"{card} .exact", f"{card} dt", "#claim-list button", ".bar-label .days",
                 ".tick", "footer"]
    ratios = view.evaluate("""selectors => {
        const rgb = c => c.match(/[\\d.]+/g).map(Number);
        const linear = v => v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
        const lum = ([r, g, b]) => 0.2126 * linear(r / 255) + 0.7152 * linear(g / 255) + 0.0722 * linear(b / 255);
        const background = e => {
            for (; e; e = e.parentElement) {
                const c = rgb(getComputedStyle(e).backgroundColor);
                if (c.length < 4 || c[3] > 0) return c.slice(0, 3);
            }
            return [255, 255, 255]; };
        const out = {};
        for (const selector of selectors) {
            const e = document.querySelector(selector);
            if (!e) { out[selector] = 0; continue; }
            const [a, b] = [lum(rgb(getComputedStyle(e).color)), lum(background(e))];
            out[selector] = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
        }
        return out; }""", selectors)
    low = {selector: round(ratio, 2) for selector, ratio in ratios.items() if ratio < 4.5}
    assert low == {}
