"""The list of shredded tags: a file outside the database, one line per erased person (their
random tag, when and on what basis), appended and fsynced before the erasure's transaction
commits. A database restored from a backup taken before an erasure still holds the person's
key; on start the ledger carries out every listed erasure again (`Erasures.reapply`)."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

_LINE = re.compile(r"([0-9a-f]{32})\t(\S+)\t(request|retention)")


@dataclass(frozen=True, slots=True)
class ErasedTag:
    tag: str
    erased_at: str
    basis: str


class ErasedTags:
    def __init__(self, path: Path) -> None:
        self.path = path

    def append(self, entry: ErasedTag) -> None:
        """Durably: the line is on disk when this returns (file and, when new, its folder)."""
        created = not self.path.exists()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        line = f"{entry.tag}\t{entry.erased_at}\t{entry.basis}\n".encode()
        if not created and self._cut_short():
            line = b"\n" + line  # a line a crash cut short must not swallow this one
        descriptor = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(descriptor, line)
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
        if created:
            folder = os.open(self.path.parent, os.O_RDONLY)
            try:
                os.fsync(folder)
            finally:
                os.close(folder)

    def _cut_short(self) -> bool:
        with self.path.open("rb") as file:
            if file.seek(0, os.SEEK_END) == 0:
                return False
            file.seek(-1, os.SEEK_END)
            return file.read(1) != b"\n"

    def read(self) -> list[ErasedTag]:
        """Every listed erasure, first listed first; a line cut short by a crash is skipped
        (its transaction never committed)."""
        try:
            text = self.path.read_text(encoding="ascii", errors="replace")
        except FileNotFoundError:
            return []
        found = []
        for line in text.splitlines():
            if match := _LINE.fullmatch(line):
                found.append(ErasedTag(*match.groups()))
        return found
