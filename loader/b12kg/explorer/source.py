"""The source text as HTML: sentences and every claim's quote as properly nested marks, split only where they cross."""

from __future__ import annotations

import html
from dataclasses import dataclass

from b12kg.explorer.extract import Claim, SourceDoc

__all__ = ["Span", "spans_of", "source_html"]


@dataclass(frozen=True)
class Span:
    """A stretch of text [start, end) drawn as one element: a sentence (rank 1) or a claim's quote (rank 2)."""

    start: int
    end: int
    rank: int
    key: str  # the sentence index or the claim id
    kind: str  # the sentence's kind (claims, heading, no-claim), or "quote"


def spans_of(document: SourceDoc, claims: list[Claim]) -> list[Span]:
    spans = [Span(s.start, s.end, 1, str(s.index), s.kind) for s in document.sentences]
    spans += [Span(q.start, q.end, 2, c.id, "quote") for c in claims if c.document == document.iri for q in c.quotes]
    return spans


def _order(span: Span) -> tuple[int, int, int, str]:
    """Outer before inner: sentences before quotes; an earlier start first; then the longer one."""
    return (span.rank, span.start, -span.end, span.key)


def source_html(document: SourceDoc, claims: list[Claim]) -> str:
    """The document's text with its spans as elements. Text is cut at every span boundary; each piece sits inside
    the spans covering it, outermost first, so quotes that nest stay nested (stacked marks) and a quote that crosses
    another's end is closed and reopened there (its pieces share data-claim). A quote's first piece takes the
    keyboard focus (tabindex 0) and the id q-CLAIM."""
    text = document.text
    spans = spans_of(document, claims)
    cuts = sorted({0, len(text), *(s.start for s in spans), *(s.end for s in spans)})
    starting: dict[int, list[Span]] = {}
    for span in spans:
        starting.setdefault(span.start, []).append(span)
    active: set[Span] = set()  # the spans covering the current piece (a sweep: linear in the number of spans)
    opened: list[Span] = []
    first_piece: set[str] = set()
    out: list[str] = []
    for start, end in zip(cuts, cuts[1:], strict=False):
        active = {s for s in active if s.end > start} | set(starting.get(start, []))
        wanted = sorted((s for s in active if s.end > s.start), key=_order)
        keep = 0
        while keep < len(opened) and keep < len(wanted) and opened[keep] == wanted[keep]:
            keep += 1
        for span in reversed(opened[keep:]):
            out.append("</mark>" if span.rank == 2 else "</span>")
        opened = opened[:keep]
        for span in wanted[keep:]:
            depth = sum(1 for s in opened if s.rank == 2)
            if span.rank == 1:
                out.append(f'<span class="s s-{span.kind}" id="s-{document.id}-{span.key}" '
                           f'data-sentence="{span.key}">')
            else:
                attrs = f'class="q d{min(depth, 3)}" data-claim="{span.key}" data-depth="{depth}"'
                if span.key not in first_piece:
                    first_piece.add(span.key)
                    attrs += (f' id="q-{span.key}" tabindex="0" role="button" aria-controls="card-{span.key}" '
                              f'aria-describedby="claim-name-{span.key}"')
                out.append(f"<mark {attrs}>")
            opened.append(span)
        out.append(html.escape(text[start:end], quote=False))
    for span in reversed(opened):
        out.append("</mark>" if span.rank == 2 else "</span>")
    return "".join(out)
