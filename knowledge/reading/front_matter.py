"""Reading, the front and back matter: the issuer, document number (文号), the covering
notice's title, the document's title and year, recipients (主送), the date, the district, the
preamble before the first item, and from the lines after the last item the printing date and
抄送."""

from __future__ import annotations

import re

from knowledge.plan.model import PlanMeta

TITLE_WORDS = re.compile(r"要点|计划|方案|安排|清单|分工|任务|措施")
_DOC_NUMBER = re.compile(r"\S*〔\s*\d{4}\s*〕\s*\d+\s*号|\S*\[\s*\d{4}\s*\]\s*\d+\s*号")
_YEAR = re.compile(r"(\d{4})\s*年")
_CN_DATE = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
_OFFICE_END = re.compile(r"(政府|办公室|委员会|办|局|委)$")


def _office(text: str) -> str:
    """``text`` when it is an issuing office's name alone, else ""."""
    return text if len(text) <= 30 and _OFFICE_END.search(text) else ""


def _signature(back: list[str]) -> str:
    """The office of the closing signature: an office's line right above a date line."""
    lines = [s.strip() for s in back if s.strip()]
    for above, below in zip(lines, lines[1:], strict=False):
        if _CN_DATE.fullmatch(below) and _office(above):
            return above
    return ""


def parse_front(front: list[str], back: list[str]) -> tuple[PlanMeta, str]:
    """The plan's metadata and preamble from the lines before the first item (``front``) and
    after the last one (``back``)."""
    paragraphs = [ln.strip() for ln in front if ln.strip()]
    issuer = ""
    doc_number = ""
    notice_title = ""
    title = ""
    recipients: tuple[str, ...] = ()
    issued = ""
    preamble_parts: list[str] = []
    after_title = False
    for p in paragraphs:
        if not doc_number and _DOC_NUMBER.search(p) and len(p) < 40:
            doc_number = re.sub(r"\s+", "", _DOC_NUMBER.search(p).group(0))
            continue
        office = re.sub(r"\s*文件$", "", p)
        if (
            not issuer
            and len(office) <= 30
            and re.search(r"(政府|办公室|委员会|办|局|委)$", office)
        ):
            issuer = office
            continue
        if "关于" in p and re.search(r"通知|决定|意见", p) and len(p) <= 80:
            notice_title = re.sub(r"\s+", "", p)
            continue
        if re.search(r"[:：]$", p) and not recipients and not title:
            recipients = tuple(
                r.strip()
                for r in re.split(r"[,，、](?![^()（）]*[)）])", p.rstrip(":："))
                if r.strip()
            )
            continue
        m = _CN_DATE.fullmatch(p)
        if m:
            issued = issued or f"{int(m.group(1)):04d}-{int(m.group(2)):02d}-{int(m.group(3)):02d}"
            continue
        if (
            TITLE_WORDS.search(p)
            and len(p) <= 60
            and not re.search(r"[。；]", p)
            and (not title or not after_title)
        ):
            title = re.sub(r"\s+", "", p)
            after_title = True
            preamble_parts = []
            continue
        if after_title:
            preamble_parts.append(p)
    if not issuer and notice_title:  # 某区人民政府办公室关于印发…的通知
        issuer = _office(notice_title.split("关于", 1)[0])
    if not title and notice_title:
        inner = re.search(r"印发(.+?)的通知", notice_title)
        title = inner.group(1).strip("《》") if inner else notice_title
    year_m = _YEAR.search(title) or _YEAR.search(notice_title)
    plan_year = int(year_m.group(1)) if year_m else None
    printed = ""
    cc: tuple[str, ...] = ()
    prev = ""
    for ln in back:
        s = ln.strip()
        m = _CN_DATE.search(s)
        if m and "印发" in s:
            printed = f"{int(m.group(1)):04d}-{int(m.group(2)):02d}-{int(m.group(3)):02d}"
            office = s[: m.start()].strip() or prev  # the office on the line above the date
            if (
                not issuer
                and len(office) <= 30
                and re.search(r"(政府|办公室|委员会|办|局|委)$", office)
            ):
                issuer = office
        if s:
            prev = s
        if re.match(r"^抄送\s*[:：]", s):
            cc = tuple(
                x.strip(" 。.")
                for x in re.split(r"[,，、]", re.sub(r"^抄送\s*[:：]", "", s))
                if x.strip(" 。.")
            )
    issuer = issuer or _signature(back)
    district_m = re.search(
        r"([\u4e00-\u9fff]{2,4}?(?:区|县|市))(?:人民政府|法治|$)", issuer + title
    )
    district = ""
    for src in (title, issuer):
        dm = re.search(r"\d{4}\s*年度?\s*([\u4e00-\u9fff]{1,5}?(?:区|县|市))", src) or re.search(
            r"([\u4e00-\u9fff]{1,5}?(?:区|县))人民政府", src
        )
        if dm:
            district = dm.group(1)
            break
    if not district and district_m:
        district = district_m.group(1)
    meta = PlanMeta(
        issuer=issuer,
        doc_number=doc_number,
        title=title,
        notice_title=notice_title,
        plan_year=plan_year,
        issued_date=issued,
        printed_date=printed,
        recipients=recipients,
        cc=cc,
        district=district,
    )
    return meta, "".join(preamble_parts)
