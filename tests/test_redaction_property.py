"""Database secrets never reach any output, in every form SQLAlchemy and libpq accept: URL
userinfo (percent-encoded or with an unescaped ``@``), query parameters (``password``,
``sslpassword``), libpq ``key=value`` strings with quoted values; a property test over
generated URLs with random secrets, for the redaction alone and through the installed CLI."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.runtime.log_redaction import RedactSecrets
from scheduler.store.db import _EXAMPLES, DatabaseURLError, resolve_url
from scheduler.store.redaction import redact_url

FAZHI = str(Path(sys.executable).with_name("fazhi"))
# printable ASCII and some CJK: every character a password may hold, quotes and backslashes
# too; not "*", the mask itself (a secret "***" would be found in every masked output)
_PRINTABLE = st.characters(min_codepoint=0x21, max_codepoint=0x7E, exclude_characters="*") | (
    st.sampled_from("密码秘钥")
)
SECRETS = st.text(_PRINTABLE, min_size=6, max_size=24)
# raw in a URL's userinfo SQLAlchemy reads everything up to the last "@" before the host
RAW_URL_SECRETS = st.text(
    st.characters(min_codepoint=0x21, max_codepoint=0x7E, exclude_characters="'\"\\*"),
    min_size=6,
    max_size=24,
).filter(lambda s: not s.startswith(("@", ":")))
UNQUOTED_LIBPQ = st.text(
    st.characters(min_codepoint=0x21, max_codepoint=0x7E, exclude_characters="'\\*"),
    min_size=6,
    max_size=24,
)
SCHEMES = st.sampled_from(["postgresql", "postgres", "postgresql+psycopg", "postgresql+psycopg2"])
HOSTS = st.sampled_from(["db", "127.0.0.1", "pg.example.cn", "[::1]"])


def _libpq_quote(secret: str) -> str:
    return "'" + secret.replace("\\", "\\\\").replace("'", "\\'") + "'"


Template = Callable[[str], str]
PLACEHOLDER = "ZqZqZq"  # stands for the secret: what the fixed parts of an output hold


@st.composite
def urls(draw: st.DrawFn) -> tuple[Template, str]:
    """(a database URL or libpq string for a given secret, the secret)."""
    scheme, host = draw(SCHEMES), draw(HOSTS)
    form = draw(st.integers(0, 6))
    if form == 0:
        return (lambda s: f"{scheme}://fazhi:{quote(s, safe='')}@{host}:5432/fazhi"), draw(SECRETS)
    if form == 1:
        return (lambda s: f"{scheme}://fazhi:{s}@{host}/fazhi"), draw(RAW_URL_SECRETS)
    if form == 2:
        key = draw(st.sampled_from(["password", "sslpassword"]))
        extra = draw(st.sampled_from(["", "sslmode=require&", "connect_timeout=5&"]))
        return (lambda s: f"{scheme}://fazhi@{host}/fazhi?{extra}{key}={quote(s, safe='')}"), draw(
            SECRETS
        )
    if form == 3:
        return (lambda s: f"host={host} user=fazhi password={s} dbname=fazhi"), draw(UNQUOTED_LIBPQ)
    if form == 4:
        sep = draw(st.sampled_from(["=", " = ", "= "]))
        return (lambda s: f"host={host} password{sep}{_libpq_quote(s)} dbname=fazhi"), draw(SECRETS)
    if form == 5:
        return (lambda s: f"sslmode=verify-full sslpassword={_libpq_quote(s)} host={host}"), draw(
            SECRETS
        )
    return (lambda s: f"{scheme}://u:{s}@{host}:5432/fazhi?sslmode=disable"), draw(RAW_URL_SECRETS)


def _leaks(template: Template, secret: str, outputs: Callable[[str], list[str]]) -> list[str]:
    """The outputs holding ``secret`` (raw or percent-encoded) more often than the same output
    for a placeholder secret does (a secret like "fazhi" is also in the fixed text)."""
    leaked = []
    real, fixed = outputs(template(secret)), outputs(template(PLACEHOLDER))
    for form in {secret, quote(secret, safe="")}:
        for got, baseline in zip(real, fixed, strict=True):
            if got.count(form) > baseline.count(form):
                leaked.append(got)
    return leaked


def _outputs(url: str) -> list[str]:
    """What a log line, an error and a message might carry of ``url``."""
    outputs = [
        redact_url(url),
        redact_url(repr(url)),
        redact_url(f"无法连接数据库：{url!r}，请检查"),
        redact_url(str({"url": url})),
    ]
    try:
        outputs.append(redact_url(resolve_url(url).render_as_string(hide_password=True), url))
    except DatabaseURLError as exc:
        outputs.append(str(exc).replace(_EXAMPLES, ""))  # the fixed examples hold no secret
    return outputs


@settings(max_examples=1200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(urls())
def test_no_generated_secret_survives_redaction(case: tuple[Template, str]) -> None:
    template, secret = case
    assert not _leaks(template, secret, _outputs), template(secret)


@settings(max_examples=300, deadline=None)
@given(urls())
def test_log_lines_carry_no_generated_secret(case: tuple[Template, str]) -> None:
    import logging

    def logged(url: str) -> list[str]:
        record = logging.LogRecord("x", logging.INFO, __file__, 1, "at %s (%r)", (url, url), None)
        assert RedactSecrets().filter(record)
        return [record.getMessage()]

    template, secret = case
    assert not _leaks(template, secret, logged), template(secret)


def test_known_forms_keep_what_is_not_secret() -> None:
    assert redact_url("postgresql://fazhi:s3cr%40t@db:5432/x") == "postgresql://fazhi:***@db:5432/x"
    assert redact_url("postgresql://u:p@ss@db/x") == "postgresql://u:***@db/x"
    assert redact_url("postgresql://u@db/x?sslmode=require&password=zz9") == (
        "postgresql://u@db/x?sslmode=require&password=***"
    )
    assert redact_url("host=db password='a b\\'c' dbname=x") == "host=db password='***' dbname=x"
    assert redact_url("host=db passfile=/p dbname=x") == "host=db passfile=/p dbname=x"


CLI_CASES = [
    ("postgresql://fazhi@127.0.0.1:9/fazhi?password=Qz8secretQ", "Qz8secretQ"),
    ("postgresql://fazhi:Pw@rd9secret@127.0.0.1:9/fazhi", "rd9secret"),
    ("host=127.0.0.1 port=9 password='x y\\'Zsecret' dbname=f", "Zsecret"),
    ("postgresql://fazhi@127.0.0.1:9/fazhi?sslpassword=Kk7secret&connect_timeout=1", "Kk7secret"),
    ("postgresql://fazhi:Tt5%40secret@127.0.0.1:abc/fazhi", "Tt5"),
]


def test_health_and_parse_errors_through_the_installed_cli(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k.lower() != "database_url"}
    env |= {"FAZHI_DATA_DIR": str(tmp_path / "data"), "PGCONNECT_TIMEOUT": "2"}
    for url, secret in CLI_CASES:
        for command in (["health"], ["-v", "health"], ["units", "list"]):
            proc = subprocess.run(
                [FAZHI, *command],
                env=env | {"DATABASE_URL": url},
                capture_output=True,
                text=True,
                timeout=120,
                check=False,
                cwd=tmp_path,
            )
            out = proc.stdout + proc.stderr
            assert proc.returncode != 0, (command, url, out)
            assert secret not in out, (command, url, out)
