"""A zstd frame's header read for the memory its decoder needs (RFC 8878, 3.1.1.1).

Part of `linreg.columnar` (kept apart to keep each file short). A zstd-compressed
record batch too large to decompress whole (`linreg._ipc_file.WHOLE_BYTES`) is read as
one pyarrow ``CompressedInputStream`` per chosen column, and each stream's decoder holds
its frame's window: 512 KiB at pyarrow's default level 1, 2 MiB at level 3, 8 MiB at 19
and up to 128 MiB at 22, where a column no longer than that is one single-segment frame
whose window is the whole column (24 columns of 1M rows at level 22 peaked at 292 MB, 48
at level 3 at 227 MB; at level 1, 151 MB; lz4, 112 MB). Each column's frame header (its
first bytes, 18 at most) says its window, so a batch whose decoders would together need
more than `DECODER_BYTES` is refused before any stream is opened, saying how to rewrite
the file. (Only the first frame is read: pyarrow writes one a buffer.)
"""

from __future__ import annotations

import struct
from pathlib import Path

from linreg.errors import DataFileError
from linreg.validate import mebibytes

__all__ = ["BUFFER_HEAD", "DECODER_BYTES", "FrameError", "check_decoders", "decoder_bytes"]

#: The most decoder memory a batch's streamed zstd columns may need together. The
#: command's peak, measured, is 89-100 MB (the most with 48 columns) and this: 48
#: columns of 200,000 rows at level 3 (single-segment frames of 1.6 MB, 86.7 MiB in
#: all), 189 MB; of 203,000 rows (87.9 MiB), 190-191 MB; of 1M rows (2 MiB windows,
#: 122 MiB), 227 MB, now refused.
DECODER_BYTES = 88 << 20
#: The longest frame header: magic 4, descriptor 1, window 1, dictionary 4, size 8.
HEADER_BYTES = 18
#: The first bytes of a compressed IPC buffer read: its uncompressed length, then the frame.
BUFFER_HEAD = 8 + HEADER_BYTES
_MAGIC = 0xFD2FB528
#: zstd's largest window (``ZSTD_WINDOWLOG_MAX``, 64-bit): a larger one is refused by
#: every decoder, so is no zstd frame.
WINDOW_LOG_MAX = 31
_BLOCK_MAX = 128 << 10  # zstd's largest block
_LEVEL_3_WINDOW = 2 << 20  # level 3's window, for a column over 2 MiB
#: A decoder's own tables and buffers beside its window and block (``ZSTD_DCtx``, and
#: the block read in): about 160 KiB.
_CONTEXT_BYTES = 160 << 10
_FCS_BYTES = (0, 2, 4, 8)  # by the descriptor's top two bits (0: 1 if single-segment)
_DICTIONARY_BYTES = (0, 1, 2, 4)


class FrameError(ValueError):
    """Bytes that are no zstd frame's header (said as a corrupt file)."""


def window(header: bytes) -> tuple[int, int | None]:
    """(window size, content size or None where the frame does not say) from a frame's
    first bytes, as zstd's decoder reads them (``ZSTD_getFrameHeader``)."""
    if len(header) < 5 or struct.unpack_from("<I", header)[0] != _MAGIC:
        raise FrameError("a zstd column does not start with zstd's magic number")
    descriptor = header[4]
    if descriptor & 0x08:
        raise FrameError("a zstd frame header sets its reserved bit")
    single = bool(descriptor & 0x20)
    size_bytes = _FCS_BYTES[descriptor >> 6] or (1 if single else 0)
    place = 5
    size: int | None = None
    if not single:
        if len(header) < 6:
            raise FrameError("a zstd frame header is cut short")
        exponent, mantissa = header[5] >> 3, header[5] & 7
        if 10 + exponent > WINDOW_LOG_MAX:
            raise FrameError(f"a zstd frame's window is over zstd's 2^{WINDOW_LOG_MAX} bytes")
        base = 1 << (10 + exponent)
        place, window_bytes = 6, base + base // 8 * mantissa
    place += _DICTIONARY_BYTES[descriptor & 3]
    if size_bytes:
        if len(header) < place + size_bytes:
            raise FrameError("a zstd frame header is cut short")
        size = int.from_bytes(header[place : place + size_bytes], "little")
        size += 256 if size_bytes == 2 else 0
    if single:
        assert size is not None
        if size > 1 << WINDOW_LOG_MAX:
            raise FrameError(f"a zstd frame's window is over zstd's 2^{WINDOW_LOG_MAX} bytes")
        window_bytes = size
    return max(window_bytes, 1 << 10), size


def decoder_bytes(header: bytes) -> tuple[int, int]:
    """(bytes a streaming decoder of this frame holds, its window), as zstd sizes its
    buffers (``ZSTD_decodingBufferSize_min``): the window and two blocks, no more than the
    frame's content where it says its size, a block read in and the context."""
    window_bytes, size = window(header)
    return _decoder(window_bytes, size), window_bytes


def _decoder(window_bytes: int, size: int | None) -> int:
    block = min(window_bytes, _BLOCK_MAX)
    out = window_bytes + 2 * block + 64
    if size is not None:
        out = min(out, size)
    return _CONTEXT_BYTES + block + out


def check_decoders(file: Path, batch: tuple[int, int, int], heads: list[bytes]) -> None:
    """Refuse a batch whose zstd columns' decoders would need more than `DECODER_BYTES`,
    from each compressed buffer's first bytes (`BUFFER_HEAD`); ``batch`` is (its number,
    rows, the rows of a batch small enough to be decompressed whole).

    Raises
    ------
    FrameError
        A compressed buffer that does not start with a zstd frame's header.
    DataFileError
        Decoders over the budget, naming the batch, the windows and how to rewrite it.
    """
    needs = [
        decoder_bytes(head[8:])
        for head in heads
        if len(head) >= 8 and struct.unpack_from("<q", head)[0] != -1  # -1: uncompressed
    ]
    total = sum(need for need, _ in needs)
    if total <= DECODER_BYTES:
        return
    number, rows, whole = batch
    largest = max(window_bytes for _, window_bytes in needs)
    lower = len(heads) * _decoder(_LEVEL_3_WINDOW, None) <= DECODER_BYTES
    raise DataFileError(
        file,
        f"has a zstd-compressed record batch (number {number:,}, counting from 0, of "
        f"{rows:,} rows) whose {len(heads)} chosen columns' zstd windows (up to "
        f"{largest / (1 << 20):.3g} MiB each; level 3 writes 2 MiB, 19-22 the whole column)"
        f" need {mebibytes(total)} MiB to be decompressed as streams, more than the "
        f"{DECODER_BYTES >> 20} MiB allowed; rewrite it with smaller batches, each "
        "decompressed whole (pyarrow.feather.write_feather(table, path, "
        f'compression="zstd", chunksize={whole}))'
        + (" or at a lower level (compression_level=3)" if lower else "")
        + " or uncompressed",
    )
