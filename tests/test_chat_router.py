"""The router: every registered command is reachable (admins' only by admins), an unknown
command is answered with the help, /help and the command menus list what the features declare,
and a name or a button kind declared twice is refused when the router is built."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest

from bot.chat.assistant import Assistant
from bot.chat.buttons import ShowItem
from bot.chat.features import FEATURES
from bot.chat.incoming import ChatContext
from bot.chat.render.common import NOT_ADMIN
from bot.chat.render.replies import Reply
from bot.chat.router import Feature, Router, parse_command
from bot.chat.state import ChatState
from bot.runtime.compose import build_assistant
from scheduler.timing.clock import TZ
from tests.bot_harness import ADMIN_ID, make_settings

NOW = dt.datetime(2026, 7, 1, 10, tzinfo=TZ)
ADMIN = ChatContext(str(ADMIN_ID), str(ADMIN_ID), "管理员")
USER = ChatContext("7001", "7001", "某人")
COMMANDS = Router(FEATURES).commands


@pytest.fixture(scope="module")
def assistant(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Assistant]:
    tmp = tmp_path_factory.mktemp("router")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("FAZHI_DATA_DIR", str(tmp / "data"))
        a = build_assistant(make_settings(tmp))
        a.clock = lambda: NOW
        yield a
        a.sched.engine.dispose()


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_registered_command_is_reachable(assistant: Assistant, name: str) -> None:
    replies = assistant.handle_command(ADMIN, name)
    assert replies and all(r.plain or r.attachment for r in replies)
    assert not any("未知命令" in r.plain or r.plain == NOT_ADMIN for r in replies), replies[0].plain
    as_user = assistant.handle_command(USER, f"/{name.upper()}@fazhi_bot")
    if COMMANDS[name].admin:
        assert [r.plain for r in as_user] == [NOT_ADMIN]
    else:
        assert as_user and not any("未知命令" in r.plain for r in as_user)


def test_an_unknown_command_gets_the_help(assistant: Assistant) -> None:
    [reply] = assistant.handle_command(USER, "frobnicate", "x")
    [help_reply] = assistant.handle_command(USER, "help")
    assert reply.plain.startswith("未知命令 /frobnicate")
    assert help_reply.plain in reply.plain
    for cmd in COMMANDS.values():
        if cmd.help and not cmd.admin:
            assert f"{cmd.help[0]} — {cmd.help[1]}" in reply.plain
    assert "管理员命令" not in reply.plain
    [admin_reply] = assistant.handle_command(ADMIN, "frobnicate")
    assert "管理员命令" in admin_reply.plain and "/broadcast" in admin_reply.plain


def test_help_and_menus_list_what_the_features_declare(assistant: Assistant) -> None:
    [user_help] = assistant.handle_command(USER, "help")
    [admin_help] = assistant.handle_command(ADMIN, "help")
    for cmd in COMMANDS.values():
        line = f"{cmd.help[0]} — {cmd.help[1]}" if cmd.help else None
        if line:
            assert line in admin_help.plain
            assert (line in user_help.plain) is not cmd.admin
    user_menu = dict(assistant.menu(admin=False))
    admin_menu = dict(assistant.menu(admin=True))
    assert set(admin_menu) == {c.name for c in COMMANDS.values() if c.menu} == set(COMMANDS)
    assert set(user_menu) == {c.name for c in COMMANDS.values() if not c.admin}
    assert list(admin_menu)[: len(user_menu)] == list(user_menu)  # users' first


def _ok(_state: ChatState, _ctx: ChatContext, args: str) -> list[Reply]:
    return [Reply.of(f"ok {args}")]


def test_a_new_command_is_one_function_and_one_line(assistant: Assistant) -> None:
    extra = Feature("extra")
    extra.command("ping", help=("/ping", "测试"), menu="测试")(_ok)
    router = Router([*FEATURES, extra])
    assert [r.plain for r in router.command(assistant.state, USER, "/Ping", " 1 ")] == ["ok 1"]
    assert ("ping", "测试") in router.menu(admin=False)


def test_a_name_or_a_kind_declared_twice_is_refused() -> None:
    twice = Feature("twice")
    twice.command("item")(_ok)
    with pytest.raises(ValueError, match="/item"):
        Router([*FEATURES, twice])
    button = Feature("button")
    button.button(ShowItem)(_ok)
    with pytest.raises(ValueError, match="item"):
        Router([*FEATURES, button])
    fallback = Feature("fallback")
    fallback.text(fallback=True)(_ok)
    with pytest.raises(ValueError, match="fallback"):
        Router([*FEATURES, fallback])


def test_free_text_tries_the_features_in_order_then_the_question(assistant: Assistant) -> None:
    router = assistant.router
    assert [r.feature for r in router.texts] == ["receipts", "supervision", "plans", "questions"]
    assert [r.feature for r in router.files] == ["annual_report", "evidence"]
    [answer] = assistant.handle_text(USER, "第十四条 我单位要做什么")
    assert "第十四条" in answer.plain or "第14条" in answer.plain
    [empty] = assistant.handle_text(USER, "   ")
    assert "请直接输入问题" in empty.plain
    [long] = assistant.handle_text(USER, "问" * 501)
    assert "问题太长" in long.plain


def test_command_text_is_parsed_like_telegram_does() -> None:
    assert parse_command("/item 14") == ("item", "14")
    assert parse_command("/Item@fazhi_bot  第十四条 ") == ("item", "第十四条")
    assert parse_command("第十四条") is None
