"""One redaction for every way a database password can be written, applied to every log line,
error sentence and ``health`` line (:func:`redact_url`).

Two layers, because no pattern can tell where an unescaped secret ends in every case:

1. **Patterns** over any text:
   - URL userinfo, ``scheme://user:secret@host``: the password runs to the *last* ``@`` of the
     authority, so a password with an unescaped ``@`` (which SQLAlchemy accepts: its password is
     ``[^@]*``, the rest becomes the "host") is masked whole, not cut at its first ``@``;
   - URL query parameters whose (percent-decoded) name is secret (``?password=``,
     ``&sslpassword=`` …, see :data:`SECRET_KEYS`);
   - libpq ``key=value`` strings (``host=db password=x`` or ``password = 'a b\\'c'``), a
     quoted value with its backslash escapes, also as Python's ``repr`` doubles them.
2. **The secrets this process knows**: the password(s) of ``$DATABASE_URL`` (any of the
   forms above, parsed by SQLAlchemy and libpq's own rules), masked literally, raw and
   percent-/repr-encoded. Secrets shorter than :data:`MIN_LITERAL` characters are left to the
   patterns (masking every ``ab`` of a message would garble it).

Over-redaction is preferred to a leak: an odd URL may lose its host in the message.
"""

from __future__ import annotations

import functools
import os
import re
from urllib.parse import quote, quote_plus, unquote, unquote_plus

MASK = "***"
MIN_LITERAL = 4
# parameter names that carry a secret: libpq's ``password`` and ``sslpassword`` (the passphrase
# of ``sslkey``; PostgreSQL docs, "Parameter Key Words"), and the usual spellings of tokens in
# other drivers' URLs. Matched on the lower-cased, percent-decoded name.
SECRET_KEYS = frozenset(
    {
        "password", "passwd", "pwd", "pass", "sslpassword", "secret", "token",
        "access_token", "auth_token", "api_key", "apikey", "client_secret",
    }
)  # fmt: skip

_URL = re.compile(r"(?P<scheme>[A-Za-z][\w+.-]*://)(?P<rest>\S*)")
_QUERY_PARAM = re.compile(r"(?P<lead>[?&;])(?P<key>[A-Za-z_%][\w.%-]*)=(?P<value>[^&\s'\"]*)")
# libpq: a value is single-quoted (``\'`` and ``\\`` escaped; a run of backslashes before the
# quote also covers repr's doubling; the closing quote is followed by a blank or punctuation,
# so an escaped quote is not taken for it) or runs to the next blank
_KEYWORD = re.compile(
    r"(?P<lead>(?<![\w%.-])['\"]?)"
    rf"(?P<key>{'|'.join(sorted(SECRET_KEYS, key=len, reverse=True))})"
    r"(?P<close>['\"]?\s*[=:]\s*)"
    r"(?P<value>'(?:[^'\\]|\\+.)*'(?=[\s\"'),;\]}]|$)|(?:\\+.|[^\s\\])+)",
    re.DOTALL | re.IGNORECASE,
)


def _is_secret_key(key: str) -> bool:
    return unquote_plus(key).strip().lower() in SECRET_KEYS


def _mask_query(match: re.Match[str]) -> str:
    if not _is_secret_key(match["key"]):
        return match[0]
    return f"{match['lead']}{match['key']}={MASK}"


def _mask_userinfo(match: re.Match[str]) -> str:
    rest = match["rest"]
    head = rest.split("?", 1)[0]
    at = head.rfind("@") if "@" in head else rest.rfind("@")
    if at < 0:
        return match[0]
    userinfo = rest[:at]
    if ":" not in userinfo:
        return match[0]
    user = userinfo.split(":", 1)[0]
    return f"{match['scheme']}{user}:{MASK}{rest[at:]}"


def _mask_keyword(match: re.Match[str]) -> str:
    if not _is_secret_key(match["key"]):
        return match[0]
    value = match["value"]
    quote_char = "'" if value.startswith("'") else ""
    return f"{match['lead']}{match['key']}{match['close']}{quote_char}{MASK}{quote_char}"


def _literal_forms(secret: str) -> set[str]:
    forms = {secret, quote(secret, safe=""), quote_plus(secret), repr(secret)[1:-1]}
    forms.add(secret.replace("\\", "\\\\").replace("'", "\\'"))  # libpq-quoted
    forms.add(repr(secret.replace("\\", "\\\\").replace("'", "\\'"))[1:-1])
    return {f for f in forms if len(f) >= MIN_LITERAL}


@functools.lru_cache(maxsize=16)
def secrets_in(url: str) -> frozenset[str]:
    """Every literal form of the password(s) written in ``url`` (a URL or a libpq
    ``key=value`` string), as SQLAlchemy and libpq would read them; never raises."""
    found: set[str] = set()
    try:
        from sqlalchemy.engine import make_url

        parsed = make_url(url)
        if parsed.password:
            found.add(str(parsed.password))
        for key, value in parsed.query.items():
            if _is_secret_key(key):
                found.update([value] if isinstance(value, str) else value)
    except Exception:  # noqa: BLE001, S110 - not a URL SQLAlchemy reads; try libpq's forms
        pass
    try:
        if not url.strip() or url.lstrip().lower().startswith("sqlite"):
            raise ValueError  # no password, and libpq's parser costs an import (~70 ms)
        from psycopg.conninfo import conninfo_to_dict

        plain = url.replace("postgresql+psycopg://", "postgresql://", 1)
        for key, value in conninfo_to_dict(plain).items():
            if _is_secret_key(key) and isinstance(value, str):
                found.add(value)
    except Exception:  # noqa: BLE001, S110
        pass
    # what the patterns would cut out of the raw text (an unescaped password libpq refuses)
    for match in _URL.finditer(url):
        rest = match["rest"]
        head = rest.split("?", 1)[0]
        at = head.rfind("@") if "@" in head else rest.rfind("@")
        if at > 0 and ":" in rest[:at]:
            raw = rest[:at].split(":", 1)[1]
            found.update({raw, unquote(raw)})
            # SQLAlchemy cuts an unescaped password at its first "@" and shows the rest as host
            found.update(raw.split("@")[i] for i in range(1, raw.count("@") + 1))
    forms: set[str] = set()
    for secret in found:
        forms |= _literal_forms(secret)
    return frozenset(forms)


def _known_secrets() -> frozenset[str]:
    raw = next((v for k, v in os.environ.items() if k.lower() == "database_url"), "")
    return secrets_in(raw) if raw else frozenset()


def redact_url(text: str, *extra_urls: str) -> str:
    """``text`` without any database password: the patterns above, then the literal forms of
    the passwords of ``$DATABASE_URL`` and of ``extra_urls``."""
    known = set(_known_secrets())
    for url in extra_urls:
        known |= secrets_in(url)
    for secret in sorted(known, key=len, reverse=True):
        text = text.replace(secret, MASK)
    text = _QUERY_PARAM.sub(_mask_query, text)
    text = _URL.sub(_mask_userinfo, text)
    return _KEYWORD.sub(_mask_keyword, text)
