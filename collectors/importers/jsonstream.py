"""A streaming reader of JSON documents that knows where it is in the file.

:class:`JsonStream` walks a JSON document container by container (``iter_object``
yields keys, ``iter_array`` yields indices) and decodes the values the caller wants
whole with the C scanner of :mod:`json` (``raw_decode``), so only one record is in
memory at a time, however large the file. Each value comes with its exact source text,
which importers keep as the raw payload instead of serialising it again.

Where the document breaks (truncated, invalid), :class:`JsonBreak` says where: line,
column and byte offset. Everything decoded before the break has already been handed
out; nothing after it can be trusted, because JSON has no record boundary to resync on.
"""

from __future__ import annotations

import codecs
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import orjson

from collectors.importers.common import (
    Progress,
    explain_bad_text,
    iter_lines,
    sniff_encoding,
)

CHUNK_BYTES = 1 << 20  # bytes read from the file at a time
MAX_VALUE_CHARS = 256 * (1 << 20)  # one value larger than this is a broken file, not a record
NEAR_END = 64  # an error this close to the end of the buffer may just need more input
WHITESPACE = " \t\n\r"
PROBE_LINES = 6  # a "{" file none of whose first lines is JSON is one pretty-printed object
_LINE_END = (b"\n", b"\r", "\n", "\r")
_CRLF = (b"\r\n", "\r\n")
TOO_DEEP = "arrays or objects nested too deep to read (no record is)"
LEADING_BAD_LINES = 10  # a "JSON Lines" file whose first lines all fail is not JSON Lines


class JsonBreak(Exception):
    """The document is invalid or truncated at ``line``/``column`` (byte ``offset``)."""

    def __init__(self, reason: str, line: int, column: int, offset: int, size: int) -> None:
        self.reason = reason
        self.line = line
        self.column = column
        self.offset = offset
        self.size = size
        super().__init__(self.describe())

    @property
    def location(self) -> str:
        return f"line {self.line}, column {self.column} (byte {self.offset})"

    def describe(self) -> str:
        lost = max(self.size - self.offset, 0)
        return (
            f"invalid JSON: {self.reason}; the rest of the file ({lost:,} of "
            f"{self.size:,} bytes) was not read"
        )


class JsonStream:
    """Incremental reader over one JSON document (see the module docstring)."""

    def __init__(self, f: IO[bytes], *, encoding: str, bom: int, size: int, on_progress: Progress):
        self._f = f
        self._encoding = encoding
        self._decoder = codecs.getincrementaldecoder(encoding)(errors="surrogateescape")
        self._json = json.JSONDecoder()
        self._on_progress = on_progress
        self._size = size
        self._bom = bom
        self.buf = ""
        self.pos = 0
        self.eof = False
        # what was dropped from the front of the buffer: characters, lines, bytes
        self._dropped_chars = 0
        self._dropped_lines = 0
        self._dropped_bytes = bom
        self._mark_at = 0  # line_at's cursor: absolute character position and its line
        self._mark_line = 1

    @classmethod
    def open(cls, path: Path, on_progress: Progress = None) -> JsonStream:
        """A stream over ``path`` (the caller closes it with :meth:`close`)."""
        encoding, bom = sniff_encoding(path)
        f = path.open("rb")
        f.seek(bom)
        return cls(f, encoding=encoding, bom=bom, size=path.stat().st_size, on_progress=on_progress)

    def close(self) -> None:
        self._f.close()

    def __enter__(self) -> JsonStream:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- buffer --------------------------------------------------------------------

    def _fill(self) -> bool:
        """Read more of the file into the buffer; False at the end of the file."""
        if self.eof:
            return False
        if self.pos > len(self.buf) // 2:
            gone = self.buf[: self.pos]
            self._dropped_chars += len(gone)
            self._dropped_lines += gone.count("\n")
            self._dropped_bytes += len(gone.encode(self._encoding, "surrogateescape"))
            self.buf = self.buf[self.pos :]
            self.pos = 0
        chunk = self._f.read(CHUNK_BYTES)
        self.buf += self._decoder.decode(chunk, final=not chunk)
        if not chunk:
            self.eof = True
        if self._on_progress is not None:
            self._on_progress(self._f.tell())
        return True

    def where(self, pos: int | None = None) -> tuple[int, int, int]:
        """``(line, column, byte offset)`` of buffer position ``pos`` (default: current)."""
        pos = self.pos if pos is None else min(pos, len(self.buf))
        line = self._dropped_lines + self.buf.count("\n", 0, pos) + 1
        last_nl = self.buf.rfind("\n", 0, pos)
        column = pos - last_nl if last_nl >= 0 else pos + 1
        offset = self._dropped_bytes + len(self.buf[:pos].encode(self._encoding, "surrogateescape"))
        return line, column, offset

    def line_at(self, pos: int) -> int:
        """The line number of buffer position ``pos`` (cheap when positions move forward)."""
        absolute = self._dropped_chars + pos
        if absolute < self._mark_at or self._mark_at < self._dropped_chars:
            self._mark_at, self._mark_line = self._dropped_chars, self._dropped_lines + 1
        start = self._mark_at - self._dropped_chars
        self._mark_line += self.buf.count("\n", start, pos)
        self._mark_at = absolute
        return self._mark_line

    def fail(self, reason: str, pos: int | None = None) -> JsonBreak:
        line, column, offset = self.where(pos)
        return JsonBreak(reason, line, column, offset, self._size)

    def peek(self) -> str:
        """The next character that is not whitespace ('' at the end of the file)."""
        while True:
            buf, pos = self.buf, self.pos
            n = len(buf)
            while pos < n and buf[pos] in WHITESPACE:
                pos += 1
            self.pos = pos
            if pos < n:
                return buf[pos]
            if not self._fill():
                return ""

    def expect(self, char: str) -> None:
        found = self.peek()
        if found != char:
            what = repr(found) if found else "end of file"
            raise self.fail(f"expected {char!r}, found {what}")
        self.pos += 1

    # -- values --------------------------------------------------------------------

    def value(self) -> tuple[Any, int, int]:
        """Decode the next value whole: ``(value, start, end)`` positions in :attr:`buf`.

        The positions are valid until the next call that reads.
        """
        if not self.peek():
            raise self.fail("unexpected end of file")
        last_error_at = -1
        while True:
            start = self.pos
            try:
                value, end = self._json.raw_decode(self.buf, start)
            except RecursionError:  # the C scanner recurses once per level of nesting
                start, end = self._span_of_nested(start)
                self.pos = end
                return Malformed(TOO_DEEP), start, end
            except json.JSONDecodeError as exc:
                at = self._dropped_chars + exc.pos
                stuck = (
                    at == last_error_at
                    and exc.pos < len(self.buf) - NEAR_END
                    and not exc.msg.startswith("Unterminated string")
                )
                if self.eof or stuck or len(self.buf) - start > MAX_VALUE_CHARS:
                    raise self.fail(exc.msg, exc.pos) from None
                last_error_at = at
                self._fill()
                continue
            if end >= len(self.buf) and not self.eof:  # a number may go on in the next chunk
                self._fill()
                continue
            self.pos = end
            return value, start, end

    def _span_of_nested(self, start: int) -> tuple[int, int]:
        """``(start, end)`` of the array or object at ``start``, found without recursion.

        Reading more input may move the buffer, so ``start`` comes back updated.
        """
        depth, in_string, escaped, i = 0, False, False, start
        while True:
            buf = self.buf
            for i in range(i, len(buf)):  # noqa: B020 - i goes on where the last chunk ended
                char = buf[i]
                if in_string:
                    if escaped:
                        escaped = False
                    elif char == "\\":
                        escaped = True
                    elif char == '"':
                        in_string = False
                elif char == '"':
                    in_string = True
                elif char in "[{":
                    depth += 1
                elif char in "]}":
                    depth -= 1
                    if depth == 0:
                        return start, i + 1
            else:
                i = len(buf)
            before = self.pos
            if i - start > MAX_VALUE_CHARS or not self._fill():
                raise self.fail("unexpected end of file in a deeply nested value", start)
            i -= before - self.pos  # _fill may drop what precedes self.pos
            start -= before - self.pos

    def skip(self) -> None:
        """Skip the next value (arrays are skipped item by item, so memory stays flat)."""
        char = self.peek()
        if char == "[":
            for _ in self.iter_array():
                self.skip()
        elif char == "{":
            for _ in self.iter_object():
                self.skip()
        else:
            self.value()

    def iter_array(self) -> Iterator[int]:
        """Enter an array; yield each item's index; the caller reads exactly one value."""
        self.expect("[")
        if self.peek() == "]":
            self.pos += 1
            return
        index = 0
        while True:
            yield index
            index += 1
            char = self.peek()
            if char == ",":
                self.pos += 1
            elif char == "]":
                self.pos += 1
                return
            else:
                what = repr(char) if char else "end of file"
                raise self.fail(f"expected ',' or ']' after item {index - 1}, found {what}")

    def iter_object(self) -> Iterator[str]:
        """Enter an object; yield each key; the caller reads exactly one value per key."""
        self.expect("{")
        if self.peek() == "}":
            self.pos += 1
            return
        while True:
            if self.peek() != '"':
                raise self.fail("expected a key in double quotes")
            key, _, _ = self.value()
            self.expect(":")
            yield key
            char = self.peek()
            if char == ",":
                self.pos += 1
            elif char == "}":
                self.pos += 1
                return
            else:
                what = repr(char) if char else "end of file"
                raise self.fail(f"expected ',' or '}}' after the value of {key!r}, found {what}")


@dataclass(frozen=True, slots=True)
class Malformed:
    """A value read whole that cannot be a record (see :data:`TOO_DEEP`)."""

    reason: str


def malformed(value: Any) -> str | None:
    """The reason when ``value`` is :class:`Malformed`, else None."""
    return value.reason if isinstance(value, Malformed) else None


@dataclass(slots=True)  # not frozen: a frozen dataclass costs a setattr call per field
class Item:
    """One top-level record of a JSON array or JSON Lines file, or why it is unreadable."""

    location: str  # "line 12" or "record 7 (line 130)"
    value: Any = None
    raw: str = ""  # the record's own source text
    error: str | None = None  # set when the record cannot be read
    broken: JsonBreak | None = None  # set when the document itself breaks here


def iter_json_records(path: Path, on_progress: Progress = None) -> Iterator[Item]:
    """The records of a JSON array document, a single JSON object, or JSON Lines.

    The first character decides: ``[`` is an array read item by item, unless two of the
    lines after the first are JSON objects by themselves (JSON Lines whose first line
    was damaged: in an array only the last element's line can be); ``{`` where none of the
    first lines is JSON by itself is one pretty-printed object; anything else is JSON
    Lines, read line by line. A break in a document is the last item (``broken``).
    """
    from narrmon.errors import InputError

    with JsonStream.open(path) as probe:
        first = probe.peek()
        head = [line for line in probe.buf[probe.pos :].splitlines()[:PROBE_LINES] if line.strip()]
    if first == "[":
        lines = sum(line.lstrip()[:1] == "{" and _is_json(line) for line in head[1:])
        document = lines < 2 or _is_json(head[0])
    else:
        document = first == "{" and not any(_is_json(line) for line in head)
    if document:
        yield from _iter_document(path, first, on_progress)
        return
    # Bad lines before the first good one are held back: if the first lines are all
    # bad the file is not JSON Lines at all, and is refused without quarantining them.
    pending: list[Item] | None = []
    for number, line in iter_lines(path, on_progress):
        item = _line_item(number, line)
        if pending is None:
            yield item
        elif item.error is None:
            yield from pending
            pending = None
            yield item
        else:
            pending.append(item)
            if len(pending) >= LEADING_BAD_LINES:
                raise InputError(
                    f"not JSON or JSON Lines: lines 1-{number} cannot be read "
                    f"(line {pending[0].location.removeprefix('line ')}: {pending[0].error})"
                )
    yield from pending or ()


def _is_json(text: str) -> bool:
    try:
        orjson.loads(text)
    except orjson.JSONDecodeError:
        return False
    return True


def _line_item(number: int, line: bytes | str) -> Item:
    location = f"line {number}"
    try:
        value = orjson.loads(line)
    except orjson.JSONDecodeError as exc:
        text = line.decode("utf-8", "surrogateescape") if isinstance(line, bytes) else line
        text = text.rstrip("\r\n")
        problem = explain_bad_text(text)
        if problem is None:
            problem = f"invalid JSON at column {exc.colno}: {exc.msg}"
        return Item(location, raw=text, error=problem)
    if line[-1:] in _LINE_END:  # decode without the line end: one copy, not two
        end = -2 if line[-2:] in _CRLF else -1
        text = str(memoryview(line)[:end], "utf-8") if isinstance(line, bytes) else line[:end]
        if text[-1:] == "\r":
            text = text.rstrip("\r\n")
        return Item(location, value, text)
    raw = line.decode("utf-8") if isinstance(line, bytes) else line
    return Item(location, value, raw.rstrip("\r\n"))


def _iter_document(path: Path, first: str, on_progress: Progress) -> Iterator[Item]:
    with JsonStream.open(path, on_progress) as stream:
        try:
            if first == "{":
                value, start, end = stream.value()
                yield _doc_item(stream, "the document (line 1)", value, start, end)
                return
            for index in stream.iter_array():
                value, start, end = stream.value()
                where = f"record {index} (line {stream.line_at(start)})"
                yield _doc_item(stream, where, value, start, end)
            if stream.peek():
                raise stream.fail("unexpected content after the end of the array")
        except JsonBreak as broken:
            context = stream.buf[max(stream.pos - 200, 0) : stream.pos + 200]
            yield Item(broken.location, raw=context, error=broken.describe(), broken=broken)


def _doc_item(stream: JsonStream, where: str, value: Any, start: int, end: int) -> Item:
    raw = stream.buf[start:end]
    problem = explain_bad_text(raw) or malformed(value)
    if problem is not None:
        return Item(where, raw=raw, error=problem)
    return Item(where, value, raw)
