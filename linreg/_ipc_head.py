"""An Arrow IPC file's first and last bytes checked before Arrow or the reader parse it.

Part of `linreg.columnar` (kept apart to keep each file short). The IPC stream format
(``pyarrow.ipc.new_stream``, often named ``.arrows``) has no footer to find its batches
from, so it is refused, saying how to convert it; a footer longer than `FOOTER_BYTES` (a
schema with megabytes of metadata, or a list of hundreds of thousands of record batches)
is refused from the file's last 10 bytes, before it is read. A column chosen that does
not hold numbers is named with its type (`check_numbers`).
"""

from __future__ import annotations

import struct
from pathlib import Path
from typing import Any

from linreg.errors import DataFileError
from linreg.sources import open_binary
from linreg.validate import mebibytes, shorten

__all__ = ["FOOTER_BYTES", "check_head", "check_numbers"]

#: The longest IPC footer read, as Parquet's (`linreg.columnar.FOOTER_BYTES`). Arrow
#: holds the footer, and a schema's metadata as several copies (60 MiB of metadata, a
#: table of 100 rows: 328 MB peak on the command line); the reader holds it once more.
FOOTER_BYTES = 4 << 20
#: One record batch's entry in the footer (a ``Block``: offset, length, body length).
BLOCK_BYTES = 24
_MAGIC = b"ARROW1"
_CONTINUATION = b"\xff\xff\xff\xff"
_CONVERT = "pyarrow.feather.write_feather(pyarrow.ipc.open_stream(path).read_all(), new_path)"


def check_head(file: Path) -> None:
    """Refuse the IPC stream format, and a footer over `FOOTER_BYTES`, before either is
    parsed; anything else (not Arrow at all, cut short) is left to Arrow to name."""
    with open_binary(file) as handle:
        try:
            head = handle.read(16)
            size = handle.seek(0, 2)
            handle.seek(max(0, size - 10))
            tail = handle.read(10)
        except OSError as error:
            raise DataFileError(file, f"cannot be read ({error.strerror or error})") from None
    if not head.startswith(_MAGIC) and head.startswith(_CONTINUATION):
        raise DataFileError(
            file,
            "is in the Arrow IPC stream format (pyarrow.ipc.new_stream), not the file "
            "(Feather) format read here, whose footer says where each record batch lies; "
            f"convert it: {_CONVERT}",
        )
    if size < 26 or not head.startswith(_MAGIC) or tail[4:] != _MAGIC:
        return
    length = struct.unpack("<i", tail[:4])[0]
    if length > FOOTER_BYTES:
        raise DataFileError(file, _too_long(length, head))


def _too_long(length: int, head: bytes) -> str:
    """What a long footer holds: the schema (its length is the first message's, at the
    start of the file) and the record batches' list."""
    start = 12 if head[8:12] == _CONTINUATION else 8
    schema = min(length, max(0, struct.unpack("<i", head[start : start + 4])[0]))
    batches = (length - schema) // BLOCK_BYTES
    limit = f"more than {FOOTER_BYTES >> 20} MiB cannot be read in bounded memory"
    if schema > length // 2:
        return (
            f"has a footer of {mebibytes(length)} MiB, mostly its schema's metadata: "
            f"{limit}; rewrite it without that metadata "
            "(pyarrow.feather.write_feather(table.replace_schema_metadata(None), path))"
        )
    return (
        f"has a footer of {mebibytes(length)} MiB, mostly its list of {batches:,} record "
        f"batches ({BLOCK_BYTES} bytes each): {limit}; rewrite it with fewer, larger record "
        "batches (pyarrow.feather.write_feather(table, path, chunksize=65536))"
    )


def check_numbers(types: Any, file: Path, name: str, kind: Any) -> None:
    """Refuse a column of type ``kind`` (``types`` is ``pyarrow.types``) that is not of
    numbers, naming its type; a dictionary-encoded column of numbers (an Arrow IPC file's:
    Parquet's dictionaries are decoded by Arrow) is named so, with how to write it decoded.
    """
    if _numeric(types, kind):
        return
    column = repr(shorten(name))
    if types.is_dictionary(kind) and _numeric(types, kind.value_type):
        raise DataFileError(
            file,
            f"column {column} is dictionary-encoded ({kind}), which linreg does not read: "
            f"write it decoded (table = table.set_column(table.column_names.index({column}), "
            f"{column}, pyarrow.compute.dictionary_decode(table[{column}]))) or write the "
            "table as Parquet",
        )
    raise DataFileError(
        file,
        f"column {column} holds {kind}, not numbers (choose numeric columns, or convert this "
        "one first)",
    )


def _numeric(types: Any, kind: Any) -> bool:
    return bool(types.is_integer(kind) or types.is_floating(kind) or types.is_decimal(kind))
