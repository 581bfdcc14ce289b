"""Every CSV file the clinic writes goes through `csv_lines`.

A spreadsheet runs a cell that begins with `=`, `+`, `-` or `@` (and, in some
programs, a tab or carriage return) as a formula: a name typed into a form or a
failed sign-in could then open links or read other cells on a manager's
computer. Such cells are written with a leading apostrophe, which spreadsheets
show as text and never run.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> str:
    """The cell as text that no spreadsheet runs as a formula."""
    text = "" if value is None else str(value)
    if text and text[0] in _FORMULA_FIRST:
        return "'" + text
    return text


_FORMULA_FIRST = frozenset(FORMULA_STARTS)


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_lines(
    header: Iterable[str], rows: Iterable[Iterable[Any]], *, lines_per_chunk: int = 500
) -> Iterator[str]:
    """The CSV text for a streaming response, every cell safe: the header,
    then the rows a few hundred lines at a time (a chunk per line would make
    a year's report tens of thousands of writes to the client)."""
    writer = csv.writer(_Echo())
    yield writer.writerow([safe_cell(cell) for cell in header])
    chunk: list[str] = []
    for row in rows:
        chunk.append(
            writer.writerow(
                [
                    cell
                    if type(cell) is str and (not cell or cell[0] not in _FORMULA_FIRST)
                    else safe_cell(cell)
                    for cell in row
                ]
            )
        )
        if len(chunk) >= lines_per_chunk:
            yield "".join(chunk)
            chunk = []
    if chunk:
        yield "".join(chunk)
