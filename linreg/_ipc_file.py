"""Arrow IPC (Feather) files read a piece of rows at a time from the file itself.

Part of `linreg.columnar` (kept apart to keep each file short). pyarrow reads a record
batch whole: one batch of 10M rows decompressed into memory, or its pages of a memory map
left resident, took 240 to 400 MB. Here the file's footer and each batch's message (small
flatbuffers) say where every column's buffers lie; the columns chosen are then read from
those places in pieces. An uncompressed batch of float64 columns at least a piece long
is read in place, through a memory map, `VIEW_NUMBERS` at a time, and the map's pages
are let go of as the pieces are used (CPU time, 1e7 rows of two columns: one batch, 13-15
against 19-22 ms copied; batches of 65,536 rows read back from disk, 21 against 25 ms;
the same just written, 26 ms either way, as the page cache then holds the file in small
folios, a page fault each). Other batches are read into the pieces' arrays, of
`PIECE_NUMBERS` numbers (a compressed batch of at most `WHOLE_BYTES` decompressed a
column at a time, a larger one as a stream by pyarrow's ``CompressedInputStream``), so
memory holds a few pieces whatever the batches' size. Small batches are gathered into
one piece. (Reading the next piece in a thread while the statistics took this one cost
more CPU time and more time on a loaded machine: 36 against 32 ms of CPU, 73 against 60
ms; again beside the pieces read in place, at load 3.5-5 on two cores: 30 against 26
ms of CPU. Batches of 65,536 rows copied into pieces of 262,144, for a quarter of the
calls: 27-31 against 21-24 ms of CPU, 22.3-22.8 against 23.5-23.7 with the memory kept.
Pieces read in place are marked lasting instead, and the pass holds them, shifted four
to a block where they were shifted anyway: `linreg._line_sums.Held`, 18 against 20 ms.)
Two columns' batches smaller than a block are not mapped but handed on unread
(`linreg._ipc_placed.Placed`), for the pass to read them by ``preadv`` straight into the
block it holds and shift them there: mapped, a file just written in such batches cost a
page fault per 4 KiB page, and as much again to let the pages go (10M rows in 65,536-row
batches: 18.5-20.8 against 21.6-25.6 ms, interleaved at load 2.5-3.7; the command's peak
88 against 98 MB). `PLACED_ROWS` says which.
"""

from __future__ import annotations

import contextlib
import mmap
import os
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from linreg import _zstd_frame
from linreg._ipc_layout import places as _places
from linreg._ipc_placed import Handle, Placed
from linreg.errors import DataFileError
from linreg.validate import shorten

__all__ = ["PIECE_NUMBERS", "Placed", "missing_value", "read_pieces"]

FloatArray = npt.NDArray[np.float64]
#: A piece: its first row, its columns' values, and whether they last (read in place);
#: or its first row, no values, and where to read them from (`Placed`).
_Piece = tuple[int, list[FloatArray], "bool | Placed"]

#: Numbers (rows × columns) of one piece: 1 MiB of float64 (64Ki rows of two columns;
#: pieces of 512 KiB and 4 MiB took more CPU time, 38 and 40 ms against 34 at 1e7 rows).
PIECE_NUMBERS = 1 << 17
#: Numbers (rows × columns) of a piece read in place from a memory map (a large
#: uncompressed batch of float64 columns): 4 MiB, 262,144 rows of two columns, one block
#: of the one-feature pass (`linreg.accumulate.BLOCK_ROWS`), so its sums are the arrays'.
VIEW_NUMBERS = 1 << 19
#: Rows of two columns' batches below which they are read where the caller says
#: (`Placed`), not mapped: one block of the one-feature pass. Batches pyarrow writes
#: small are written in small writes, which the page cache can keep in small folios, a
#: page fault each when mapped (65,536-row batches just written: 21 ms mapped, 15 read
#: by ``preadv``; written again at once, 14 and 15); a large batch stays mapped (13 ms).
PLACED_ROWS = VIEW_NUMBERS // 2
#: The most chosen columns of a batch read in place; a wider one is copied (the fifth
#: audit: 1M rows x 48 in one batch peaked at 201 MB read in place).
VIEW_COLUMNS = 8
#: Bytes of a memory map's used pages let go of at once (a mapped page counts in the
#: resident set; letting go of each piece's pages cost more time).
RELEASE_BYTES = 16 << 20
#: Arrays read into in turn: a piece's arrays are read into again ``RING`` pieces later
#: (a caller keeps the one before the last a little longer, as `linreg.tables` may).
RING = 3
#: The codecs of the format's BodyCompression, by number, as pyarrow names them.
_CODECS = {0: "lz4", 1: "zstd"}
#: A compressed batch whose chosen columns hold at most this many bytes is decompressed
#: a column at a time, whole: a stream per column costs its decoder's buffers (about
#: 1.2 MiB each for lz4, 40 KiB for zstd), 300 MB for a batch of 257 lz4 columns.
WHOLE_BYTES = 16 << 20
#: At most this many compressed columns are streamed at once (lz4 about 1.2 MiB each;
#: zstd 0.5 to 1 MiB each, by the command's peak: 60,000 rows x 101 one batch, 179 MB;
#: 20,000 x 600, 1.1 GB); a larger compressed batch with more columns is refused, saying
#: how to rewrite it, and so is a zstd batch whose frames' windows (levels 19-22: up to
#: the whole column) need more than `linreg._zstd_frame.DECODER_BYTES`.
COMPRESSED_STREAMS = 48
_RECORD_BATCH = 3  # the MessageHeader union's member


class _CorruptError(Exception):
    """The file's metadata does not hold together (said as "cannot be read")."""


# --- flatbuffers: just what the footer and a record batch's message need ----------------------


def _at(data: bytes, form: str, position: int) -> Any:
    if position < 0 or position + struct.calcsize(form) > len(data):
        raise _CorruptError("its metadata points outside itself")
    return struct.unpack_from(form, data, position)[0]


def _field(data: bytes, table: int, index: int) -> int | None:
    """Where a table's field lies, or None when it is absent (its default)."""
    vtable = table - _at(data, "<i", table)
    size = _at(data, "<H", vtable)
    if 4 + 2 * index >= size:
        return None
    offset = _at(data, "<H", vtable + 4 + 2 * index)
    return table + offset if offset else None


def _target(data: bytes, table: int, index: int) -> int | None:
    """A table's field that is an offset (a table or a vector): where it points."""
    place = _field(data, table, index)
    return None if place is None else place + _at(data, "<I", place)


def _structs(data: bytes, table: int, index: int, form: str) -> list[tuple[Any, ...]]:
    """A vector of structs, each unpacked with ``form``."""
    vector = _target(data, table, index)
    if vector is None:
        return []
    count, size = _at(data, "<I", vector), struct.calcsize(form)
    if vector + 4 + count * size > len(data):
        raise _CorruptError("a vector runs past its metadata")
    return list(struct.iter_unpack(form, data[vector + 4 : vector + 4 + count * size]))


# --- the file's layout -------------------------------------------------------------------------


def _padded(size: int) -> int:
    """A buffer's length as Arrow writes it: padded to 64 bytes."""
    return (size + 63) // 64 * 64


@dataclass(frozen=True)
class _Column:
    """One chosen column of one batch: its null count and buffers (absolute offsets)."""

    nulls: int
    validity: tuple[int, int]
    values: tuple[int, int]


@dataclass(frozen=True)
class _Batch:
    rows: int
    codec: str | None
    columns: list[_Column]


def _pread(fd: int, offset: int, size: int) -> bytes:
    """``size`` bytes at ``offset`` (where the system has no pread, as Windows, by a
    seek and a read)."""
    if hasattr(os, "pread"):
        data = os.pread(fd, size, offset)
    else:
        os.lseek(fd, offset, os.SEEK_SET)
        data = os.read(fd, size)
    if len(data) != size:
        raise _CorruptError("it is shorter than its metadata says")
    return data


def _read_into(fd: int, offset: int, out: FloatArray) -> None:
    """Fill ``out`` from the bytes at ``offset``, with no copy in between."""
    if hasattr(os, "preadv"):
        done = os.preadv(fd, [out.data], offset)
    else:
        os.lseek(fd, offset, os.SEEK_SET)
        with open(fd, "rb", buffering=0, closefd=False) as handle:
            done = handle.readinto(out.data) or 0
    if done != out.nbytes:
        raise _CorruptError("it is shorter than its metadata says")


def _blocks(fd: int) -> Iterator[tuple[int, int, int]]:
    """The record batches' blocks from the footer: (offset, metadata length, body length),
    unpacked one at a time (a list of them took 26 MB for 250,000 batches, 52 at its
    peak: the footer's length is bounded, `linreg._ipc_head.FOOTER_BYTES`)."""
    size = os.fstat(fd).st_size
    tail = _pread(fd, size - 10, 10) if size >= 10 else b""
    if tail[4:] != b"ARROW1":
        raise _CorruptError("it has no Arrow IPC footer")
    length = struct.unpack("<i", tail[:4])[0]
    if not 0 < length <= size - 10:
        raise _CorruptError("its footer's length is wrong")
    footer = _pread(fd, size - 10 - length, length)
    root = _at(footer, "<I", 0)
    schema = _target(footer, root, 1)
    order = None if schema is None else _field(footer, schema, 0)
    if order is not None and _at(footer, "<h", order) != 0:  # 1: Big (pyarrow swaps it)
        raise _CorruptError(
            "it was written big-endian, which is not read here: rewrite it with "
            "pyarrow.feather.write_feather(pyarrow.feather.read_table(path), new_path)"
        )
    vector = _target(footer, root, 3)
    count = 0 if vector is None else _at(footer, "<I", vector)
    if count and vector is not None and vector + 4 + 24 * count > len(footer):
        raise _CorruptError("a vector runs past its metadata")
    entries = memoryview(footer)[4 + (vector or 0) :][: 24 * count]
    return ((o, m, b) for o, m, _, b in struct.iter_unpack("<qiiq", entries))


def _message(fd: int, block: tuple[int, int, int], size: int) -> tuple[bytes, int]:
    """A block's message (its flatbuffer) and where its body starts."""
    offset, meta, body = block
    if offset < 0 or meta < 8 or body < 0 or offset + meta + body > size:
        raise _CorruptError("a record batch lies outside the file")
    data = _pread(fd, offset, meta)
    return (data[8:] if data[:4] == b"\xff\xff\xff\xff" else data[4:]), offset + meta


#: What a record batch's message says: its rows, its codec, and each chosen column's
#: null count and buffers (offset, length) counted from the batch's body.
_Parsed = tuple[int, str | None, list[tuple[int, tuple[int, int], tuple[int, int]]]]


def _parse(arrow: Any, message: bytes, schema: Any, chosen: list[int], body: int) -> _Parsed:
    """Where a batch's chosen columns lie in its body (of ``body`` bytes), checked
    against the schema."""
    root = _at(message, "<I", 0)
    member = _field(message, root, 1)
    header = _target(message, root, 2)
    if member is None or header is None or _at(message, "<B", member) != _RECORD_BATCH:
        raise _CorruptError("a block of its footer is not a record batch")
    place = _field(message, header, 0)
    rows = 0 if place is None else int(_at(message, "<q", place))
    nodes = _structs(message, header, 1, "<qq")
    buffers = _structs(message, header, 2, "<qq")
    codec = None
    compression = _target(message, header, 3)
    if compression is not None:
        place = _field(message, compression, 0)
        codec = _CODECS.get(0 if place is None else _at(message, "<b", place))
        if codec is None:
            raise _CorruptError("its batches are compressed by a codec Arrow does not name")
    variadic = tuple(int(v) for (v,) in _structs(message, header, 4, "<q"))
    places, (node, buffer) = _places(arrow, schema, variadic)
    if (node, buffer) != (len(nodes), len(buffers)) or rows < 0:
        raise _CorruptError("a record batch does not match its schema")
    columns = []
    for k in chosen:
        node, buffer = places[k]
        length, nulls = nodes[node]
        validity, values = buffers[buffer : buffer + 2]
        if (
            length != rows
            or min(*validity, *values) < 0
            or max(map(sum, (validity, values))) > body
        ):
            raise _CorruptError("a column's buffers lie outside its record batch")
        columns.append((nulls, validity, values))
    return rows, codec, columns


class _Batches:
    """A file's record batches, in turn: where each one's chosen columns lie. A batch
    whose message is the one before's, byte for byte, with a body as long (every batch
    of a file pyarrow wrote in equal batches but the last) is not parsed again: its
    buffers lie at the same places in its own body (153 batches of 65,536 rows: 1.8 ms
    parsed each, 0.44 ms so)."""

    def __init__(self, arrow: Any, fd: int, schema: Any, chosen: list[int]) -> None:
        self.arrow, self.fd, self.schema, self.chosen = arrow, fd, schema, chosen
        self.size = os.fstat(fd).st_size
        self.last: tuple[bytes, int] | None = None
        self.parsed: _Parsed = (0, None, [])

    def batch(self, block: tuple[int, int, int]) -> _Batch:
        """Where a batch's chosen columns lie, checked against the schema and the file."""
        message, body = _message(self.fd, block, self.size)
        if self.last != (message, block[2]):
            self.parsed = _parse(self.arrow, message, self.schema, self.chosen, block[2])
            self.last = (message, block[2])
        rows, codec, columns = self.parsed
        return _Batch(
            rows,
            codec,
            [
                _Column(nulls, (body + vo, vn), (body + do, dn))
                for nulls, (vo, vn), (do, dn) in columns
            ],
        )


# --- reading a column's values in pieces --------------------------------------------------------


class _Values:
    """One chosen column of one batch, read in order, a piece of rows at a time."""

    def __init__(
        self,
        arrow: Any,
        file: Path,
        fd: int,
        where: tuple[int, int],
        codec: str | None,
        kind: Any,
        rows: int,
        whole: bool,
    ) -> None:
        self.arrow, self.fd, self.kind = arrow, fd, kind
        self.width = kind.bit_width // 8
        offset, length = where
        self.stream: Any = None
        if codec is not None and length:
            (full,) = struct.unpack("<q", _pread(fd, offset, 8))
            offset, length = offset + 8, length - 8
            if full != -1:  # -1: this buffer was left uncompressed
                if not rows * self.width <= full <= _padded(rows * self.width):
                    # a crafted length would be allocated before the data disproved it
                    # (9 KB declaring 180 MiB: 267 MB, the ninth audit)
                    raise _CorruptError(
                        f"a compressed column declares {full:,} bytes for {rows:,} rows"
                    )
                if whole:  # a small batch: one buffer, read from memory below
                    # into the system's allocator: the command's pool, jemalloc, kept freed
                    # batches' pages a while (folders of lz4 batches of 8,160 rows x 257:
                    # 136-158 MB peak; in the system's, 123-127 MB, in the same time)
                    self.stream = arrow.BufferReader(
                        arrow.Codec(codec).decompress(
                            _pread(fd, offset, length),
                            decompressed_size=full,
                            memory_pool=arrow.system_memory_pool(),
                        )
                    )
                else:
                    raw = arrow.OSFile(str(file))
                    raw.seek(offset)
                    self.stream = arrow.CompressedInputStream(raw, codec)
        if self.stream is None and length < rows * self.width:
            raise _CorruptError("a column is shorter than its rows")
        self.offset = offset

    def read(self, start: int, out: FloatArray) -> None:
        """Rows ``start`` to ``start + len(out)`` into ``out`` (in order, piece after piece)."""
        count = len(out)
        if self.stream is None and self.kind == self.arrow.float64():
            _read_into(self.fd, self.offset + start * 8, out)
            return
        if self.stream is None:
            raw = self.arrow.py_buffer(
                _pread(self.fd, self.offset + start * self.width, count * self.width)
            )
        else:
            raw = self.stream.read_buffer(count * self.width)
            if raw.size != count * self.width:
                raise _CorruptError("a compressed column ends before its rows")
        if self.kind == self.arrow.float64():
            out[:] = np.frombuffer(raw, np.float64, count)
            return
        values = self.arrow.Array.from_buffers(self.kind, count, [None, raw])
        values = values.cast(self.arrow.float64(), safe=False)  # int64 beyond 2^53 rounds
        out[:] = np.frombuffer(values.buffers()[1], np.float64, count)

    def close(self) -> None:
        if self.stream is not None:
            self.stream.close()


def _whole(file: Path, fd: int, batch: _Batch, kinds: list[Any], number: int) -> bool:
    """Whether a compressed batch's chosen columns are decompressed whole (a small batch),
    else streamed; a large batch of too many columns, or of zstd frames whose decoders
    would need too much memory, is refused."""
    size = batch.rows * sum(kind.bit_width // 8 for kind in kinds)
    if batch.codec is None or size <= WHOLE_BYTES:
        return True
    rows = max(1, WHOLE_BYTES // max(1, 2 * size // batch.rows))  # half a whole batch
    if len(kinds) > COMPRESSED_STREAMS:
        raise DataFileError(
            file,
            f"has a {batch.codec}-compressed record batch of {batch.rows:,} rows and "
            f"{len(kinds)} chosen columns: more than {COMPRESSED_STREAMS} such columns cannot "
            "be read in bounded memory; rewrite it with smaller batches "
            f"(pyarrow.feather.write_feather(table, path, chunksize={rows})) or uncompressed",
        )
    if batch.codec == "zstd":  # each stream's decoder holds its frame's window
        heads = [
            _pread(fd, c.values[0], min(c.values[1], _zstd_frame.BUFFER_HEAD))
            for c in batch.columns
        ]
        try:
            _zstd_frame.check_decoders(file, (number, batch.rows, rows), heads)
        except _zstd_frame.FrameError as why:
            raise _CorruptError(str(why)) from None
    return False


def _first_null(arrow: Any, fd: int, column: _Column, codec: str | None, rows: int) -> int:
    """The first row (within its batch) whose validity bit is 0."""
    offset, length = column.validity
    bitmap = _pread(fd, offset, length)
    if codec is not None and length >= 8:
        (full,) = struct.unpack("<q", bitmap[:8])
        bitmap = bitmap[8:]
        if full != -1:
            if not 0 <= full <= _padded((rows + 7) // 8):
                raise _CorruptError(f"a validity bitmap declares {full:,} bytes for {rows:,} rows")
            bitmap = arrow.Codec(codec).decompress(bitmap, decompressed_size=full).to_pybytes()
    bits = np.unpackbits(np.frombuffer(bitmap, np.uint8), bitorder="little")[:rows]
    if len(bits) < rows or bits.all():
        raise _CorruptError("a column's count of nulls does not match its validity")
    return int(np.argmin(bits))


def missing_value(file: Path, name: str, row: int) -> DataFileError:
    """The error for a null, naming its column and row."""
    return DataFileError(
        file,
        f"column {shorten(name)!r} has a missing value (null) at row {row:,} "
        "(counting from 0): every value is needed",
    )


# --- pieces --------------------------------------------------------------------------------------


def read_pieces(
    arrow: Any, file: Path, schema: Any, names: list[str], placed: bool = False
) -> Iterator[_Piece]:
    """(first row, the columns' values, lasting) for each piece of an IPC file, in order;
    the next piece is read when this one has been used (into the arrays of the piece
    `RING` before), but a lasting one, read in place, stays as long as it is referenced.
    ``placed``: two columns' batches smaller than a block (`PLACED_ROWS`) that would be
    read in place come as (first row, [], `Placed`), read where the caller says.

    Raises
    ------
    DataFileError
        A null (its column and row named); metadata that does not hold together, or a
        file shorter than it says ("cannot be read").
    """
    chosen = [schema.get_field_index(name) for name in names]
    kinds = [schema.field(k).type for k in chosen]
    rows = max(1024, PIECE_NUMBERS // max(len(names), 1))
    try:
        yield from _pieces(arrow, file, schema, (names, chosen, kinds), (rows, placed))
    except _CorruptError as why:
        raise DataFileError(file, f"cannot be read ({why})") from None


def _pieces(
    arrow: Any,
    file: Path,
    schema: Any,
    chosen: tuple[list[str], list[int], list[Any]],
    sizes: tuple[int, bool],
) -> Iterator[_Piece]:
    """The pieces of ``size`` rows (the last shorter), gathered across the batches; a
    batch of at least ``size`` rows of uncompressed float64 columns viewed in place (or
    placed: `read_pieces`)."""
    names, indices, kinds = chosen
    size, placed = sizes
    placed = placed and len(kinds) == 2
    fd = os.open(file, os.O_RDONLY)
    try:
        pieces = _Gathered(len(names), size)
        mapped: _Mapped | None = None
        batches = _Batches(arrow, fd, schema, indices)
        # read in place: a batch of float64 columns, not too many, where the system lets
        # a memory map's pages go (not Windows); the same for every batch of the file
        floats = hasattr(mmap.mmap, "madvise") and len(kinds) <= VIEW_COLUMNS
        floats = floats and all(kind == arrow.float64() for kind in kinds)
        placed = placed and floats and hasattr(os, "preadv")
        for number, block in enumerate(_blocks(fd)):
            batch = batches.batch(block)
            for name, column in zip(names, batch.columns):
                if column.nulls:
                    row = pieces.first + pieces.filled
                    row += _first_null(arrow, fd, column, batch.codec, batch.rows)
                    raise missing_value(file, name, row)
            if floats and _viewed(batch, size):
                mapped = mapped or _Mapped(fd, file, placed)
                if mapped.map is not None:
                    yield from pieces.flush()
                    yield from mapped.pieces(batch, pieces.first)
                    pieces.first += batch.rows
                    continue
            whole = _whole(file, fd, batch, kinds, number)
            values = [
                _Values(arrow, file, fd, c.values, batch.codec, kind, batch.rows, whole)
                for c, kind in zip(batch.columns, kinds)
            ]
            yield from pieces.gather(values, batch.rows)
            del values  # this batch's decompressed columns, before the next batch's
        yield from pieces.flush()
    finally:
        os.close(fd)


class _Gathered:
    """Pieces of ``size`` rows copied from the batches into arrays reused in turn (fresh
    memory costs the kernel's zeroing, as much again as the reading)."""

    def __init__(self, columns: int, size: int) -> None:
        self.ring = [[np.empty(size) for _ in range(columns)] for _ in range(RING)]
        self.size, self.first, self.filled, self.turn = size, 0, 0, 0

    def gather(self, values: list[_Values], rows: int) -> Iterator[_Piece]:
        """A batch's rows into the pieces, each piece handed on when it is full."""
        done = 0
        while done < rows:
            count = min(rows - done, self.size - self.filled)
            for value, array in zip(values, self.ring[self.turn % RING]):
                value.read(done, array[self.filled : self.filled + count])
            done, self.filled = done + count, self.filled + count
            if self.filled == self.size:
                yield from self.flush()
        for value in values:
            value.close()

    def flush(self) -> Iterator[_Piece]:
        """The piece so far, if it has rows; the next is read into the next arrays."""
        if self.filled:
            piece = [array[: self.filled] for array in self.ring[self.turn % RING]]
            yield self.first, piece, False
            self.first, self.filled, self.turn = self.first + self.filled, 0, self.turn + 1


def _viewed(batch: _Batch, size: int) -> bool:
    """Whether a batch of float64 columns is read in place: uncompressed, at least a
    piece of rows (a smaller one is gathered with others: a call of the statistics costs
    about 25 µs, the copy of 1,000 rows of two columns about 1 µs)."""
    if batch.codec is not None or batch.rows < size:
        return False
    if any(column.values[1] < batch.rows * 8 for column in batch.columns):
        raise _CorruptError("a column is shorter than its rows")
    return True


class _Mapped:
    """The file memory-mapped: a large uncompressed batch's columns are read in place,
    `VIEW_NUMBERS` at a time, not copied; the pages of pieces used are let go of
    (``MADV_DONTNEED``) every `RELEASE_BYTES`, as a mapped page counts in the resident
    set. (The map lives while a piece's arrays do: a file cut short meanwhile would
    stop the process, as any memory map of it would.) Where the file cannot be mapped
    (``map`` None: no address space for it, a file system without maps), it is copied.
    ``placed``: a batch of two columns under `PLACED_ROWS` is handed on unread."""

    def __init__(self, fd: int, file: Path, placed: bool) -> None:
        self.file, self.placed = file, placed
        self.handle: Handle | None = None  # opened for the first batch placed
        self.map: mmap.mmap | None = None
        with contextlib.suppress(OSError, ValueError, OverflowError):
            self.map = mmap.mmap(fd, 0, access=mmap.ACCESS_READ)
        self.low, self.high = os.fstat(fd).st_size, 0  # the bytes used and not let go of

    def pieces(self, batch: _Batch, first: int) -> Iterator[_Piece]:
        """(first row, the columns' values) for each piece of a batch, read in place; or
        (first row, [], `Placed`)."""
        assert self.map is not None
        if self.placed and batch.rows < PLACED_ROWS:
            self.handle = self.handle or Handle(self.file)
            yield first, [], Placed(self.file, self.handle, batch.rows, batch.columns)
            return
        step = max(1, VIEW_NUMBERS // len(batch.columns))
        for start in range(0, batch.rows, step):
            count = min(step, batch.rows - start)
            places = [column.values[0] + 8 * start for column in batch.columns]
            yield (
                first + start,
                [np.frombuffer(self.map, np.float64, count, p) for p in places],
                True,
            )
            for place in places:  # the piece was used
                self.low, self.high = min(self.low, place), max(self.high, place + 8 * count)
            if self.high - self.low >= RELEASE_BYTES:
                start_page = self.low // mmap.PAGESIZE * mmap.PAGESIZE
                self.map.madvise(mmap.MADV_DONTNEED, start_page, self.high - start_page)
                self.low, self.high = self.map.size(), 0
