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
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_lines(header: Iterable[str], rows: Iterable[Iterable[Any]]) -> Iterator[str]:
    """The CSV text line by line (for a streaming response), every cell safe."""
    writer = csv.writer(_Echo())
    yield writer.writerow([safe_cell(cell) for cell in header])
    for row in rows:
        yield writer.writerow([safe_cell(cell) for cell in row])
