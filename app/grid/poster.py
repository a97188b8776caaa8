"""The A4 poster of a building's service board, with a QR code that opens the report page (吹哨).

Drawn with reportlab and its built-in CJK font STSong-Light (a CID font every PDF reader has: nothing is
downloaded or embedded). The QR code is made with segno and placed as a PNG image; it holds
`BoardOut.qr_payload` (by default `pages/report/index?building_id=<uuid>`, see docs/grid.md).
Rendering is CPU work: callers run it in a thread.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

import segno
from reportlab.lib.pagesizes import A4
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen.canvas import Canvas

from app.core.text import printable
from app.grid.schemas import BoardOut

FONT = "STSong-Light"
pdfmetrics.registerFont(UnicodeCIDFont(FONT))

WIDTH, HEIGHT = float(A4[0]), float(A4[1])
MARGIN = 48.0
QR_SIZE = 150.0
LINE = 20.0


def _wrap(text: str, size: float, width: float) -> list[str]:
    """Break text to fit `width` (CJK has no spaces: break on any character)."""
    lines, current = [], ""
    for ch in printable(text):
        if ch == "\n" or pdfmetrics.stringWidth(current + ch, FONT, size) > width:
            lines.append(current)
            current = "" if ch == "\n" else ch
        else:
            current += ch
    if current:
        lines.append(current)
    return lines or [""]


def _qr_image(payload: str) -> ImageReader:
    png = io.BytesIO()
    segno.make(payload, error="m").save(png, kind="png", scale=8, border=4)
    png.seek(0)
    return ImageReader(png)


def _header(c: Canvas, board: BoardOut, continued: bool) -> float:
    b = board.building
    c.setFont(FONT, 30)
    c.drawCentredString(WIDTH / 2, HEIGHT - MARGIN - 24, "服务信息栏" + ("（续）" if continued else ""))
    c.setFont(FONT, 18)
    c.drawCentredString(WIDTH / 2, HEIGHT - MARGIN - 54, f"{board.community_name} · {b.compound} {b.name}")
    c.setFont(FONT, 12)
    c.drawCentredString(WIDTH / 2, HEIGHT - MARGIN - 74, f"所属网格：{b.grid_name}")
    c.line(MARGIN, HEIGHT - MARGIN - 86, WIDTH - MARGIN, HEIGHT - MARGIN - 86)
    return HEIGHT - MARGIN - 112


def _footer(c: Canvas, board: BoardOut) -> None:
    x, y = WIDTH - MARGIN - QR_SIZE, MARGIN
    c.drawImage(_qr_image(board.qr_payload), x, y, width=QR_SIZE, height=QR_SIZE)
    c.setFont(FONT, 16)
    c.drawString(MARGIN, y + QR_SIZE - 30, "有事找我们：微信扫码上报（吹哨）")
    c.setFont(FONT, 12)
    c.drawString(MARGIN, y + QR_SIZE - 54, "扫描右侧二维码，打开“邻里”小程序，")
    c.drawString(MARGIN, y + QR_SIZE - 72, "楼栋已自动填写，说明情况即可提交。")
    c.drawString(MARGIN, y + QR_SIZE - 96, "紧急情况请拨打 110 / 119 / 120")


def draw_board(c: Canvas, board: BoardOut) -> None:
    """One building's board, on as many pages as it needs; every page carries the QR code."""
    y = _header(c, board, continued=False)
    bottom = MARGIN + QR_SIZE + 20
    text_width = WIDTH - 2 * MARGIN - 20
    if not board.entries:
        c.setFont(FONT, 14)
        c.drawString(MARGIN, y, "（暂无服务信息）")
    for entry in board.entries:
        head = f"【{entry.role_label}】{entry.name}"
        details = []
        if entry.phone:
            details.append(f"电话：{entry.phone}")
        if entry.hours:
            details.append(f"服务时间：{entry.hours}")
        lines = _wrap(head + ("    " + details[0] if details else ""), 15, text_width)
        rest = [*details[1:], *([f"负责：{entry.duties}"] if entry.duties else [])]
        body = [line for part in rest for line in _wrap(part, 12, text_width - 16)]
        needed = len(lines) * LINE + len(body) * (LINE - 4) + 8
        if y - needed < bottom:
            _footer(c, board)
            c.showPage()
            y = _header(c, board, continued=True)
        c.setFont(FONT, 15)
        for line in lines:
            c.drawString(MARGIN, y, line)
            y -= LINE
        c.setFont(FONT, 12)
        for line in body:
            c.drawString(MARGIN + 16, y, line)
            y -= LINE - 4
        y -= 8
    _footer(c, board)
    c.showPage()


def render(boards: Sequence[BoardOut], title: str) -> bytes:
    """A PDF of the boards, each building starting on a new page."""
    out = io.BytesIO()
    c = Canvas(out, pagesize=A4, pageCompression=1)
    c.setTitle(title)
    c.setAuthor("邻里 Linli")
    for board in boards:
        draw_board(c, board)
    if not boards:
        c.setFont(FONT, 14)
        c.drawString(MARGIN, HEIGHT - MARGIN - 24, "该网格暂无楼栋")
        c.showPage()
    c.save()
    return out.getvalue()
