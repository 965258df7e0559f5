"""Look-up stage: everything the graph says about one term (labels, IDs, every claim about it) or one claim."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from b12kg.errors import B12kgError
from b12kg.paths import GRAPHS_DIR
from b12kg.rdf.terms import value_of
from b12kg.sparql.answers import Answer, format_answer
from b12kg.sparql.engines import open_store, run_sparql
from b12kg.vocab import ID, NS, compact, is_valid_iri, parse_curie

if TYPE_CHECKING:
    from pyoxigraph import Store, Triple

__all__ = ["Description", "resolve_subject", "describe_subject", "format_description"]

_CLAIM = ID + "claim/"
_B12O = NS["b12o"]
_LABEL = NS["rdfs"] + "label"
# Statements about a claim node that the card shows in their own lines, not among the qualifiers.
_CARD = {_B12O + p for p in ("subject", "relation", "object", "modality", "hasEvidence", "statedInSentence",
                              "inSection", "assertionGraph", "provenanceGraph", "hasDirectTriple")} | \
    {NS["rdf"] + "type", _LABEL, NS["dcterms"] + "identifier"}


@dataclass
class Description:
    """What the graph says about one IRI: its labels and other statements, and the claims that mention it."""

    iri: str
    is_claim: bool
    labels: list[tuple[str, str]] = field(default_factory=list)  # (language, text)
    statements: list[tuple[str, str]] = field(default_factory=list)  # (predicate, value), both shown compactly
    claims: list[dict[str, object]] = field(default_factory=list)  # one card per claim
    triples: list[Triple] = field(default_factory=list)  # everything above as triples (for --format turtle)


def resolve_subject(text: str) -> str:
    """An IRI for a CURIE (HP:0001337, obo:HP_0001337), a claim id, or an IRI."""
    text = text.strip()
    if text.startswith("<") and text.endswith(">"):
        text = text[1:-1]
    if "://" in text and is_valid_iri(text):
        return text
    prefix, _, local = text.partition(":")
    if local and prefix in NS:
        return NS[prefix] + local
    if local:
        try:
            return parse_curie(text).iri
        except ValueError as exc:
            raise B12kgError(f"{text!r} is not a known CURIE: {exc}",
                             fix="give a CURIE such as HP:0001337, an IRI, or a claim id") from exc
    return _CLAIM + text


def _value(term: object) -> str:
    from pyoxigraph import Literal, NamedNode

    if isinstance(term, NamedNode):
        return compact(term.value) or term.value
    if isinstance(term, Literal):
        return f"{term.value} @{term.language}" if term.language else term.value
    return str(term)


def _rows(store: Store, sparql: str) -> Answer:
    return run_sparql(store, sparql)


def _card(store: Store, claim: str) -> dict[str, object]:
    """One claim's card: statement, modality, quote and offsets, and every qualifier (nested nodes expanded)."""
    from pyoxigraph import Literal, NamedNode

    card: dict[str, object] = {"claim": claim}
    rows = _rows(store, f"SELECT ?p ?o WHERE {{ <{claim}> ?p ?o }}").rows
    qualifiers: list[tuple[str, str]] = []
    for p, o in rows:
        assert isinstance(p, NamedNode)
        if p.value in (_B12O + "subject", _B12O + "relation", _B12O + "object", _B12O + "modality"):
            card[p.value[len(_B12O):]] = _labelled(store, o)
        elif p.value == NS["dcterms"] + "identifier":
            card["id"] = _value(o)
        elif p.value == _LABEL and isinstance(o, Literal) and o.language == "en":
            card["gloss"] = o.value
        elif p.value not in _CARD:
            inner = _rows(store, f"SELECT ?q ?v WHERE {{ <{o.value}> ?q ?v }}").rows \
                if isinstance(o, NamedNode) and o.value.startswith(claim + "/") else []
            if inner:
                parts = "; ".join(f"{_value(q)} {_labelled(store, v)}" for q, v in sorted(inner, key=str)
                                  if isinstance(q, NamedNode) and q.value != NS["rdf"] + "type")
                qualifiers.append((_value(p), parts))
            else:
                qualifiers.append((_value(p), _labelled(store, o)))
    quote = _rows(store, f"SELECT ?exact ?start ?end WHERE {{ <{claim}/evidence/quote> <{NS['oa']}exact> ?exact . "
                         f"<{claim}/evidence/position> <{NS['oa']}start> ?start ; <{NS['oa']}end> ?end }}").rows
    if quote:
        exact, start, end = (_value(t) for t in quote[0])
        card["quote"] = f"{exact}  [{start}–{end}]"
    card["qualifiers"] = sorted(qualifiers)
    return card


def _labelled(store: Store, term: object) -> str:
    """A term with its English label where it has one: 'HP:0001337 (Tremor)'."""
    from pyoxigraph import NamedNode

    if not isinstance(term, NamedNode):
        return _value(term)
    labels = _rows(store, f'SELECT ?l WHERE {{ <{term.value}> <{_LABEL}> ?l FILTER(LANG(?l) = "en") }}').rows
    return f"{_value(term)} ({value_of(labels[0][0])})" if labels else _value(term)


def describe_subject(text: str, *, graphs_dir: Path = GRAPHS_DIR) -> Description:
    """Everything the built graph says about a term or a claim (named by CURIE, IRI or claim id)."""
    from pyoxigraph import Literal, NamedNode, Triple

    iri = resolve_subject(text)
    store = open_store(graphs_dir)
    own = _rows(store, f"SELECT ?p ?o WHERE {{ <{iri}> ?p ?o }}").rows
    is_claim = iri.startswith(_CLAIM)
    mentioned = [value_of(row[0]) for row in _rows(
        store, f"SELECT DISTINCT ?c WHERE {{ ?c a <{_B12O}HealthClaim> ; ?p <{iri}> }} ORDER BY ?c").rows]
    if not own and not mentioned:
        raise B12kgError(f"the graph says nothing about {text!r} ({iri})",
                         fix="check the CURIE or claim id (`b12kg query 01` lists manifestations; claim ids are "
                             "in graphs/curated/*.claims.yaml)")
    description = Description(iri, is_claim)
    for p, o in own:
        if isinstance(p, NamedNode) and p.value == _LABEL and isinstance(o, Literal):
            description.labels.append((o.language or "", o.value))
        elif not is_claim:
            description.statements.append((_value(p), _labelled(store, o)))
    description.labels.sort()
    description.statements.sort()
    claims = [iri] if is_claim else mentioned
    description.claims = [_card(store, claim) for claim in claims]
    subjects = {iri} | set(claims)
    for claim in claims:
        subjects |= {value_of(row[0]) for row in _rows(
            store, f'SELECT DISTINCT ?s WHERE {{ ?s ?p ?o FILTER(STRSTARTS(STR(?s), "{claim}/")) }}').rows}
    for subject in sorted(subjects):
        for p, o in _rows(store, f"SELECT ?p ?o WHERE {{ <{subject}> ?p ?o }}").rows:
            assert isinstance(p, NamedNode) and o is not None  # a predicate is an IRI; ?o is bound
            description.triples.append(Triple(NamedNode(subject), p, o))
    return description


def format_description(description: Description, fmt: str = "text") -> str:
    """A readable card per claim (fmt "text"), or the statements as Turtle, N-Triples or JSON-LD."""
    if fmt != "text":
        return format_answer(Answer([], [], triples=description.triples), fmt)
    lines = [f"{compact(description.iri) or description.iri}  <{description.iri}>"]
    lines += [f"  label @{lang}: {text}" for lang, text in description.labels]
    lines += [f"  {p}: {v}" for p, v in description.statements if not p.startswith("rdfs:label")]
    if not description.is_claim:
        lines.append(f"  claims that mention it: {len(description.claims)}")
    for card in description.claims:
        lines.append("")
        lines.append(f"claim {card.get('id', card['claim'])}")
        lines.append(f"  {card.get('subject', '?')}  —{card.get('relation', '?')}→  {card.get('object', '?')}")
        lines.append(f"  modality: {card.get('modality', '?')}")
        if "quote" in card:
            lines.append(f"  quote: {card['quote']}")
        if "gloss" in card:
            lines.append(f"  gloss: {card['gloss']}")
        qualifiers = card["qualifiers"]
        assert isinstance(qualifiers, list)  # (name, value) pairs, from _card
        for name, value in qualifiers:
            lines.append(f"  {name}: {value}")
    return "\n".join(lines) + "\n"
