"""Evidence: a photo or file sent after /done is attached to the unit's latest completion; admins
export every unit's evidence of a year as one archive (/evidence [年份] [单位], or 📦 under
/report). A channel that can download files in the background (Telegram) runs the export
itself through :func:`evidence_request`, :func:`export_evidence` and :func:`evidence_reply`."""

from __future__ import annotations

from dataclasses import dataclass

from bot.chat.buttons import ExportEvidence
from bot.chat.incoming import ChatContext, IncomingFile
from bot.chat.render.common import NOT_ADMIN
from bot.chat.render.replies import Attachment, Reply
from bot.chat.router import Feature
from bot.chat.state import ChatState
from scheduler.records import audit_log, unit_registry
from scheduler.timing.clock import local
from scheduler.timing.periods import period_label

feature = Feature("evidence")

MAX_UPLOAD = 45_000_000  # bytes; Telegram bots may send files up to 50 MB


@dataclass(frozen=True)
class EvidenceRequest:
    year: int
    unit: str | None = None

    @property
    def label(self) -> str:
        return f"{self.year}年{self.unit or '各单位'}"


@feature.file(fallback=True)
def attach(state: ChatState, ctx: ChatContext, file: IncomingFile) -> list[Reply]:
    """A photo or document becomes evidence of the unit's latest completion (appended, never
    replacing earlier files)."""
    from sqlmodel import select

    from scheduler.store.models import Completion

    with state.session() as s:
        unit = state.acting_unit(s, ctx)
        if isinstance(unit, str):
            return [Reply.of(unit)]
        last = s.exec(
            select(Completion)
            .where(Completion.unit_id == unit.id)
            .order_by(Completion.confirmed_at.desc())  # type: ignore[attr-defined]
        ).first()
        if last is None:
            return [Reply.of("请先用 /done 确认一项任务，再发送证明材料。")]
        known = (last.evidence or "").splitlines()
        if file.ref not in known:
            last.evidence = "\n".join([*known, file.ref])
        if file.caption:
            last.note = (last.note + "\n" + file.caption).strip()
        s.add(last)
        audit_log.audit(s, ctx.user_id, "evidence", unit.name, completion=last.id)
        count = len((last.evidence or "").splitlines())
        ob = state.plan.obligation(last.obligation_key)
        name = ob.action if ob is not None else last.obligation_key
        return [
            Reply.of(
                f"已将材料附在“{name}（{period_label(last.period)}）”的完成记录上（共 {count} 份）。"
            )
        ]


@feature.command(
    "evidence",
    admin=True,
    help=("/evidence [年份] [单位]", "导出各单位证明材料档案（zip）"),
    menu="导出证明材料档案",
)
def evidence(state: ChatState, ctx: ChatContext, args: str) -> list[Reply]:
    """The export where the channel does not run it in the background: materials already
    downloaded are packed."""
    request, replies = evidence_request(state, ctx, args)
    if request is None:
        return replies
    return [evidence_reply(export_evidence(state, request))]


@feature.button(ExportEvidence, admin=True)
def evidence_button(state: ChatState, ctx: ChatContext, button: ExportEvidence) -> list[Reply]:
    return evidence(state, ctx, str(button.year))


def evidence_request(
    state: ChatState, ctx: ChatContext, args: str
) -> tuple[EvidenceRequest | None, list[Reply]]:
    """'/evidence [年份] [单位]' → what to export, or the replies that say why not."""
    if not state.is_admin(ctx):
        return None, [Reply.of(NOT_ADMIN)]
    year = state.clock().year
    words = args.split()
    if words and words[0].removesuffix("年").isdigit():
        year = int(words.pop(0).removesuffix("年"))
        if not 2000 <= year <= 2100:
            return None, [Reply.of(f"年份 {year} 不对，请写四位年份，如 /evidence 2026")]
    unit = None
    if words:
        with state.session() as s:
            try:
                unit = unit_registry.resolve_unit(state.sched.directory(s), " ".join(words))
            except unit_registry.RegistryError as exc:
                return None, [Reply.of(f"{exc}。用法：/evidence [年份] [单位]")]
    return EvidenceRequest(year, unit), []


def export_evidence(state: ChatState, request: EvidenceRequest, fetch=None, progress=None):  # noqa: ANN001, ANN201
    """Write the archive (downloads through ``fetch`` when given); an ExportResult."""
    from scheduler.records.evidence_export import (
        collect,
        default_archive_path,
        ensure_files,
        write_archive,
    )

    with state.session() as s:
        units = collect(s, state.plan, request.year, request.unit)
    ensure_files(units, fetch, progress)
    out = default_archive_path(request.year, request.unit, local(state.clock()))
    return write_archive(units, request.year, out)


def evidence_reply(result) -> Reply:  # noqa: ANN001 - ExportResult
    size = result.path.stat().st_size
    if size > MAX_UPLOAD:
        return Reply.of(
            f"{result.summary()}\n档案较大（{size // 1_000_000} MB），超过 Telegram 的文件上限，"
            f"已保存在服务器：{result.path}"
        )
    return Reply.of(
        result.summary(),
        attachment=Attachment(result.path.name, result.path.read_bytes(), "证明材料档案"),
    )
