"""Text helpers: sentence splitting, locating quotes in the source text, and why a near-miss quote differs."""

from __future__ import annotations

import bisect
import re
import unicodedata
from pathlib import Path

from b12kg.curation.records import Sentence, Span, build
from b12kg.curation.yamlsafe import INVISIBLE
from b12kg.errors import CurationError

__all__ = ["split_sentences", "occurrences", "near_match", "Locator"]

_SENTENCE = re.compile(r"[^.]+(?:\.(?!\d)|$)")


def split_sentences(text: str) -> list[Sentence]:
    """Sentences of the text: each line is split after a full stop that is not inside a number."""
    sentences: list[Sentence] = []
    offset = 0
    for line_number, line in enumerate(text.split("\n"), start=1):
        for match in _SENTENCE.finditer(line):
            raw = match.group()
            stripped = raw.strip()
            if stripped:
                start = offset + match.start() + (len(raw) - len(raw.lstrip()))
                sentences.append(build(Sentence, index=len(sentences) + 1, line=line_number, start=start,
                                       end=start + len(stripped), text=stripped))
        offset += len(line) + 1
    return sentences


def occurrences(text: str, needle: str) -> list[int]:
    """Every offset where ``needle`` starts in ``text`` (overlapping matches included)."""
    found: list[int] = []
    start = text.find(needle)
    while start != -1:
        found.append(start)
        start = text.find(needle, start + 1)
    return found


_TATWEEL = "\u0640"  # ARABIC TATWEEL: stretches a word when displayed, carries no letter

# The foldings tried, fewest first, to explain why a quote is not found: canonical Unicode equivalence (NFC/NFD:
# a letter with its marks composed or decomposed, marks in another order), tatweel, invisible characters, runs of
# white space.
_NFD, _NO_TATWEEL, _NOINVISIBLE, _ONE_SPACE = _FOLDINGS = (
    "Unicode normalisation (NFC/NFD)", "removing tatweel (U+0640)",
    "removing invisible characters (U+200B-200F, U+202A-202E, U+2060, U+2066-2069, U+FEFF)",
    "treating runs of white space as one space")


def _fold(text: str, steps: frozenset[str]) -> tuple[str, list[int]]:
    """The text under the given foldings, with the offset in ``text`` of every folded character."""
    chars: list[tuple[str, int]] = []
    in_space = False
    for index, char in enumerate(text):
        if _NO_TATWEEL in steps and char == _TATWEEL:
            continue
        if _NOINVISIBLE in steps and INVISIBLE.match(char):
            continue
        if _ONE_SPACE in steps and char.isspace():
            if in_space:
                continue
            char, in_space = " ", True
        else:
            in_space = False
        chars.extend((d, index) for d in (unicodedata.normalize("NFD", char) if _NFD in steps else char))
    if _NFD in steps:  # canonical ordering (Unicode 15, section 3.11): a base's marks sorted by combining class
        i = 0
        while i < len(chars):
            j = i
            while j < len(chars) and unicodedata.combining(chars[j][0]):
                j += 1
            if j - i > 1:
                chars[i:j] = sorted(chars[i:j], key=lambda c: unicodedata.combining(c[0]))
            i = max(j, i + 1)
    return "".join(c for c, _ in chars), [i for _, i in chars]


def near_match(text: str, quote: str) -> tuple[int, int, str] | None:
    """Where a quote that is not in the text matches it after the fewest foldings: (start, end, which ones)."""
    subsets = sorted((frozenset(s for n, s in enumerate(_FOLDINGS) if mask >> n & 1)
                      for mask in range(1, 1 << len(_FOLDINGS))), key=len)
    for steps in subsets:
        folded_quote, _ = _fold(quote, steps)
        if not folded_quote.strip():
            continue
        folded_text, where = _fold(text, steps)
        at = folded_text.find(folded_quote)
        if at != -1:
            return (where[at], where[at + len(folded_quote) - 1] + 1,
                    " and ".join(s for s in _FOLDINGS if s in steps))
    return None


class Locator:
    """Finds quotes in the source text and the sentences they lie in (sentences sorted by offset)."""

    def __init__(self, path: Path, text: str, sentences: list[Sentence]) -> None:
        self.path, self.text, self.sentences = path, text, sentences
        self._starts = [s.start for s in sentences]

    def find(self, quote: str, occurrence: int | None, *, line: int, claim: str | None, what: str) -> Span:
        """The span of the quote (its ``occurrence``-th match when given), or an error that says how it differs."""
        hits = occurrences(self.text, quote) if quote else []
        if not hits:
            near = near_match(self.text, quote)
            if near is not None:
                start, end, steps = near
                found = self.text[start:end]
                raise self._error(
                    f"{what} is not an exact substring of the source text, but matches it after {steps}: "
                    f"{quote!r} differs from the source's {found!r} at offsets {start}-{end}",
                    fix=f"copy the exact text from the source at offsets {start}-{end} (source line "
                        f"{self.text.count(chr(10), 0, start) + 1}) into the quote", line=line, claim=claim)
            raise self._error(f"{what} is not an exact substring of the source text: {quote!r}",
                              fix="copy the words exactly from the source (same letters, spaces, punctuation)",
                              line=line, claim=claim)
        if occurrence is None:
            if len(hits) > 1:
                raise self._error(f"{what} occurs {len(hits)} times in the source: {quote!r}",
                                  fix=f"add 'occurrence: N' (1 to {len(hits)}) or lengthen the quote",
                                  line=line, claim=claim)
            start = hits[0]
        else:
            if not 1 <= occurrence <= len(hits):
                raise self._error(f"occurrence {occurrence!r} is out of range: the quote occurs {len(hits)} "
                                  f"time(s)", fix=f"use a whole number from 1 to {len(hits)}", line=line,
                                  claim=claim)
            start = hits[occurrence - 1]
        return build(Span, start=start, end=start + len(quote), text=quote)

    def _error(self, message: str, *, fix: str, line: int, claim: str | None) -> CurationError:
        return CurationError(message, fix=fix, file=self.path, line=line, claim=claim)

    def sentences_of(self, span: Span) -> tuple[Sentence, ...]:
        """The sentences a span overlaps, in order."""
        first = max(bisect.bisect_right(self._starts, span.start) - 1, 0)
        found = []
        for sentence in self.sentences[first:]:
            if sentence.start >= span.end:
                break
            if sentence.end > span.start:
                found.append(sentence)
        return tuple(found)
