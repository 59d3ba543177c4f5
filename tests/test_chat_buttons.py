"""The button codec: every kind round-trips within Telegram's 64 bytes, anything else is refused
in one place (with a Chinese sentence in chat, never a crash), and every kind has a handler."""

from __future__ import annotations

import dataclasses
import datetime as dt
import typing
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.chat import buttons
from bot.chat.assistant import Assistant
from bot.chat.buttons import ButtonError, Payload, decode, kinds
from bot.chat.incoming import ChatContext
from bot.chat.render.replies import Button
from bot.runtime.compose import build_assistant
from scheduler.delivery.buttons import CALLBACK_LIMIT, MAX_ID
from scheduler.timing.clock import TZ
from scheduler.timing.periods import Period
from tests.bot_harness import ADMIN_ID, make_settings

NOW = dt.datetime(2026, 7, 1, 10, tzinfo=TZ)
WORD = st.from_regex(r"[A-Za-z0-9._-]{1,48}", fullmatch=True)
SMALL_INT = st.integers(-(MAX_ID - 1), MAX_ID - 1)
KINDS = sorted(kinds().items())


def _values(kind: type[Payload]) -> st.SearchStrategy[Payload]:
    """Any instance of ``kind`` (optional fields sometimes None)."""
    hints = typing.get_type_hints(kind)
    fields = {}
    for f in dataclasses.fields(kind):
        hint = hints[f.name]
        base = SMALL_INT if int in typing.get_args(hint) or hint is int else WORD
        optional = type(None) in typing.get_args(hint)
        fields[f.name] = st.none() | base if optional else base
    return st.builds(kind, **fields)


def test_the_kinds_are_all_declared_with_distinct_tags() -> None:
    tags = [tag for tag, _ in KINDS]
    assert len(tags) == len(set(tags)) >= 20
    assert {"done", "snz", "ack", "item", "bc:ok", "plan:on", "pg:units", "more"} <= set(tags)
    assert all(getattr(buttons, kind.__name__) is kind for _, kind in KINDS)  # one catalogue


@pytest.mark.parametrize(("tag", "kind"), KINDS, ids=[t for t, _ in KINDS])
@given(data=st.data())
def test_every_kind_round_trips_within_64_bytes(tag: str, kind: type[Payload], data) -> None:  # noqa: ANN001
    payload = data.draw(_values(kind))
    try:
        wire = payload.encode()
    except ValueError:  # long words together: refused when built, never truncated
        values = [str(v) for v in dataclasses.astuple(payload) if v is not None]
        assert len(":".join([tag, *values])) > CALLBACK_LIMIT
        return
    assert wire.isascii() and len(wire.encode()) <= CALLBACK_LIMIT
    assert wire.split(":")[0] == tag.split(":")[0]
    assert decode(wire) == payload
    assert Button("x", payload).payload == payload


def test_the_real_keys_fit() -> None:
    """The plan's longest obligation key with the longest period key fits every task kind."""
    from knowledge.reading.loader import default_plan

    longest = max((ob.key for ob in default_plan().obligations), key=len)
    periods = [Period(2026, "M", 12).key, Period(2026, "Q", 4).key, Period(2026, "H", 2).key]
    for kind in (buttons.Done, buttons.Snooze, buttons.Undo):
        for period in periods:
            wire = kind(longest + "-99", period).encode()
            assert len(wire) < CALLBACK_LIMIT and decode(wire) == kind(longest + "-99", period)


FORGED = [
    "",
    "done",  # the kind without its obligation
    "item:abc",
    "item:-99999999999999999999",
    "reg:" + "9" * 40,
    f"apr:{2**31}",
    "apr:x",
    "zz:1",
    "item:03",  # not canonical
    "item:+3",
    "item: 3",
    "item:3_000",
    "item:3:4",  # a field too many
    "more",  # fieldless kinds end with their colon
    "more:x",
    "done:i2 study:2026Q3",
    "done:i2-study:2026Q3:x",
    "done:i2-study:",
    "done::2026Q3",
    "bc:zz:3",
    "bc:3",
    "plan:on",
    "ack:１",  # a full-width digit
    "item:3\n",
    "ev:" + "1" * 70,
]


@pytest.mark.parametrize("data", FORGED)
def test_forged_or_malformed_data_is_refused(data: str) -> None:
    with pytest.raises(ButtonError):
        decode(data)
    with pytest.raises(ValueError):
        Button("x", data)


@given(st.text(max_size=80))
def test_whatever_decodes_is_canonical(data: str) -> None:
    """Nothing but what :meth:`Payload.encode` writes is accepted."""
    try:
        payload = decode(data)
    except ButtonError:
        return
    assert payload.encode() == data


def test_building_a_payload_that_cannot_travel_fails_loudly() -> None:
    with pytest.raises(ValueError):
        buttons.Done("学法").encode()  # not an ASCII word
    with pytest.raises(ValueError):
        buttons.ShowItem(2**31).encode()
    with pytest.raises(ValueError):
        buttons.Done("a" * 48, "b" * 20).encode()  # over 64 bytes


@pytest.fixture
def assistant(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Assistant]:
    monkeypatch.setenv("FAZHI_DATA_DIR", str(tmp_path / "data"))
    a = build_assistant(make_settings(tmp_path))
    a.clock = lambda: NOW
    yield a
    a.sched.engine.dispose()


def test_every_kind_has_a_handler(assistant: Assistant) -> None:
    handled = {route.kind for route in assistant.router.buttons.values()}
    assert handled == {kind for _, kind in KINDS}


@pytest.mark.parametrize("data", FORGED + ["bc:ok:999", "apr:1"])
def test_a_forged_button_in_chat_gets_a_chinese_sentence(assistant: Assistant, data: str) -> None:
    user = ChatContext("5001", "5001", "某人")
    [reply] = assistant.handle_callback(user, data)
    assert "按钮已失效" in reply.plain or "管理员" in reply.plain, (data, reply.plain)


def test_admin_kinds_are_refused_to_others_before_their_handler(assistant: Assistant) -> None:
    user = ChatContext("5002", "5002", "某人")
    admin = ChatContext(str(ADMIN_ID), str(ADMIN_ID), "管理员")
    for data in (
        "bc:rep:1",
        "plan:on:1",
        "pg:units:1",
        "ev:2026",
        "apr:1",
        "bc:ch:1",
        "chs:all:2026",
        "ldg:2026",
    ):
        [reply] = assistant.handle_callback(user, data)
        assert "仅限管理员" in reply.plain, data
    [reply] = assistant.handle_callback(admin, "pg:units:1")
    assert "单位" in reply.plain and "仅限管理员" not in reply.plain
