"""How long signing adds per nanopublication: the 35 real claims' nanopublications, unsigned and signed (RSA 2048).

    PYTHONPATH=$PWD/loader .venv/bin/python bench/nanopub_signing.py --rounds 20

Prints seconds per nanopublication for building it unsigned, building it signed, and the RSA signature alone
(over the signed nanopublication's normalised text), best of `--rounds` passes over every claim.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from b12kg.curation.read import claim_files, read_document
from b12kg.export.nanopub import NP_PLACEHOLDER, Signing, nanopub_quads
from b12kg.export.npsig import new_private_key_pem, sign
from b12kg.export.trusty import normalised, substitute
from b12kg.paths import CURATED_DIR

__all__ = ["main"]


def _best(rounds: int, count: int, work: Callable[[], object]) -> float:
    """The fastest of `rounds` runs of `work`, per item (`count` items a run)."""
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - start)
    return best / count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=10, help="passes over the claims; the fastest is reported")
    rounds = parser.parse_args().rounds
    document = read_document(claim_files(CURATED_DIR)[0])
    with tempfile.TemporaryDirectory() as folder:
        key = Path(folder) / "key.pem"
        key.write_text(new_private_key_pem(), encoding="ascii")
        signing = Signing.from_pem(key)
    claims = document.claims
    texts = []
    for claim in claims:
        iri, quads = nanopub_quads(document, claim, signing=signing)
        texts.append(normalised(substitute(quads, iri.rsplit("/", 1)[1], NP_PLACEHOLDER), NP_PLACEHOLDER))
    unsigned = _best(rounds, len(claims), lambda: [nanopub_quads(document, c) for c in claims])
    signed = _best(rounds, len(claims), lambda: [nanopub_quads(document, c, signing=signing) for c in claims])
    alone = _best(rounds, len(texts), lambda: [sign(t, signing.key) for t in texts])
    print(f"{len(claims)} nanopublications, best of {rounds} passes, per nanopublication:")
    print(f"  unsigned        {unsigned * 1e3:8.3f} ms")
    print(f"  signed          {signed * 1e3:8.3f} ms   (signing adds {(signed - unsigned) * 1e3:.3f} ms)")
    print(f"  signature only  {alone * 1e3:8.3f} ms   (RSA 2048, PKCS #1 v1.5, SHA-256)")
    print(f"  10^6 claims: signing adds {(signed - unsigned) * 1e6 / 60:.1f} min on one core")


if __name__ == "__main__":
    main()
