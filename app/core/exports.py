"""The one spreadsheet writer: CSV (UTF-8 with a BOM, for Excel) and XLSX, sent as a download.

A service builds an `Export` (title, header, rows, optional preamble block above the header, optional
XLSX number formats per column, a file name without extension); the router answers
`await exports.response(export, "csv" | "xlsx")`.

Every cell goes through `cell()`:
- datetimes become Shanghai wall-clock text, dates ISO text, UUIDs and enums their text, None an empty
  cell;
- text is made printable (`app.core.text.printable`: what XML 1.0 cannot hold is dropped, so text stored
  before input was cleaned can never make an export fail) and escaped against formula injection: a cell
  that begins with `= + - @`, a tab or a carriage return gets a leading `'`, so Excel shows it as text
  and never runs it (OWASP "CSV injection");
- numbers stay numbers.

Rows given as a list: CSV is streamed in chunks; XLSX is built with openpyxl's write-only mode in a
worker thread (CPU work that would otherwise stall the event loop), then sent. Rows given as an async
iterator (e.g. straight from `db.stream(...)`): the file is written to a temporary file as the rows
arrive, a batch at a time in a worker thread (openpyxl's write-only sheet keeps no rows in memory
either), then sent from disk and deleted — memory stays the same whatever the row count, the request's
transaction still ends before the first byte goes out, and the download has a Content-Length.
"""

from __future__ import annotations

import asyncio
import csv
import enum
import io
import os
import tempfile
import uuid
from collections.abc import AsyncIterable, AsyncIterator, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any, BinaryIO, Literal
from urllib.parse import quote

from fastapi.responses import Response, StreamingResponse
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from app.core import clock
from app.core.text import printable

Format = Literal["csv", "xlsx"]

CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MEDIA_TYPES: dict[str, str] = {"csv": CSV_TYPE, "xlsx": XLSX_TYPE}
BOM = "\ufeff"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_CHUNK_ROWS = 500
_FILE_CHUNK = 64 * 1024


@dataclass
class Export:
    """A sheet to download. `formats` maps a 0-based column to an XLSX number format (e.g. "0.0%")."""

    filename: str
    title: str
    header: Sequence[str]
    rows: Sequence[Sequence[Any]] | AsyncIterable[Sequence[Any]]
    preamble: Sequence[Sequence[Any]] = ()
    formats: Mapping[int, str] = field(default_factory=dict)


def escape_text(text: str) -> str:
    """Printable, and inert as a formula: a leading `'` when the text begins with = + - @ tab or CR."""
    text = printable(text)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def cell(value: Any) -> Any:
    """One value as a spreadsheet cell (see the module docstring)."""
    if value is None:
        return None  # an empty cell (CSV writes it as nothing)
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, int | float | Decimal):
        return value
    if isinstance(value, datetime):
        return clock.local_text(value, clock.EXPORT)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return escape_text(str(value.value))
    if isinstance(value, uuid.UUID):
        return str(value)
    return escape_text(str(value))


def _head(export: Export) -> Iterator[list[Any]]:
    for line in export.preamble:
        yield [cell(v) for v in line]
    if export.preamble:
        yield []
    yield [cell(v) for v in export.header]


def _lines(export: Export) -> Iterator[list[Any]]:
    yield from _head(export)
    assert isinstance(export.rows, Sequence)
    for row in export.rows:
        yield [cell(v) for v in row]


def csv_chunks(export: Export) -> Iterator[bytes]:
    """The CSV in chunks of rows, the first beginning with a BOM so Excel reads UTF-8 Chinese."""
    buf = io.StringIO()
    buf.write(BOM)
    writer = csv.writer(buf)
    for n, line in enumerate(_lines(export), start=1):
        writer.writerow(line)
        if n % _CHUNK_ROWS == 0:
            yield buf.getvalue().encode()
            buf.seek(0)
            buf.truncate()
    yield buf.getvalue().encode()


def to_csv(export: Export) -> bytes:
    return b"".join(csv_chunks(export))


class _Sheet:
    """An XLSX being written in openpyxl's write-only mode: each row goes to its temporary file at once."""

    def __init__(self, export: Export) -> None:
        self.book = Workbook(write_only=True)
        self.sheet = self.book.create_sheet(printable(export.title)[:31] or "Sheet")
        self.header_row = len(export.preamble) + (1 if export.preamble else 0)
        self.formats = export.formats
        self.index = 0

    def append(self, lines: Iterator[list[Any]] | Sequence[list[Any]]) -> None:
        for line in lines:
            if self.formats and self.index > self.header_row:
                cells: list[Any] = []
                for column, value in enumerate(line):
                    fmt = self.formats.get(column)
                    if fmt is None:
                        cells.append(value)
                    else:
                        styled = WriteOnlyCell(self.sheet, value=value)
                        styled.number_format = fmt
                        cells.append(styled)
                self.sheet.append(cells)
            else:
                self.sheet.append(line)
            self.index += 1

    def discard(self) -> None:
        """Close a sheet that will not be saved and remove openpyxl's temporary file behind it (left
        alone, it would stay until the process exits)."""
        try:
            self.sheet.close()
        finally:
            writer = getattr(self.sheet, "_writer", None)  # openpyxl's WorksheetWriter: owns the file
            if writer is not None:
                writer.cleanup()


def to_xlsx(export: Export) -> bytes:
    sheet = _Sheet(export)
    sheet.append(_lines(export))
    out = io.BytesIO()
    sheet.book.save(out)
    return out.getvalue()


def _reopened_unlinked(path: str) -> BinaryIO:
    spooled = open(path, "rb")
    os.unlink(path)  # the open file keeps its bytes; nothing is left on disk whatever happens next
    return spooled


async def _batches(rows: AsyncIterable[Sequence[Any]]) -> AsyncIterator[list[list[Any]]]:
    """The rows as cells, _CHUNK_ROWS at a time, for a worker thread to write."""
    batch: list[list[Any]] = []
    async for row in rows:
        batch.append([cell(v) for v in row])
        if len(batch) >= _CHUNK_ROWS:
            yield batch
            batch = []
    if batch:
        yield batch


async def _spool(export: Export, fmt: Format) -> BinaryIO:
    """Write the export to a temporary file as its rows arrive (a batch at a time, in a worker thread);
    return it open for reading, already removed from the directory."""
    assert isinstance(export.rows, AsyncIterable)
    fd, path = tempfile.mkstemp(prefix="linli-export-", suffix=f".{fmt}")
    try:
        if fmt == "csv":
            with os.fdopen(fd, "w", encoding="utf-8", newline="") as out:
                out.write(BOM)
                writer = csv.writer(out)
                writer.writerows(_head(export))
                async for batch in _batches(export.rows):
                    await asyncio.to_thread(writer.writerows, batch)
        else:
            os.close(fd)
            sheet = _Sheet(export)
            try:
                sheet.append(_head(export))
                async for batch in _batches(export.rows):
                    await asyncio.to_thread(sheet.append, batch)
            except BaseException:
                await asyncio.to_thread(sheet.discard)
                raise
            await asyncio.to_thread(sheet.book.save, path)
    except BaseException:
        os.unlink(path)
        raise
    return await asyncio.to_thread(_reopened_unlinked, path)


def content_disposition(filename: str) -> str:
    """`attachment` with an ASCII fallback name and the exact (possibly Chinese) name per RFC 6266."""
    ascii_name = "".join(c if c.isascii() and c.isprintable() and c not in '"\\;' else "_" for c in filename)
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename, safe='')}"


def _chunks_of(spooled: BinaryIO) -> Iterator[bytes]:
    with spooled:
        while chunk := spooled.read(_FILE_CHUNK):
            yield chunk


async def response(export: Export, fmt: Format) -> Response:
    """The download: rows from a list are streamed (CSV) or built in a thread (XLSX); rows from an async
    iterator are spooled to a temporary file first, which is sent and then deleted."""
    filename = f"{export.filename}.{fmt}"
    headers = {"Content-Disposition": content_disposition(filename)}
    if isinstance(export.rows, AsyncIterable):
        spooled = await _spool(export, fmt)
        headers["Content-Length"] = str(os.fstat(spooled.fileno()).st_size)
        return StreamingResponse(_chunks_of(spooled), media_type=MEDIA_TYPES[fmt], headers=headers)
    if fmt == "xlsx":
        body = await asyncio.to_thread(to_xlsx, export)
        return Response(body, media_type=XLSX_TYPE, headers=headers)
    return StreamingResponse(csv_chunks(export), media_type=CSV_TYPE, headers=headers)


def openapi_content(*formats: Format) -> dict[int | str, dict[str, Any]]:
    """`responses=` for a download route: the media types it sends."""
    return {200: {"content": {MEDIA_TYPES[f]: {} for f in formats or ("csv", "xlsx")}}}


def yuan(fen: int) -> Decimal:
    """Integer fen as yuan with exactly two decimals (a Decimal cell: 123456 → 1234.56), never a float."""
    return (Decimal(fen) / 100).quantize(Decimal("0.01"))
