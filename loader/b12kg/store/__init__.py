"""Store stage: loading into triple stores, bulk-load recipes, and the read-only endpoint of `b12kg serve`."""
