"""Where each field of an Arrow IPC record batch has its nodes and buffers, by its type.

Part of `linreg._ipc_file` (kept apart to keep each file short): a record batch's
message lists every field's nodes and buffers in the schema's order, children
included, so a chosen column's place follows from the types before it.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from typing import Any

__all__ = ["places"]


def _layout(arrow: Any, kind: Any, variadic: Iterator[int]) -> tuple[int, int]:
    """(nodes, buffers) a field of this type takes in a record batch, children included."""
    types = arrow.types
    if types.is_dictionary(kind):
        return 1, 2  # its indices
    if isinstance(kind, arrow.ExtensionType):
        return _layout(arrow, kind.storage_type, variadic)
    if types.is_null(kind):
        return 1, 0
    if getattr(types, "is_string_view", bool)(kind) or getattr(types, "is_binary_view", bool)(kind):
        return 1, 2 + next(variadic, 0)
    if any(
        test(kind)
        for test in (types.is_string, types.is_binary, types.is_large_string, types.is_large_binary)
    ):
        return 1, 3
    nodes, buffers = 1, _own_buffers(arrow, kind)
    for k in range(kind.num_fields):  # a nested type's children (none for the rest)
        more = _layout(arrow, kind.field(k).type, variadic)
        nodes, buffers = nodes + more[0], buffers + more[1]
    return nodes, buffers


def _own_buffers(arrow: Any, kind: Any) -> int:
    """A type's own buffers (its children's aside); 2 for a fixed-width type."""
    types = arrow.types
    if types.is_union(kind):
        return 1 if kind.mode == "sparse" else 2
    if types.is_struct(kind) or types.is_fixed_size_list(kind):
        return 1
    if getattr(types, "is_run_end_encoded", lambda _: False)(kind):
        return 0
    if getattr(types, "is_list_view", bool)(kind) or getattr(types, "is_large_list_view", bool)(
        kind
    ):
        return 3
    return 2  # fixed width; a list, a large list, a map: validity and offsets


@functools.lru_cache(maxsize=16)
def places(
    arrow: Any, schema: Any, variadic: tuple[int, ...]
) -> tuple[list[tuple[int, int]], tuple[int, int]]:
    """Where each field's first node and buffer are in a batch, and the totals (the same
    for every batch of a file but where view types' buffers vary)."""
    places, node, buffer = [], 0, 0
    counts = iter(variadic)
    for field in schema:
        places.append((node, buffer))
        more = _layout(arrow, field.type, counts)
        node, buffer = node + more[0], buffer + more[1]
    return places, (node, buffer)
