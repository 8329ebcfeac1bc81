"""The CSV grammar line by line: headers, fields, quotes and separators, named when wrong.

The line-by-line reader of `linreg.csv_reader` splits each line here and reads each
field with `linreg.numbers.parse_number`; every refusal names what is wrong (a separator
that is not a comma, a broken quote, a row too wide or too long).
"""

from __future__ import annotations

from pathlib import Path

from linreg.errors import DataFileError, HeaderWidthError
from linreg.numbers import BLANKS, MISSING, describe, first_odd
from linreg.validate import check_positive_int, shorten

__all__ = [
    "MAX_FIELDS",
    "MAX_LINE_BYTES",
    "as_named",
    "check_header_width",
    "comment_hint",
    "fields_of",
    "header_of",
    "is_header",
    "not_a_header",
    "row_width",
    "separator_hint",
    "split_fields",
]

#: The longest line a data file may have, in bytes (the reader's memory stays bounded).
MAX_LINE_BYTES = 1 << 20
#: The most fields a row may have.
MAX_FIELDS = 10_000
_SEPARATORS = (("\t", "tabs"), (";", "semicolons (';')"), ("|", "vertical bars ('|')"))


def is_header(line: bytes) -> bool:
    """A header row is one in which every field is a name (see `linreg.csv_reader.load_table`)."""
    if len(line) > MAX_LINE_BYTES or line.count(b",") >= MAX_FIELDS:
        return False  # the reader refuses it, naming the problem
    try:
        fields = split_fields(line.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return False  # not text, or a broken quote: the reader names it
    return all(_is_name(field) for field in fields)


def header_of(
    file: Path, line: bytes, wanted: list[str | int] | None
) -> tuple[list[str] | None, list[str | int] | None]:
    """The header's names if the first non-blank ``line`` is a header (else None), and the
    columns ``wanted`` with each position that the header spells as a name made that name.

    The rule (`linreg.csv_reader.load_table` documents it): ``line`` is a header when
    every field is a name; or, when columns are asked for, when one of them is asked
    for by a name that the line holds, or by a position past the line's last field
    that the line spells (``2020`` in ``2019,2020``), whatever else the line holds. A
    line of numbers is otherwise data: nothing tells it from a header.
    """
    if is_header(line) and wanted is None:
        return _names_of(line), None
    if wanted is None:
        return None, None
    try:
        names = _names_of(line)
    except (UnicodeDecodeError, ValueError):
        return None, wanted  # not text, or a broken quote: the reader names it
    spelled = [c for c in wanted if isinstance(c, int) and c >= len(names) and str(c) in names]
    if is_header(line) or spelled or any(isinstance(c, str) and c in names for c in wanted):
        return names, as_named(file, wanted, names, line=1)
    return None, wanted


def _names_of(line: bytes) -> list[str]:
    return [field.strip(BLANKS) for field in split_fields(line.decode("utf-8"))]


def as_named(
    file: Path, wanted: list[str | int], names: list[str], line: int | None = None
) -> list[str | int]:
    """``wanted`` with each position that ``names`` spells (``2020``) made that name.

    Raises
    ------
    DataFileError
        A position that is also the name of another column (``1`` where the columns
        are ``a, b, 1``): which one is meant cannot be told.
    """
    chosen: list[str | int] = []
    for column in wanted:
        if isinstance(column, int) and str(column) in names:
            at = names.index(str(column))
            if column < len(names) and at != column:
                raise DataFileError(
                    file,
                    f"column {column} could be the column named {str(column)!r} or the "
                    f"one at position {column} (counting from 0), named "
                    f"{shorten(names[column])!r}: for the first give its position, {at}; "
                    f"for the second its name, {shorten(names[column])!r}",
                    line=line,
                )
            chosen.append(str(column))
        else:
            chosen.append(column)
    return chosen


def row_width(n_columns: object) -> int | None:
    """The number of fields required of every row: None (any), or a positive int."""
    return None if n_columns is None else check_positive_int(n_columns, "n_columns")


def check_header_width(file: Path, names: list[str], width: int | None) -> None:
    """Refuse a header of another width than the one required (3 columns where x, y are
    read), naming its columns.

    Raises
    ------
    HeaderWidthError
        ``names`` has other than ``width`` names (``width`` None: any number is fine).
    """
    if width is None or len(names) == width:
        return
    listed = ", ".join(repr(shorten(name)) for name in names[:20])
    listed += f" and {len(names) - 20:,} more" if len(names) > 20 else ""
    word = "column" if len(names) == 1 else "columns"
    raise HeaderWidthError(
        file, f"has {len(names):,} {word} ({listed}); {width} are read (x, then y)", names
    )


def not_a_header(fields: list[str]) -> str:
    """Why a first line with names in it was read as data (``x1,2020``), if it has any."""
    if not any(_is_name(field) for field in fields):
        return ""
    return (
        "; a first line is a header when all its fields are names, or when columns are "
        "chosen by name (--x and --y, or columns=)"
    )


def _is_name(field: str) -> bool:
    text = field.strip(BLANKS)
    return (
        bool(text)
        and (text[0].isalpha() or text[0] == "_")
        and text.isprintable()
        and text.lower() not in MISSING
        and not any(mark in text for mark, _ in _SEPARATORS)
    )


def fields_of(file: Path, line: str, number: int, width: int | None) -> list[str]:
    """One line's fields; a line too long, too wide or mis-separated is refused."""
    if len(line) > MAX_LINE_BYTES:
        raise DataFileError(file, f"the line is longer than {MAX_LINE_BYTES:,} bytes", line=number)
    odd = first_odd(line, allowed="\t")
    if odd is not None:  # name the character, not a symptom such as a wrong width
        column = line.count(",", 0, odd) + 1
        field = line[line.rfind(",", 0, odd) + 1 :].split(",", 1)[0]
        raise DataFileError(
            file,
            f"{shorten(field.strip(BLANKS))!r} is not a number: it contains "
            f"{describe(line[odd])} (numbers are read in ASCII only)",
            line=number,
            column=column,
        )
    found = line.count(",") + 1
    if width is not None and found != width and '"' not in line:
        raise DataFileError(file, _wrong_width(width, found, line), line=number)
    if found > MAX_FIELDS:
        raise DataFileError(
            file, f"the row has {found:,} fields; at most {MAX_FIELDS:,} are read", line=number
        )
    try:
        fields = split_fields(line)
    except ValueError as problem:
        raise DataFileError(file, str(problem), line=number) from None
    if width is not None and len(fields) != width:
        raise DataFileError(file, _wrong_width(width, len(fields), line), line=number)
    return fields


def _wrong_width(width: int, found: int, line: str) -> str:
    hint = comment_hint(line) or separator_hint(line)
    return f"expected {width} comma-separated fields, found {found:,}{hint}"


def comment_hint(line: str) -> str:
    """Say that a line starting with ``#`` is not a comment (numpy.savetxt writes its
    header so), if it starts so."""
    if not line.lstrip(BLANKS).startswith("#"):
        return ""
    return (
        " (a line starting with '#' is a comment to some programs, but linreg's CSV has no "
        "comment lines: delete the line, or just its '#' if it is the header)"
    )


def separator_hint(text: str) -> str:
    """Name the separator a line seems to use instead of commas, if any."""
    for mark, name in _SEPARATORS:
        if mark in text:
            return f" (this line separates its fields with {name}; linreg reads commas)"
    if "," not in text and len(text.strip(BLANKS).split()) > 1:
        return " (this line separates its fields with spaces; linreg reads commas)"
    return ""


def split_fields(line: str) -> list[str]:
    """Split at commas outside double quotes; a quoted field loses its quotes.

    Raises ValueError for a quote that is not closed on its line, or for text between a
    closing quote and the next comma.
    """
    if '"' not in line:
        return line.split(",")
    fields: list[str] = []
    position = 0
    while True:
        start = position + len(line[position:]) - len(line[position:].lstrip(BLANKS))
        if line.startswith('"', start):
            close = _closing_quote(line, start)
            fields.append(line[start + 1 : close].replace('""', '"'))
            end = close + 1 + len(line[close + 1 :]) - len(line[close + 1 :].lstrip(BLANKS))
            if end < len(line) and line[end] != ",":
                raise ValueError(f"text after a closing quote: {shorten(line[end:])!r}")
        else:
            comma = line.find(",", position)
            end = len(line) if comma < 0 else comma
            fields.append(line[position:end])
        if end >= len(line):
            return fields
        position = end + 1


def _closing_quote(line: str, start: int) -> int:
    close = start
    while True:
        close = line.find('"', close + 1)
        if close < 0:
            raise ValueError("a quoted field is not closed (a quote must close on its line)")
        if not line.startswith('"', close + 1):
            return close
        close += 1  # "" inside quotes is one quote
