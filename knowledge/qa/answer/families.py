"""The families the answerer answers alone (an item, a unit's duties, who, how often, a topic),
run with what the query says: its items, unit and topic put into the answerer first, whether
the question named them or the conversation filled them in."""

from __future__ import annotations

from knowledge.qa.answer.answerer import Answerer
from knowledge.qa.index.plan_index import Target
from knowledge.qa.query.form import Query
from knowledge.qa.result.answer import Answer, Intent

_ASK_INTENT = {
    "who": Intent.WHO,
    "cadence": Intent.CADENCE,
    "text": Intent.ITEM,
    "topic": Intent.TOPIC,
    "overview": Intent.OVERVIEW,
}


def fill(a: Answerer, query: Query) -> None:
    """Put the query's items, unit and topic into the answerer (a follow-up's filled fields)."""
    if "items" in query.from_context or query.items != tuple(a.q.refs):
        a.in_range = [n for n in query.items if n in a.p.position]
        a.out_of_range = [n for n in query.items if n not in a.p.position]
        a.q.refs = tuple(query.items)
    if "units" in query.from_context and query.units:
        a.target = target_of(a, query.units[0])
        a.unit_source = "context"
        a.needs_unit = False
    if "topics" in query.from_context and query.topics:
        a.set_topic(query.topics[0])


def legacy(a: Answerer, query: Query) -> Answer:
    if query.op == "count" and query.ask == "who" and a.in_range:
        return a.respond(Intent.WHO)
    if not query.from_context:
        return a.respond(a.intent())
    fill(a, query)
    ask = query.ask
    if ask == "duty" or (not ask and a.target is not None):
        if a.target is None and not a.needs_unit:
            if a.chat_unit:
                a.target = a.e.target_for("unit", a.chat_unit)
                a.unit_source = "chat"
            else:
                return a.respond(Intent.ITEM if a.in_range else Intent.TOPIC)
        intent = (
            Intent.UNIT_ITEM if (a.in_range or a.has_topic or query.topics) else Intent.UNIT_DUTIES
        )
        return a.respond(intent)
    intent = _ASK_INTENT.get(ask) or (Intent.ITEM if a.in_range else Intent.TOPIC)
    return a.respond(intent)


def target_of(a: Answerer, name: str) -> Target:
    d = a.e.directory
    if name in d.groups:
        return a.e.target_for("group", name)
    if name in d.units or a.e.category_of_unlisted(name) is not None:
        return a.e.target_for("unit", name)
    try:
        return a.e.target_for("category", name)
    except ValueError:
        return a.e.target_for("unit", name)
