"""Bytes to text for work-plan documents: UTF-8 (with or without BOM), UTF-16, GB18030/GBK.

Chinese government documents travel as UTF-8 or GB18030 files; a wrong guess would silently
turn the text into mojibake, so we try the strict decodings in order and only then ask
charset-normalizer. Binary and empty files are refused with a clear message.
"""

from __future__ import annotations

from dataclasses import dataclass


class DocumentError(ValueError):
    """A document cannot be read or parsed; ``problems`` are (line, message) pairs, line 0 =
    the whole file."""

    def __init__(self, problems: list[tuple[int, str]], source: str = "") -> None:
        self.problems = problems
        self.source = source
        super().__init__(self.describe())

    def describe(self) -> str:
        prefix = f"{self.source}: " if self.source else ""
        return "\n".join(
            f"{prefix}第{line}行：{msg}" if line else f"{prefix}{msg}"
            for line, msg in self.problems
        )


@dataclass(frozen=True)
class Decoded:
    text: str
    encoding: str


def decode_document(data: bytes, source: str = "") -> Decoded:
    if not data.strip():
        raise DocumentError([(0, "文件为空，没有可解析的内容。")], source)
    if data.startswith(b"\xef\xbb\xbf"):
        return Decoded(data[3:].decode("utf-8", errors="strict"), "utf-8-sig")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return Decoded(data.decode("utf-16"), "utf-16")
    if b"\x00" in data[:4096]:
        raise DocumentError(
            [
                (
                    0,
                    "这是二进制文件（含 NUL 字节），不是文本文档；可读取的格式：.txt、.docx、.pdf、.html、.xlsx。",
                )
            ],
            source,
        )
    bad_at: int | None = None
    for encoding in ("utf-8", "gb18030"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError as exc:
            bad_at = exc.start if bad_at is None else bad_at
            continue
        if _looks_textual(text):
            return Decoded(text, encoding)
    from charset_normalizer import from_bytes  # only for the rare file that is neither

    best = from_bytes(data).best()
    if best is not None and _looks_textual(str(best)):
        return Decoded(str(best), best.encoding)
    line = data[:bad_at].count(b"\n") + 1 if bad_at is not None else 0
    where = "该行有无法解码的字节，" if line else ""
    raise DocumentError(
        [
            (
                line,
                f"文件编码损坏或无法识别：{where}已尝试 UTF-8、GB18030；请另存为 UTF-8 文本后重试。",
            )
        ],
        source,
    )


def _looks_textual(text: str) -> bool:
    """Refuse decodings full of control characters (a binary file that happens to decode)."""
    if not text:
        return False
    bad = sum(1 for ch in text if ord(ch) < 32 and ch not in "\n\r\t\f")
    return bad / len(text) < 0.01
