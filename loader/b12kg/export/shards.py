"""Where each nanopublication file goes: one flat folder up to SHARD_SIZE files, numbered sub-folders beyond."""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["SHARD_SIZE", "Shards"]

SHARD_SIZE = 10_000  # files per folder: directory listings, file managers and archives stay usable


class Shards:
    """Places files in `folder` in the order they come: while there are at most `size`, side by side (the article's
    35 nanopublications stay at nanopubs/CLAIM.trig); from the (size+1)-th on, file number n (from 0) goes to the
    sub-folder f"{n // size:06d}", and the first `size` files are moved into 000000/. One file is open at a time,
    by the caller; the count is the only state."""

    def __init__(self, folder: Path, *, size: int = SHARD_SIZE) -> None:
        self.folder, self.size = folder, size
        self.count = 0
        self._flat: list[str] = []  # names of the files written flat (at most `size`), moved if sharding starts

    @property
    def sharded(self) -> bool:
        return self.count > self.size

    def place(self, name: str) -> Path:
        """The path of the next file, called `name`; its folder exists."""
        number = self.count
        self.count += 1
        if number < self.size:
            self._flat.append(name)
            return self.folder / name
        if number == self.size:  # one more than a folder holds: move the first ones into 000000/
            first = self.folder / self._shard(0)
            first.mkdir()
            for flat in self._flat:
                os.replace(self.folder / flat, first / flat)
            self._flat = []
        shard = self.folder / self._shard(number // self.size)
        shard.mkdir(exist_ok=True)
        return shard / name

    def relative(self, name: str, number: int) -> str:
        """Where file `number` (called `name`) ended up, relative to the folder, once every file is placed."""
        return f"{self._shard(number // self.size)}/{name}" if self.sharded else name

    @staticmethod
    def _shard(index: int) -> str:
        return f"{index:06d}"
