"""Reading a list as it came: .xlsx and .xls (python-calamine reads both), CSV in UTF-8 or
GB18030 (detected), the first sheet or a named one; the header row found by the kind's header
variants below any title block; merged header cells reported; every cell normalised
(full-width → half-width, spaces); the result a Polars frame of text columns.

Nothing here knows Django: the errors are `DomainError`s with the line and the column.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import unicodedata
from dataclasses import dataclass, field

import polars as pl
import python_calamine

from jkfp.errors import DomainError, ErrorCode

from .kinds import Kind, header_key
from .xlsx_fast import read_large

#: how far down a title block may push the header row
HEADER_SEARCH_ROWS = 30
ZIP_MAGIC, OLE_MAGIC = b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


@dataclass
class Table:
    """The list's rows under its header: `frame` has a column `_line` (the line in the file,
    1-based as a spreadsheet shows it) and one text column per field found."""

    frame: pl.DataFrame
    header_line: int
    columns: dict[str, str]  # field → header as written in the file
    errors: list[DomainError] = field(default_factory=list)
    sheet: str = ""
    encoding: str = ""


def _span(first: int, last: int, unit: str) -> str:
    """0-based first and last row or column as the user counts them: 第2列, 第2至3列."""
    return f"第{first + 1}{unit}" if first == last else f"第{first + 1}至{last + 1}{unit}"


def _file_error(
    message: str,
    *,
    row: int | None = None,
    column: str | None = None,
    code: ErrorCode = ErrorCode.IMPORT_FILE,
) -> DomainError:
    return DomainError(code, message, row=row, field=column)


def cell_text(value) -> str | None:
    """One cell as normalised text: None for empty; dates as ISO; whole numbers without .0;
    full-width characters half-width; spaces at the ends removed, runs of spaces as one."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, dt.datetime):
        value = value.date() if value.time() == dt.time() else value
        return value.isoformat(sep=" ") if isinstance(value, dt.datetime) else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    text = unicodedata.normalize("NFKC", str(value))
    text = " ".join(text.split())
    return text or None


def _filled(value) -> bool:
    return value is not None and (not isinstance(value, str) or bool(value.strip()))


def _cell(value) -> str | None:
    """A body cell before the column-wise tidying: text as it is, NFKC when not ASCII (a
    full-width comma inside a CSV cell is changed only after the row was split)."""
    if type(value) is str:
        return value if value.isascii() else unicodedata.normalize("NFKC", value)
    return cell_text(value)


#: a cell that `\s+ → " "` changes: a white space other than " ", or two in a row
_SPACES_TO_JOIN = r"[^\S ]|\s\s"


def _tidy(col: pl.Series) -> pl.Series:
    """Spaces at the ends removed and runs of spaces as one, column-wise; empty → null. The
    replacement runs only on a column that has a cell it changes (decision 92: most columns
    of a large list have none, and the regex rewrote every cell)."""
    col = col.str.strip_chars()
    if col.str.contains(_SPACES_TO_JOIN).any():
        col = col.str.replace_all(r"\s+", " ")
    return pl.select(pl.when(col == "").then(None).otherwise(col).alias(col.name)).to_series()


def _nfkc(col: pl.Series) -> pl.Series:
    """NFKC of a text column; a column of ASCII text alone is its own NFKC (decision 92)."""
    if (col.str.len_bytes() == col.str.len_chars()).all():
        return col
    return col.str.normalize("NFKC")


def _sheet_rows(
    data: bytes, sheet: str | None
) -> tuple[list[list], list, str, pl.DataFrame | None]:
    """(rows of values as in the sheet from row 1, merged ranges, sheet name, None); for a
    large .xlsx (xlsx_fast.py) the rows are only the first HEADER_SEARCH_ROWS and the fourth
    item is the rest, column-wise."""
    if data[:4] == ZIP_MAGIC:
        fast = read_large(data, sheet, head_rows=HEADER_SEARCH_ROWS)
        if fast is not None:
            return fast
    try:
        book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    except Exception as exc:  # a damaged or encrypted workbook
        raise _file_error(f"无法读取该电子表格文件：{exc}") from None
    names = book.sheet_names
    if not names:
        raise _file_error("该电子表格没有工作表")
    if sheet:
        if sheet not in names:
            raise _file_error(f"找不到工作表“{sheet}”，文件中的工作表：{'、'.join(names)}")
        s = book.get_sheet_by_name(sheet)
    else:
        s = book.get_sheet_by_index(0)
    try:
        merged = s.merged_cell_ranges or []
    except Exception:  # .xls or a format without merge information
        merged = []
    return s.to_python(skip_empty_area=False), merged, s.name, None


def _csv_text(data: bytes) -> tuple[str, str, str]:
    """(text, encoding label, delimiter) of a CSV file."""
    if b"\x00" in data[:4096]:
        raise _file_error("该文件不是电子表格（Excel 或 CSV 文件）")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - gb18030 decodes nearly any byte string
        raise _file_error("无法识别该 CSV 文件的编码（应为 UTF-8 或 GB18030）")
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",\t;")
        delimiter = dialect.delimiter
    except csv.Error:
        delimiter = ","
    return text, ("UTF-8" if encoding == "utf-8-sig" else "GB18030"), delimiter


def _csv_rows(data: bytes) -> tuple[list[list], str, pl.DataFrame | None]:
    """(the first rows as lists, encoding, the body after them as a frame of text columns or
    None). The title block and the header are found by the csv module in the first rows;
    the body is parsed column-wise by Polars when it has no blank line (Polars skips blank
    lines, which would shift the line numbers; such a file is read row by row)."""
    text, encoding, delimiter = _csv_text(data)
    source = io.StringIO(text)
    reader = csv.reader(source, delimiter=delimiter)
    head = []
    for r in reader:
        head.append(list(r))
        if len(head) >= HEADER_SEARCH_ROWS:
            break
    rest = text[_offset_of_line(text, reader.line_num) :].rstrip("\r\n")
    if len(head) < HEADER_SEARCH_ROWS or not rest:
        return head, encoding, None
    if BLANK_LINE.search(rest) or rest.startswith(("\n", "\r\n")):
        return head + [list(r) for r in csv.reader(io.StringIO(rest), delimiter=delimiter)], (
            encoding
        ), None
    width = max(len(r) for r in head)
    body = pl.read_csv(
        io.BytesIO(rest.encode("utf-8")),
        has_header=False,
        separator=delimiter,
        schema={f"c{j}": pl.String for j in range(width)},
        truncate_ragged_lines=True,
        raise_if_empty=False,
    )
    return head, encoding, body


BLANK_LINE = re.compile(r"\n\r?\n")


def _offset_of_line(text: str, n: int) -> int:
    """The offset in `text` where its (n+1)-th line begins (lines end with \\n)."""
    at = 0
    for _ in range(n):
        at = text.find("\n", at) + 1
        if at == 0:
            return len(text)
    return at


def _find_header(rows: list[list[str | None]], kind: Kind) -> tuple[int, dict[int, str]]:
    """(index of the header row, column index → field) of the row that names most fields."""
    known = kind.field_for_header()
    best, best_map = -1, {}
    for i, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        found = {}
        for j, cell in enumerate(row):
            name = known.get(header_key(cell or ""))
            if name is not None and name not in found.values():
                found[j] = name
        if len(found) > len(best_map):
            best, best_map = i, found
    return best, best_map


def read_table(data: bytes, kind: Kind, *, sheet: str | None = None) -> Table:
    """Read a file into a Table; raise DomainError for a file that cannot be a list of the kind
    (not a spreadsheet, empty, no header, required columns missing — all named at once)."""
    merged: list = []
    tail: pl.DataFrame | None = None  # the CSV body past the first rows, column-wise
    encoding = ""
    sheet_name = ""
    if not data:
        raise _file_error("文件为空")
    if data[:4] == ZIP_MAGIC or data[:8] == OLE_MAGIC:
        raw_rows, merged, sheet_name, tail = _sheet_rows(data, sheet)
    else:
        if sheet:
            raise _file_error("CSV 文件没有工作表，不能指定工作表")
        raw_rows, encoding, tail = _csv_rows(data)
    while tail is None and raw_rows and not any(_filled(v) for v in raw_rows[-1]):
        raw_rows.pop()
    if not raw_rows:
        raise _file_error("工作表为空" if sheet_name else "文件为空")
    rows = [[cell_text(v) for v in r] for r in raw_rows[:HEADER_SEARCH_ROWS]]
    at, mapping = _find_header(rows, kind)
    header_line = at + 1
    missing = [
        f.label for f in kind.fields.values() if f.required and f.name not in mapping.values()
    ]
    errors = []
    for rng in merged:
        (r0, c0), (r1, c1) = rng
        if at >= 0 and r0 <= at <= r1 and (r1 > r0 or c1 > c0):
            cell = rows[r0][c0] if r0 < len(rows) and c0 < len(rows[r0]) else ""
            errors.append(
                _file_error(
                    f"表头{_span(r0, r1, '行')}{_span(c0, c1, '列')}为合并单元格"
                    f"（“{cell or ''}”）：请取消合并，每列一个表头",
                    row=header_line,
                    column=cell or None,
                    code=ErrorCode.IMPORT_HEADER_MERGED,
                )
            )
    if at < 0 or missing:
        if at < 0 or len(mapping) < 2:
            raise _file_error(
                f"在前{HEADER_SEARCH_ROWS}行中找不到“{kind.name}”的表头（如："
                + "、".join(f.label for f in kind.fields.values() if f.required)
                + "）",
                code=ErrorCode.IMPORT_COLUMNS,
            )
        # a merged header cell hides the header of the columns it covers: say so with them
        merged_why = "".join(f"；{e.message}" for e in errors)
        raise _file_error(
            f"表头缺少必需的列：{'、'.join(missing)}{merged_why}",
            row=header_line,
            code=ErrorCode.IMPORT_COLUMNS,
        )
    header = rows[at]
    columns = {name: header[j] for j, name in mapping.items()}
    body = raw_rows[at + 1 :]
    height = len(body) + (tail.height if tail is not None else 0)
    data_cols = {
        "_line": pl.Series("_line", range(header_line + 1, header_line + 1 + height), dtype=pl.Int64)
    }
    for j, name in mapping.items():
        col = pl.Series(name, [_cell(r[j]) if j < len(r) else None for r in body], dtype=pl.String)
        if tail is not None:
            more = tail[f"c{j}"] if j < tail.width else pl.Series([None] * tail.height)
            col = col.append(_nfkc(more.cast(pl.String)).alias(name))
        data_cols[name] = _tidy(col)
    frame = pl.DataFrame(data_cols)
    frame = frame.filter(pl.any_horizontal(pl.exclude("_line").is_not_null()))
    if frame.height == 0:
        raise _file_error(f"第{header_line}行表头以下没有数据行", row=header_line)
    return Table(
        frame=frame,
        header_line=header_line,
        columns=columns,
        errors=errors,
        sheet=sheet_name,
        encoding=encoding,
    )
