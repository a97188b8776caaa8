"""The printable slip of an application: the one complete list of what is missing (一次性告知单) while
materials are missing or a correction is asked, else the receipt (受理回执). Plain HTML with print
styles: every browser prints it and renders the Chinese with the system's own fonts. No phone numbers.
"""

from __future__ import annotations

import uuid
from html import escape

from sqlalchemy.ext.asyncio import AsyncSession

from app.core import clock
from app.identity.principal import Principal
from app.models.identity import OrgUnit
from app.models.service_items import RequestStatus
from app.service_items import common
from app.service_items.common import FORM_LABELS

STATUS_LABELS = {
    RequestStatus.awaiting_consent: "待居民确认代办",
    RequestStatus.incomplete: "材料不全（未受理）",
    RequestStatus.submitted: "已受理",
    RequestStatus.processing: "办理中",
    RequestStatus.correction: "待补正",
    RequestStatus.approved: "已办结",
    RequestStatus.rejected: "不予办理",
    RequestStatus.handed_over: "已送达/领取",
}


async def render(db: AsyncSession, who: Principal, request_id: uuid.UUID) -> str:
    row = await common.load(db, who, request_id)
    out = await common.request_out(db, row)
    community = await db.get(OrgUnit, out.community_id)
    department = await db.get(OrgUnit, out.department_id)
    notice = out.status in (RequestStatus.incomplete, RequestStatus.correction) and out.missing
    title = "一次性告知单" if notice else "受理回执"
    missing = {m.id for m in out.missing}
    lines = []
    for m in out.materials:
        state = "缺" if m.id in missing else ("已收" if m.id in out.materials_received else "—")
        need = "必需" if m.required else "可选"
        lines.append(
            f"<tr><td>{escape(m.name)}</td><td>{FORM_LABELS.get(m.form, m.form)}</td>"
            f"<td>{m.count}</td><td>{need}</td><td class='s'>{state}</td></tr>"
        )
    facts = [
        ("办件号", out.number),
        ("事项", f"{out.item_name}（第{out.item_version}版）"),
        ("申请人", out.applicant.name),
        ("受理人" if not out.on_behalf else "代办人", out.taken_by.name),
        ("办理部门", department.name if department else ""),
        ("状态", STATUS_LABELS[out.status]),
    ]
    if out.due_on:
        facts.append(("办结期限", f"{out.due_on:%Y年%m月%d日}前（工作日计算，补正期间不计）"))
    if notice:
        facts.append(
            (
                "请补齐",
                "；".join(f"{m.name}（{FORM_LABELS.get(m.form, m.form)}{m.count}份）" for m in out.missing),
            )
        )
    facts_html = "".join(f"<tr><th>{escape(k)}</th><td>{escape(v)}</td></tr>" for k, v in facts)
    printed = clock.local_now().strftime("%Y-%m-%d %H:%M")
    return f"""<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{title} {escape(out.number)}</title>
<style>
body {{ font-family: "PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", sans-serif; font-size: 18px; margin: 2em; }}
h1 {{ text-align: center; font-size: 28px; }} table {{ border-collapse: collapse; width: 100%; margin: 1em 0; }}
th, td {{ border: 1px solid #333; padding: 6px 10px; text-align: left; }} td.s {{ font-weight: bold; }}
@media print {{ body {{ margin: 0; }} }}
</style></head><body>
<h1>{escape(community.name if community else "")} {title}</h1>
<table>{facts_html}</table>
<table><tr><th>材料</th><th>形式</th><th>份数</th><th>要求</th><th>情况</th></tr>{"".join(lines)}</table>
<p>以上为需要提交的全部材料，一次性告知。打印时间：{printed}</p>
</body></html>"""
