"""Traditional → simplified Chinese (zhconv's ``zh-cn``) from a compact table, not the library.

zhconv converts by longest match over MediaWiki's ZhConversion tables (zh2Hans, then zh2CN for
mainland wording). Importing it and converting once loads every locale's tables and builds a
prefix set of all their words: tens of milliseconds and ~7 MiB at each start of ``fazhi ask``
and of the bot. Only the ``zh-cn`` part is needed, and most of it is single characters, so:

- the table (changed characters for :meth:`str.translate`, and the phrases) is taken from the
  installed zhconv's dictionary file once and kept in the data home's ``cache`` folder, keyed by
  that file's size and modification time, so a new zhconv rebuilds it. It is derived on the
  machine rather than committed because the tables are GPL-licensed (MediaWiki, via zhconv);
- :func:`to_simplified` applies the characters with ``str.translate`` and the phrases with
  zhconv's rule (at each position the longest phrase wins, scanning left to right), found
  through a character class of the phrases' first characters.

The result equals ``zhconv.convert(text, "zh-cn")`` (``tests/test_simplified.py``).
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import tempfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path

LOCALE_TABLES = ("zh2Hans", "zh2CN")  # zhconv's getdict("zh-cn"): the second overrides
CACHE_NAME = "zh-cn-table.json"
FORMAT = 1  # bump when the cached layout changes


@dataclass(frozen=True)
class Table:
    """One conversion table: characters, phrases and what finds the phrases."""

    chars: dict[int, str]  # code point → simplified character (only the changed ones)
    phrases: dict[str, str]  # two characters or more
    lengths: dict[str, tuple[int, ...]]  # first character → its phrases' lengths, longest first
    starts: re.Pattern[str] | None  # any first character of a phrase

    @classmethod
    def build(cls, chars: dict[str, str], phrases: dict[str, str]) -> Table:
        lengths: dict[str, set[int]] = {}
        for phrase in phrases:
            lengths.setdefault(phrase[0], set()).add(len(phrase))
        starts = None
        if lengths:
            starts = re.compile("[" + "".join(re.escape(c) for c in sorted(lengths)) + "]")
        return cls(
            {ord(k): v for k, v in chars.items()},
            phrases,
            {c: tuple(sorted(ls, reverse=True)) for c, ls in lengths.items()},
            starts,
        )

    def convert(self, text: str) -> str:
        if self.starts is None:
            return text.translate(self.chars)
        out: list[str] = []
        done = 0  # text[:done] is converted
        for match in self.starts.finditer(text):
            at = match.start()
            if at < done:
                continue  # inside a phrase already replaced
            for n in self.lengths[match.group()]:
                value = self.phrases.get(text[at : at + n])
                if value is not None:
                    out.append(text[done:at].translate(self.chars))
                    out.append(value)
                    done = at + n
                    break
        if not out:
            return text.translate(self.chars)
        out.append(text[done:].translate(self.chars))
        return "".join(out)

    def changed_chars(self) -> frozenset[str]:
        """The characters that have a different simplified form."""
        return frozenset(chr(c) for c in self.chars)


def zhconv_dictionary() -> Path:
    """The installed zhconv's dictionary file, found without importing zhconv."""
    spec = importlib.util.find_spec("zhconv")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("zhconv is not installed: it provides the conversion tables")
    return Path(next(iter(spec.submodule_search_locations))) / "zhcdict.json"


def extract(dictionary: Path) -> tuple[dict[str, str], dict[str, str]]:
    """(changed characters, phrases) of zhconv's ``zh-cn`` conversion."""
    tables = json.loads(dictionary.read_bytes().decode("utf-8"))
    merged: dict[str, str] = {}
    for name in LOCALE_TABLES:
        merged.update(tables[name])
    chars = {k: v for k, v in merged.items() if len(k) == 1 and k != v}
    phrases = {k: v for k, v in merged.items() if len(k) > 1}
    return chars, phrases


def load_table(dictionary: Path, cache_file: Path | None) -> Table:
    """The table for ``dictionary``: from ``cache_file`` when it was made from this very file,
    else extracted and (when the folder is writable) cached for the next start."""
    stat = dictionary.stat()
    key = {"format": FORMAT, "size": stat.st_size, "mtime_ns": stat.st_mtime_ns}
    if cache_file is not None:
        try:
            cached = json.loads(cache_file.read_bytes())
            if cached.get("key") == key:
                return Table.build(cached["chars"], cached["phrases"])
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            pass  # absent or unreadable: extract again
    chars, phrases = extract(dictionary)
    if cache_file is not None:
        _write(cache_file, {"key": key, "chars": chars, "phrases": phrases})
    return Table.build(chars, phrases)


def _write(path: Path, data: dict) -> None:
    """Write atomically (two processes may start at once); a read-only home is no error."""
    tmp: str | None = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=path.name, suffix=".tmp", dir=path.parent)
        with os.fdopen(fd, "wb") as f:
            f.write(json.dumps(data, ensure_ascii=False).encode("utf-8"))
        os.replace(tmp, path)
    except OSError:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)


@cache
def default_table() -> Table:
    from knowledge.datahome import data_dir

    return load_table(zhconv_dictionary(), data_dir() / "cache" / CACHE_NAME)


def to_simplified(text: str) -> str:
    """``text`` in simplified characters (and mainland wording), as zhconv's ``zh-cn``."""
    if text.isascii():
        return text
    return default_table().convert(text)


@cache
def traditional_chars() -> frozenset[str]:
    """Characters that have a different simplified form (a text without any needs no
    character conversion)."""
    return default_table().changed_chars()
