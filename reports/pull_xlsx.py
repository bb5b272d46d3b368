"""The XLSX of an analyst pull: a ``posts`` sheet analysts can filter, and a ``columns`` sheet.

``posts`` has a frozen, filtered header row, column widths, live links for http(s) post
URLs only, times as UTC date-times, and every text column (ids included) as text cells
in Excel's Text format, so Excel never turns an id into a number. Texts are string
cells, never formulas, made spreadsheet-safe (:func:`narrmon.safe_text.spreadsheet_cell`)
and cut at Excel's cell limit with a marker. ``columns`` explains each column.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from narrmon.safe_text import spreadsheet_cell
from reports.pull import COLUMN_NAMES, COLUMNS, XLSX_CELL_CHARS, XLSX_CUT_MARK, XLSX_SHEET

_ILLEGAL_XLSX = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
XLSX_COLUMNS_SHEET = "columns"
XLSX_LINKED = frozenset({"url"})  # columns whose http(s) URLs become live links
XLSX_LINK_CHARS = 2_000  # Excel refuses longer hyperlink addresses
XLSX_LINK_COLOUR = "0563C1"
XLSX_TIME_FORMAT = "yyyy-mm-dd hh:mm:ss"
XLSX_WIDTH_SAMPLE = 200  # rows read to size a column
XLSX_MIN_WIDTH, XLSX_MAX_WIDTH = 6, 40
XLSX_WIDE = {"text": 80.0, "url": 40.0, "links": 40.0}
XLSX_KINDS = {
    "str": "text",
    "int": "whole number",
    "float": "number",
    "bool": "TRUE/FALSE",
    "time": "date and time (UTC)",
}
XLSX_NOTES = (
    "Ids (post_id, account_id, reply_to, fwd_account_id, fwd_post_id, quoted_id, "
    "reposted_id) are text, not numbers: keep them as text when you copy or sort them.",
    "An empty metric cell means the metric was never read; it is not 0.",
    "Times are UTC (Excel has no time zones).",
    "In pandas, read this file with reports.pull.read_pull(path), or pass "
    "dtype=str for the id columns: pandas guesses numbers from any text that looks like one.",
)


def xlsx_text(text: str) -> tuple[str, bool]:
    """``text`` as an XLSX cell: spreadsheet-safe, legal in XML, cut to the cell limit."""
    cell = spreadsheet_cell(_ILLEGAL_XLSX.sub("", text))
    if len(cell) <= XLSX_CELL_CHARS:
        return cell, False
    mark = XLSX_CUT_MARK.format(n=len(text))
    return cell[: XLSX_CELL_CHARS - len(mark)] + mark, True


def _http_url(value: str) -> str | None:
    """``value`` as a hyperlink target if it is a plain http(s) URL Excel accepts, else None."""
    if not value.startswith(("https://", "http://")) or len(value) > XLSX_LINK_CHARS:
        return None
    if any(ch.isspace() or ord(ch) < 32 for ch in value):
        return None
    return value


def _widths(frame: Any) -> list[float]:
    """A width per column: its header or its longest value among the first rows, capped."""
    out = []
    head = frame.head(XLSX_WIDTH_SAMPLE)
    for name, kind, _ in COLUMNS:
        if name in XLSX_WIDE:
            out.append(XLSX_WIDE[name])
            continue
        sample = head[name].dropna()
        if kind == "time":
            longest = 19
        else:
            longest = max((len(str(v)) for v in sample), default=0)
        out.append(float(min(max(len(name), longest, XLSX_MIN_WIDTH) + 2, XLSX_MAX_WIDTH)))
    return out


def write_xlsx(frame: Any, path: Path) -> int:
    """The ``posts`` sheet and a ``columns`` sheet; returns the texts cut.

    ``posts`` has a frozen, filtered header, column widths, live links for http(s) URLs
    only, and every ``str`` column (ids included) as text cells in the Text format, so
    Excel never turns an id into a number; texts are string cells, never formulas.
    """
    import pandas as pd
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook(write_only=True)
    sheet = book.create_sheet(XLSX_SHEET)
    sheet.freeze_panes = "A2"
    last = get_column_letter(len(COLUMNS))
    sheet.auto_filter.ref = f"A1:{last}{len(frame) + 1}"
    for i, width in enumerate(_widths(frame), 1):
        sheet.column_dimensions[get_column_letter(i)].width = width
    bold, link_font = Font(bold=True), Font(color=XLSX_LINK_COLOUR, underline="single")

    def text_cell(value: str, font: Any = None) -> Any:
        cell = WriteOnlyCell(sheet, value=value)
        cell.data_type = "s"
        cell.number_format = "@"
        if font is not None:
            cell.font = font
        return cell

    sheet.append([text_cell(name, bold) for name in COLUMN_NAMES])
    kinds = [(name, kind) for name, kind, _ in COLUMNS]
    cut = 0
    for values in frame[list(COLUMN_NAMES)].itertuples(index=False, name=None):
        cells: list[Any] = []
        for value, (name, kind) in zip(values, kinds, strict=True):
            if pd.isna(value):
                cells.append(None)
            elif kind == "str":
                text, was_cut = xlsx_text(str(value))
                cut += was_cut
                target = _http_url(str(value)) if name in XLSX_LINKED else None
                cell = text_cell(text, link_font if target else None)
                if target:
                    cell.hyperlink = target
                cells.append(cell)
            elif kind == "time":  # Excel has no time zones: naive UTC
                cell = WriteOnlyCell(sheet, value=value.tz_convert(None).to_pydatetime())
                cell.number_format = XLSX_TIME_FORMAT
                cells.append(cell)
            else:
                cells.append(value.item() if hasattr(value, "item") else value)
        sheet.append(cells)
    _columns_sheet(book, bold)
    book.save(path)
    return cut


def _columns_sheet(book: Any, bold: Any) -> None:
    """The ``columns`` sheet: what each column of ``posts`` holds."""
    from openpyxl.cell import WriteOnlyCell

    sheet = book.create_sheet(XLSX_COLUMNS_SHEET)
    sheet.freeze_panes = "A2"
    for letter, width in zip("ABC", (24, 8, 90), strict=True):
        sheet.column_dimensions[letter].width = width
    header = []
    for name in ("column", "type", "meaning"):
        cell = WriteOnlyCell(sheet, value=name)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    for name, kind, meaning in COLUMNS:
        sheet.append([name, XLSX_KINDS[kind], meaning])
    sheet.append([])
    for note in XLSX_NOTES:
        sheet.append([note])
