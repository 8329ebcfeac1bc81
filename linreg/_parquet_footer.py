"""Where a Parquet footer's bytes go: its schema and row groups, or its key-value metadata.

A footer too long to read (`linreg.columnar.FOOTER_BYTES`) is refused before it is
parsed; the cure depends on what made it long: many row groups × columns (write fewer,
larger row groups), or a schema's metadata (write the table without it). The footer is
Thrift's compact encoding of ``FileMetaData``, whose key-value metadata (field 5) comes
after its schema (2) and row groups (4). `structure_bytes` walks the fields before it,
from its first bytes (a small budget, held), and gives up past them: it never holds the
footer.
"""

from __future__ import annotations

import os
from pathlib import Path

from linreg.validate import mebibytes

__all__ = ["STRUCTURE_BUDGET", "structure_bytes", "too_long"]

#: The most footer bytes walked to find where the key-value metadata starts: a schema and
#: row groups longer than this are themselves a large part of the footer.
STRUCTURE_BUDGET = 1 << 20
_KEY_VALUE_METADATA = 5
_MAX_DEPTH = 64
# Thrift compact types: booleans (1, 2) have no payload as fields; 3 byte; 4-6 varints;
# 7 double; 8 binary; 9 list; 10 set; 11 map; 12 struct.
_VARINTS = (4, 5, 6)


class _GiveUpError(Exception):
    """The walk ran past its budget or the file, or met bytes that are not Thrift."""


class _Walker:
    """Thrift compact values read from the footer's first bytes, held (at most the budget)."""

    def __init__(self, data: bytes) -> None:
        self.data, self.at = data, 0

    def byte(self) -> int:
        if self.at >= len(self.data):
            raise _GiveUpError
        self.at += 1
        return self.data[self.at - 1]

    def varint(self) -> int:
        result = shift = 0
        while shift < 70:
            part = self.byte()
            result |= (part & 0x7F) << shift
            if part < 0x80:
                return result
            shift += 7
        raise _GiveUpError

    def field(self, last: int) -> tuple[int, int]:
        """The next field's (id, type); type 0 at the struct's end."""
        head = self.byte()
        kind, delta = head & 0x0F, head >> 4
        if kind == 0:
            return 0, 0
        if delta:
            return last + delta, kind
        number = self.varint()
        return (number >> 1) ^ -(number & 1), kind  # zigzag

    def skip(self, kind: int, depth: int, element: bool = False) -> None:
        """Skip one value (a list's or map's booleans take a byte each; fields' none)."""
        if depth > _MAX_DEPTH:
            raise _GiveUpError
        if kind in (1, 2):
            if element:
                self.byte()
        elif kind == 3:
            self.byte()
        elif kind in _VARINTS:
            self.varint()
        elif kind in (7, 8):
            length = 8 if kind == 7 else self.varint()  # read before self.at is
            self.at += length
        elif kind in (9, 10):
            head = self.byte()
            size = self.varint() if head >> 4 == 15 else head >> 4
            for _ in range(size):
                self.skip(head & 0x0F, depth + 1, True)
        elif kind == 11:
            self._skip_map(depth)
        elif kind == 12:
            self.skip_struct(depth + 1)
        else:
            raise _GiveUpError

    def _skip_map(self, depth: int) -> None:
        size = self.varint()
        types = self.byte() if size else 0
        for _ in range(size):
            self.skip(types >> 4, depth + 1, True)
            self.skip(types & 0x0F, depth + 1, True)

    def skip_struct(self, depth: int) -> None:
        last = 0
        while True:
            last, kind = self.field(last)
            if kind == 0:
                return
            self.skip(kind, depth)


def structure_bytes(file: Path, footer: int, budget: int = STRUCTURE_BUDGET) -> int | None:
    """The bytes of a Parquet file's footer (``footer`` long) before its key-value
    metadata; None when there is none, or it starts past ``budget`` bytes in, or the
    footer cannot be walked (pyarrow says why when it reads it)."""
    try:
        with open(file, "rb") as handle:
            handle.seek(-8 - footer, os.SEEK_END)
            walker = _Walker(handle.read(min(footer, budget)))
    except (OSError, ValueError):
        return None
    last = 0
    try:
        while True:
            at = walker.at
            last, kind = walker.field(last)
            if kind == 0:
                return None
            if last == _KEY_VALUE_METADATA:
                return at
            walker.skip(kind, 0)
    except _GiveUpError:
        return None


def too_long(file: Path, length: int, limit: int) -> str:
    """What to say of a footer of ``length`` bytes, over ``limit``: what made it long (the
    key-value metadata when it is most of the footer, else the row groups × columns), and
    how to rewrite the file."""
    said = f"more than {limit >> 20} MiB cannot be read in bounded memory"
    structure = structure_bytes(file, length)
    if structure is not None and structure < length // 2:
        return (
            f"has a footer of {mebibytes(length)} MiB, mostly its schema's metadata "
            f"({mebibytes(length - structure)} MiB of key-value metadata): {said}; rewrite "
            "it without that metadata (pyarrow.parquet.write_table(table."
            "replace_schema_metadata(None), path))"
        )
    return (
        f"has a footer of {mebibytes(length)} MiB (its row groups × columns): {said}; "
        "rewrite it with fewer, larger row groups (pyarrow.parquet.write_table(table, path, "
        "row_group_size=...)), or with only the columns you fit (table.select([...]))"
    )
