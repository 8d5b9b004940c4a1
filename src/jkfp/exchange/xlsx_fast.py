"""A large .xlsx sheet read once, column-wise (decision 54a): fastexcel (Arrow) for the cells,
the sheet's own XML for its used range and merged cells. `read_large` answers None where the
row-by-row reading (python-calamine) must decide: a small sheet, a damaged or unusual file, a
used range that does not start at A1."""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
import zlib
from xml.etree import ElementTree

import fastexcel
import polars as pl

#: a sheet's XML above this size is read column-wise
LARGE_SHEET_BYTES = 4_000_000
_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PKG = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_DIMENSION = re.compile(rb'<dimension ref="([A-Z]+)(\d+)')
_MERGE = re.compile(rb'<mergeCell ref="([A-Z]+)(\d+)(?::([A-Z]+)(\d+))?"')


def _col(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64
    return n - 1


def _sheet_path(z: zipfile.ZipFile, sheet: str | None) -> tuple[str, str] | None:
    book = ElementTree.fromstring(z.read("xl/workbook.xml"))
    sheets = [(s.get("name"), s.get(f"{_REL}id")) for s in book.iter(f"{_MAIN}sheet")]
    if not sheets:
        return None
    chosen = next((s for s in sheets if s[0] == sheet), None) if sheet else sheets[0]
    if chosen is None:
        return None
    rels = ElementTree.fromstring(z.read("xl/_rels/workbook.xml.rels"))
    target = next((r.get("Target") for r in rels.iter(f"{_PKG}Relationship")
                   if r.get("Id") == chosen[1]), None)
    if not target:
        return None
    path = target.lstrip("/") if target.startswith("/") else posixpath.join("xl", target)
    return chosen[0], posixpath.normpath(path)


def _scan(z: zipfile.ZipFile, path: str) -> tuple[tuple[int, int] | None, list]:
    """(first cell of the used range, merged ranges as ((r0, c0), (r1, c1))) of a sheet's XML,
    streamed: the cells themselves are not parsed here."""
    start, merged, carry = None, [], b""
    with z.open(path) as f:
        while chunk := f.read(1 << 22):
            text = carry + chunk
            if start is None and (m := _DIMENSION.search(text)):
                start = (int(m[2]) - 1, _col(m[1]))
            for m in _MERGE.finditer(text):
                r0, c0 = int(m[2]) - 1, _col(m[1])
                r1, c1 = (int(m[4]) - 1, _col(m[3])) if m[3] else (r0, c0)
                merged.append(((r0, c0), (r1, c1)))
            cut = text.rfind(b"<")
            carry = text[cut:] if cut >= 0 else b""
            if _MERGE.match(carry) or _DIMENSION.match(carry):
                carry = b""  # already counted: the tag was whole in this chunk
    return start, merged


def read_large(data: bytes, sheet: str | None, *, head_rows: int):
    """(the first `head_rows` rows as lists of text, merged ranges, sheet name, the rest of
    the rows as a frame of text columns c0, c1, …) or None."""
    try:
        z = zipfile.ZipFile(io.BytesIO(data))
        found = _sheet_path(z, sheet)
        if found is None or z.getinfo(found[1]).file_size < LARGE_SHEET_BYTES:
            return None
        name, path = found
        start, merged = _scan(z, path)
        if start != (0, 0):
            return None
        frame = fastexcel.read_excel(data).load_sheet(
            name, header_row=None, dtypes="string"
        ).to_polars()
    except (KeyError, zipfile.BadZipFile, ElementTree.ParseError, zlib.error, fastexcel.FastExcelError):
        return None
    frame.columns = [f"c{j}" for j in range(frame.width)]
    frame = frame.select(
        pl.col(c)
        .str.replace(r"^(\d{4}-\d{2}-\d{2}) 00:00:00$", "$1")
        .replace({"true": "是", "false": "否"})
        for c in frame.columns
    )
    head = [list(r) for r in frame.head(head_rows).rows()]
    return head, merged, name, frame.slice(head_rows)
