"""Diff stage: claim-by-claim changes between two releases or two revisions of the curated files."""
