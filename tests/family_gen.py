"""Documents of the work-points family generated from a known structure, and the oracle that
checks a parse against it.

The generator starts from a list of items, each with its label as written and its units
(name as the document's reader must report it, role, whether the list is partial), and writes
the list out in one of many shapes: numbering schemes and nesting, marker styles, page noise,
web-page chrome, lead-convention notes, a document saved as one line, tables flattened one
cell per paragraph (with or without row numbers) or with their cells glued together. The
oracle compares a parse with the item list only: it never looks at how the parser works.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

CN = "一二三四五六七八九十"

# (as written in the list, [(name as read, role)], partial) — role "" = the list's own role
UNITS = [
    "区司法局",
    "区财政局",
    "区发展和改革局",
    "区市场监督管理局",
    "区人力资源和社会保障局",
    "区公安分局",
    "区教育局",
    "区卫生健康局",
    "区行政审批局",
    "区信访局",
    "区法院",
    "区检察院",
    "区委编办",
    "区政务服务和大数据管理局",
]
GROUPS = ["区直各单位", "各镇(街、区)", "各街道办事处", "各县、市、区政府", "区直有关单位"]
TASKS = [
    "深入推进依法行政，健全行政决策制度体系，严格落实重大行政决策程序",
    "全面推行行政执法公示制度、执法全过程记录制度和重大执法决定法制审核制度",
    "加强行政复议规范化建设，依法纠正违法或者不当的行政行为",
    "健全规范性文件合法性审核机制，做到应审必审、有错必纠",
    "区政府常务会议每季度至少学法1次，各部门每年至少组织1次全员法治培训",
    "持续优化法治化营商环境，清理妨碍统一市场和公平竞争的政策措施",
    "推进政务公开标准化规范化，及时回应社会关切",
    "深化综合行政执法体制改革，推动执法力量向基层下沉",
]
TITLES = ["完善依法行政制度体系", "加强行政执法监督", "推进政务服务改革", "强化法治宣传教育"]


@dataclass(frozen=True)
class Unit:
    name: str  # as the reader must report it
    role: str  # lead / supporting / responsible


@dataclass
class ItemSpec:
    label: str
    title: str
    body: str
    units: list[Unit]
    partial: bool = False
    written: dict[str, str] = field(default_factory=dict)  # role → the list as written
    leaders: list[str] = field(default_factory=list)  # lead persons, never units


@dataclass
class Generated:
    text: str
    items: list[ItemSpec]
    shape: str


def cn(n: int) -> str:
    """1..1000 in Chinese numerals: 十, 十四, 二十, 一百零五, 三百二十, 一千."""
    if n == 1000:
        return "一千"
    if n <= 10:
        return CN[n - 1]
    if n < 100:
        tens, ones = divmod(n, 10)
        return ("" if tens == 1 else CN[tens - 1]) + "十" + (CN[ones - 1] if ones else "")
    hundreds, rest = divmod(n, 100)
    head = CN[hundreds - 1] + "百"
    if not rest:
        return head
    if rest < 10:
        return head + "零" + CN[rest - 1]
    return head + ("一" + cn(rest) if rest < 20 else cn(rest))


def _unit_list(rng: random.Random, role: str) -> tuple[str, list[Unit], bool]:
    """A list as written, what it must read as, and whether it is partial."""
    kind = rng.random()
    names = rng.sample(UNITS, rng.randint(1, 3))
    if kind < 0.12:  # units joined by 及
        return (
            "市级各有关部门及各县市区政府",
            [Unit("市级各有关部门", role), Unit("各县市区政府", role)],
            True,  # 有关部门: only some of them
        )
    if kind < 0.22:  # a trailing 等: the list is partial
        tail = rng.choice(["经开区管委会", "高新区管委会"])
        return "、".join([*names, tail]) + "等", [Unit(n, role) for n in [*names, tail]], True
    if kind < 0.45:
        group = rng.choice(GROUPS)
        units = [*names, group]
        return "、".join(units), [Unit(n, role) for n in units], group == "区直有关单位"
    return "、".join(names), [Unit(n, role) for n in names], False


def _item_spec(rng: random.Random, label: str, markers: str) -> ItemSpec:
    title = rng.choice(TITLES)
    body = "。".join(rng.sample(TASKS, 2)) + "。"
    if markers == "roles":
        written, units, partial = _unit_list(rng, "supporting")
        lead = rng.choice([u for u in UNITS if u not in written])
        units = [Unit(lead, "lead"), *units]
        return ItemSpec(label, title, body, units, partial, {"lead": lead, "supporting": written})
    written, units, partial = _unit_list(rng, "responsible")
    return ItemSpec(label, title, body, units, partial, {"responsible": written})


def _markers(item: ItemSpec, style: str, first_note: str) -> tuple[str, str]:
    """(text glued to the body, lines after it) for the item's units; a lead-convention note
    inside the list, or after the bracket of a role phrase."""
    if "lead" in item.written:
        lead, sup = item.written["lead"], item.written["supporting"]
        if style == "bracket":
            return f"（牵头单位：{lead}；配合单位：{sup}）", ""
        if style == "phrase":
            return f"（{lead}牵头，{sup}配合）", ""
        if style == "three":  # three labelled lines: a leader (a person), lead and partner units
            item.leaders = ["张伟"]
            return "", f"牵头负责领导：张伟\n牵头责任单位：{lead}\n协同责任单位：{sup}"
        return "", f"牵头单位：{lead}\n配合单位：{sup}"
    resp = item.written["responsible"]
    if style == "phrase":
        return f"（{resp}按职责分工负责）{first_note}", ""
    resp += first_note
    if style == "bracket":
        return f"〔责任单位：{resp}〕", ""
    return "", f"责任单位：{resp}"


_HALF = str.maketrans({"（": "(", "）": ")", "：": ":", "；": ";", "，": ","})


def _vary(
    rng: random.Random, label: str, item: ItemSpec, glued: str, after: str
) -> tuple[str, str]:
    """The same item written another way: the title on a line of its own, half-width marks
    in the marker, a 完成时限 line, a blank line before the next item."""
    if rng.random() < 0.5:
        text = f"{label}{item.title}\n{item.body}{glued}"
    else:
        text = f"{label}{item.title}。{item.body}{glued}"
    if rng.random() < 0.5:
        text = text.replace(glued, glued.translate(_HALF)) if glued else text
        after = after.translate(_HALF)
    if rng.random() < 0.4:
        after = (after + "\n" if after else "") + "完成时限：2026年12月底前"
    if rng.random() < 0.3:
        after += "\n"
    return text, after


CHROME_TOP = [
    "首页 > 政务公开 > 通知公告",
    "文章来源：区司法局 责任编辑：王晓明",
    "发布时间：2026-02-10 09:30 浏览次数：1287",
    "【字体：大 中 小】 打印本页 关闭窗口",
]
CHROME_BOTTOM = ["分享到：", "【打印本页】【关闭窗口】", "主办单位：某区人民政府办公室 版权所有"]
NOTES = ["（列第一位者为牵头或汇总单位，下同）", "（首位单位为牵头单位，下同）"]


def _numbered(rng: random.Random, scheme: str, n_items: int) -> list[tuple[str | None, str]]:
    """(section heading or None, item label) in order."""
    out: list[tuple[str | None, str]] = []
    if scheme == "flat_cn":
        return [(None, f"{cn(k)}、") for k in range(1, n_items + 1)]
    if scheme == "flat_ar":
        return [(None, f"{k}.") for k in range(1, n_items + 1)]
    per = rng.randint(2, 4)
    k = 0
    sec = 0
    while k < n_items:
        sec += 1
        head = f"{cn(sec)}、{rng.choice(TITLES)}"
        for j in range(1, per + 1):
            if k >= n_items:
                break
            if scheme == "sec_pcn":
                label = f"（{cn(k + 1)}）"
            elif scheme == "sec_ar":  # 1. 2. restarting under every 一、
                label = f"{j}."
            else:  # sec_ar_cont: 1. 2. counting through
                label = f"{k + 1}."
            out.append((head if j == 1 else None, label))
            k += 1
    return out


def generate(
    seed: int, shape: str | None = None, n_items: int | None = None, scheme: str | None = None
) -> Generated:
    rng = random.Random(seed)
    shape = shape or rng.choice(SHAPES)
    n_items = n_items or rng.randint(3, 9)
    if shape.startswith("table"):
        return _table(rng, shape, n_items)
    schemes = ["flat_cn", "flat_ar", "sec_pcn", "sec_ar", "sec_ar_cont"]
    scheme = scheme or rng.choice(schemes)
    if shape == "sections":  # sections that name a lead unit over items that name theirs
        scheme = rng.choice(["sec_pcn", "sec_ar", "sec_ar_cont"])
    style = rng.choice(["bracket", "line", "phrase"])
    markers = rng.choice(["responsible", "responsible", "roles"])
    if markers == "roles" and rng.random() < 0.3:
        style = "three"
    note = shape == "note" and markers == "responsible"
    items: list[ItemSpec] = []
    lines: list[str] = []
    lines += ["2026年某区法治政府建设工作要点", "", "为全面推进依法行政，制定本要点。"]
    if shape == "chrome":  # the page's chrome around the title, or right before the first item
        lines = (
            [*CHROME_TOP, *lines]
            if rng.random() < 0.5
            else [lines[0], *CHROME_TOP[rng.randint(0, 2) :]]
        )
    for k, (head, label) in enumerate(_numbered(rng, scheme, n_items)):
        if head:
            lead = f"（牵头单位：{rng.choice(UNITS)}）" if shape == "sections" else ""
            lines += ["", head + lead]
        item = _item_spec(rng, label, markers)
        first_note = rng.choice(NOTES) if note and k == 0 else ""
        if note:  # 下同: the note holds for every list after it
            item.units = [Unit(item.units[0].name, "lead"), *item.units[1:]]
        glued, after = _markers(item, style, first_note)
        text = f"{label}{item.title}。{item.body}{glued}"
        if shape == "variety":
            text, after = _vary(rng, label, item, glued, after)
        if shape == "noise" and len(text) > 40:
            cut = rng.randint(20, len(text) - 10)
            text = text[:cut] + "\n" + text[cut:]
            lines += [text, "", f"- {k + 2} -", ""] if rng.random() < 0.3 else [text]
        else:
            lines.append(text)
        if after:
            lines.append(after)
        items.append(item)
    lines += ["", "某区人民政府办公室", "2026年2月1日印发"]
    if shape == "chrome":
        lines += CHROME_BOTTOM
    text = "\n".join(lines)
    if shape == "oneline":
        text = text.replace("\n", "")
    return Generated(text, items, f"{shape}/{scheme}/{style}/{markers}")


def _table(rng: random.Random, shape: str, n_items: int) -> Generated:
    numbered = shape not in ("table_cells_nonum", "table_glued_nonum")
    progress = shape == "table_cells_nonum" or rng.random() < 0.5
    header = ["序号"] if numbered else []
    header += ["工作任务"] + (["进展"] if progress else []) + ["责任单位"]
    rows: list[list[str]] = []
    items: list[ItemSpec] = []
    for k in range(1, n_items + 1):
        item = _item_spec(rng, str(k) if numbered else "", "responsible")
        cells = [str(k)] if numbered else []
        task = f"{item.title}。{item.body}"
        if shape == "table_cells" and rng.random() < 0.3:  # a cell of two paragraphs
            cut = task.index("。") + 1
            cells += [task[:cut], task[cut:]]
        else:
            cells.append(task)
        if "进展" in header:
            cells.append(rng.choice(["持续推进", "已完成", "推进中"]))
        cells.append(item.written["responsible"])
        rows.append(cells)
        items.append(item)
    lines = ["2026年某区法治政府建设工作任务分工表", ""]
    if shape.startswith("table_glued"):
        lines += ["".join(header)] + ["".join(r) for r in rows]
    else:
        lines += header + [c for r in rows for c in r]
    lines += ["", "某区人民政府办公室", "2026年2月1日印发"]
    return Generated("\n".join(lines), items, f"{shape}/{'num' if numbered else 'nonum'}")


SHAPES = (
    "plain",
    "noise",
    "chrome",
    "note",
    "oneline",
    "table_cells",
    "table_cells_nonum",
    "table_glued",
    "table_glued_nonum",
    "sections",
    "variety",
)


def compare(gen: Generated, got_items: list[dict]) -> tuple[int, list[str]]:
    """Items exactly right (label, units with roles in order, partial), and what differs.
    ``got_items`` are item dicts of ``kb check --json`` / ``item_dict``."""
    right = 0
    problems: list[str] = []
    if len(got_items) != len(gen.items):
        problems.append(f"{len(got_items)} items read, {len(gen.items)} written")
    for k, want in enumerate(gen.items):
        if k >= len(got_items):
            break
        got = got_items[k]
        units = [Unit(r["name"], r["role"]) for r in got["unit_refs"] if r["name"] != "等有关单位"]
        label_ok = not want.label or got["label"] == want.label
        leaders_ok = got.get("leaders", []) == want.leaders
        if label_ok and leaders_ok and units == want.units and got["units_partial"] == want.partial:
            right += 1
        else:
            problems.append(
                f"item {k + 1} {want.label}: got {got['label']} "
                f"{[(u.name, u.role) for u in units]} partial={got['units_partial']}, want "
                f"{[(u.name, u.role) for u in want.units]} partial={want.partial}"
                + ("" if leaders_ok else f", leaders {got.get('leaders')} want {want.leaders}")
            )
    return right, problems


def figure(seeds: range = range(40)) -> dict[str, tuple[int, int]]:
    """Items exactly right / items written, per shape, over ``seeds``."""
    from knowledge.plan.serialize import item_dict
    from knowledge.reading.parser import parse_text

    out: dict[str, tuple[int, int]] = {}
    for shape in SHAPES:
        right = total = 0
        for seed in seeds:
            gen = generate(seed, shape)
            result = parse_text(gen.text)
            got = [item_dict(i) for i in result.plan.items] if result.plan else []
            ok, _problems = compare(gen, got)
            right += ok
            total += len(gen.items)
        out[shape] = (right, total)
    return out


if __name__ == "__main__":
    per_shape = figure()
    for name, (ok, n) in per_shape.items():
        print(f"{name:<18} {ok:>4} / {n}")
    print(
        f"{'total':<18} {sum(v[0] for v in per_shape.values()):>4} / "
        f"{sum(v[1] for v in per_shape.values())}"
    )
