"""A cadence asked as a yes/no without a count: 学法要不要每季度搞, 培训班必须每年办吗."""

from __future__ import annotations

import re

from knowledge.qa.query.analysis import Analysis
from knowledge.qa.query.form import Query
from knowledge.qa.question.cues import CADENCE_RE, strip_cues
from knowledge.qa.question.kinds import AMOUNT_CADENCE, ASKED_CADENCE, DATE_RE

MODAL_TAIL = re.compile(r"(必须|一定|需要|应该|应当|是否|只需|只要|都要|得|要|该)+$")


def cadence_asked(a: Analysis, text: str, base: Query) -> Query | None:
    """The cadence verdict query (count 0: any count) when the question ends in a cadence
    word and names no unit and no date; None otherwise."""
    asked = ASKED_CADENCE.search(text.rstrip("？?"))
    if not asked or base.units or a.asked_self or DATE_RE.search(text):
        return None
    topic = strip_cues(a.e.strip_question_words(text[: asked.start()]), CADENCE_RE)
    topic = MODAL_TAIL.sub("", topic.strip("，"))
    return base.with_(
        topics=(topic,) if len(re.findall(r"[\u4e00-\u9fff]", topic)) >= 2 else (),
        ask="verdict",
        verdict="cadence",
        amount=(AMOUNT_CADENCE[asked.group(1)], 0),
    )
