"""Helpers every importer shares: reading files and checking values.

Reading
    :func:`sniff_encoding` accepts UTF-8 (with or without a BOM) and UTF-16/UTF-32 with
    a BOM. Anything else (cp1250, latin-1 …) is read as UTF-8 with the bad bytes kept
    as surrogates, so a record holding them is quarantined with a clear reason while
    the plain-ASCII records beside it are still read. :func:`iter_lines` streams the
    lines of a JSON Lines or CSV file; :class:`~collectors.importers.jsonstream.JsonStream`
    streams the items of a JSON document.

Checking
    The ``check_*`` helpers raise :class:`BadRecord` with a reason meant for a person;
    the importer turns it into a :class:`~narrmon.records.Rejected` naming the file and
    the line or record. Limits: texts over :data:`MAX_TEXT_CHARS` characters (no real
    post is that long: Telegram allows 4,096, X 25,000), counts below zero, dates more
    than :data:`FUTURE_TOLERANCE` ahead of now, and NUL characters are all rejected,
    never silently truncated or cleaned.
"""

from __future__ import annotations

import codecs
import os
import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson

from narrmon.errors import InputError
from narrmon.records import Account, MetricSnapshot, Post, Record, Rejected, utc

MAX_TEXT_CHARS = 100_000  # longer texts are quarantined, not truncated
FUTURE_TOLERANCE = timedelta(days=1)  # clock skew allowed for "created in the future"
MAX_COUNT = 2**63 - 1  # narrmon.store.schema.BIGINT_MAX (not imported here: it loads SQLAlchemy)
PAYLOAD_CHARS = 4096  # characters of a bad record kept in the quarantine payload
PROGRESS_EVERY = 4096  # lines between two on_progress calls
SNIFF_BYTES = 4

# Encodings recognised by their byte-order mark, longest marks first.
BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

# Archives refused by their magic bytes: their content is compressed, not text.
ARCHIVES = ((b"PK\x03\x04", "zip archive"), (b"\x1f\x8b", "gzip file"))

Progress = Callable[[int], None] | None
_BLANK_START = (b"", b" ", b"\t", b"\r", b"\n", "", " ", "\t", "\r", "\n")

_SURROGATE = re.compile("[\ud800-\udfff]")


class BadRecord(ValueError):
    """A record that cannot be imported; the message is the reason shown to the user."""


# What a record of an unforeseen shape can raise in a parser. Each importer catches
# these per record, beside BadRecord, so an odd record is quarantined, never a crash.
RECORD_ERRORS = (BadRecord, TypeError, AttributeError, KeyError, ValueError, OverflowError)


def reason_of(exc: Exception) -> str:
    """The quarantine reason for an exception of :data:`RECORD_ERRORS`."""
    if isinstance(exc, BadRecord):
        return str(exc)
    return f"malformed record ({type(exc).__name__}: {str(exc)[:200]})"


# -- reading --------------------------------------------------------------------------


def sniff_encoding(path: Path) -> tuple[str, int]:
    """The encoding of ``path`` and the length of its byte-order mark (UTF-8 if none)."""
    with path.open("rb") as f:
        head = f.read(SNIFF_BYTES)
    for magic, archive in ARCHIVES:
        if head.startswith(magic):
            raise InputError(
                f"{path.name} is a {archive}, not text: unpack it and import the file(s) inside"
            )
    for bom, encoding in BOMS:
        if head.startswith(bom):
            return encoding, len(bom)
    return "utf-8", 0


def iter_lines(path: Path, on_progress: Progress = None) -> Iterator[tuple[int, bytes | str]]:
    """``(line number, line)`` for each non-blank line; bytes for UTF-8, str otherwise."""
    encoding, bom = sniff_encoding(path)
    with path.open("rb") as f:
        f.seek(bom)
        if encoding == "utf-8":
            lines: Iterator[bytes | str] = iter(f)
        else:
            lines = codecs.getreader(encoding)(f, errors="surrogateescape")
        for number, line in enumerate(lines, 1):
            if on_progress is not None and number % PROGRESS_EVERY == 0:
                on_progress(f.tell())
            if line[:1] not in _BLANK_START or line.strip():  # no copy of most lines
                yield number, line
        if on_progress is not None:
            on_progress(f.tell())


def explain_bad_text(text: str) -> str | None:
    """Why ``text`` cannot be stored (undecodable bytes or NUL), or None if it can."""
    found = _SURROGATE.search(text)
    if found is not None:
        code = ord(found.group())
        if not 0xDC80 <= code <= 0xDCFF:
            return f"contains an unpaired surrogate (U+{code:04X})"
        byte = code - 0xDC00
        return (
            f"not UTF-8 text (byte 0x{byte:02x} at character {found.start() + 1}); "
            "the file looks like cp1250/latin-1: convert it to UTF-8 "
            "(e.g. iconv -f cp1250 -t utf-8)"
        )
    if "\x00" in text:
        return "contains a NUL character"
    return None


def file_time(path: Path) -> datetime:
    """The file's modification time, UTC, to the microsecond.

    Not cut to the second: two readings written within one second (a dump refreshed by a
    script, two exports copied together) are two snapshots, not one silently dropped.
    """
    ns = os.stat(path).st_mtime_ns
    return datetime.fromtimestamp(ns // 10**9, UTC).replace(microsecond=ns // 1000 % 10**6)


def reject(path: Path | str, location: str, reason: str, payload: Any = "") -> Rejected:
    """A :class:`Rejected` for a record of ``path`` (a file, or a live source such as
    ``telegram:<channel id>``); the payload is cut to a readable size."""
    if not isinstance(payload, str):
        try:
            payload = orjson.dumps(payload, option=orjson.OPT_NON_STR_KEYS).decode()
        except TypeError:
            payload = repr(payload)
    payload = payload[:PAYLOAD_CHARS].encode("utf-8", "replace").decode("utf-8")
    return Rejected(str(path), location[:128], reason, payload)


# -- checking -------------------------------------------------------------------------


def parse_time(value: Any, what: str = "date") -> datetime:
    """An aware UTC datetime from ISO 8601 text, Unix seconds or a datetime; naive is UTC."""
    if value is None or value == "":
        raise BadRecord(f"missing {what}")
    if value.__class__ is str and value[-6:] == "+00:00":  # the usual dump: ISO with UTC
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            pass
        else:
            if parsed.tzinfo is UTC:
                return parsed
    try:
        if isinstance(value, datetime):  # a Message.to_dict() read live, not from a file
            parsed = value
        elif isinstance(value, int | float) and not isinstance(value, bool):
            parsed = datetime.fromtimestamp(value, UTC)
        elif isinstance(value, str):
            text = value.strip()
            if text.isdigit():
                parsed = datetime.fromtimestamp(int(text), UTC)
            else:
                parsed = datetime.fromisoformat(text.replace("Z", "+00:00", 1))
        else:
            raise TypeError
        return utc(parsed)  # OverflowError when UTC leaves years 1-9999
    except (ValueError, TypeError, OverflowError, OSError):
        raise BadRecord(f"{what} {str(value)[:40]!r} is not a date") from None


def check_not_future(value: datetime, what: str, now: datetime) -> datetime:
    """``value`` unless it lies more than :data:`FUTURE_TOLERANCE` after ``now``."""
    if value > now + FUTURE_TOLERANCE:
        raise BadRecord(f"{what} {value.isoformat()} is in the future")
    return value


def check_count(value: Any, what: str) -> int | None:
    """A non-negative integer count, or None when unknown."""
    if value.__class__ is int and 0 <= value <= MAX_COUNT:  # the usual case first; not bool
        return value
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise BadRecord(f"{what} {value!r} is not a count")
    if not isinstance(value, int):
        try:
            value = int(str(value).strip())
        except ValueError:
            raise BadRecord(f"{what} {str(value)[:40]!r} is not a count") from None
    if value < 0:
        raise BadRecord(f"{what} is negative ({value})")
    if value > MAX_COUNT:
        raise BadRecord(f"{what} {value} is over the largest count the store holds ({MAX_COUNT})")
    return value


def check_text(text: Any, what: str = "text") -> str:
    """The post text, checked for length and NUL characters."""
    if text is None:
        return ""
    if not isinstance(text, str):
        raise BadRecord(f"{what} is not a string")
    if len(text) > MAX_TEXT_CHARS:
        raise BadRecord(
            f"{what} is {len(text):,} characters long, over the {MAX_TEXT_CHARS:,} limit"
        )
    problem = explain_bad_text(text)
    if problem is not None:
        raise BadRecord(f"{what} {problem}")
    return text


def required(record: Any, key: str, what: str | None = None) -> Any:
    """``record[key]``, or :class:`BadRecord` naming the missing field."""
    if not isinstance(record, dict):
        raise BadRecord(f"expected an object, found {type(record).__name__}")
    value = record.get(key)
    if value is None or value == "":
        raise BadRecord(f"missing {what or key}")
    return value


def as_list(value: Any, what: str) -> list | tuple:
    """``value`` when it is a JSON array, ``()`` when absent, else :class:`BadRecord`."""
    if value is None:
        return ()
    if not isinstance(value, list | tuple):
        raise BadRecord(f"{what} is a {type(value).__name__}, not a list")
    return value


def check_name(value: Any, what: str) -> str | None:
    """An optional name or id given as text (a number is taken as its digits)."""
    if value is None or value == "":
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if not isinstance(value, str):
        raise BadRecord(f"{what} is a {type(value).__name__}, not a string")
    return check_text(value, what)


# Record field -> store column where the names differ (see narrmon.store.schema).
_COLUMN_OF = {
    "forwarded_from_account": "fwd_account_id",
    "forwarded_from_post": "fwd_post_id",
    "forwarded_from_name": "fwd_name",
}
_CHECKED_ELSEWHERE = {"raw", "text"}  # raw is kept as read; every importer runs check_text
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")  # NUL and unpaired surrogates
_FIELDS: dict[type, list[tuple[str, int | None]]] = {}  # per record type: (field, length)


def _fields_of(record_type: type, table: Any) -> list[tuple[str, int | None]]:
    lengths = {c.name: getattr(c.type, "length", None) for c in table.columns}
    return [
        (name, lengths.get(_COLUMN_OF.get(name, name)))
        for name in record_type.__slots__
        if name not in _CHECKED_ELSEWHERE
    ]


def check_stored(records: list[Record]) -> list[Record]:
    """``records`` if the store can hold every field of them, else :class:`BadRecord`.

    Both backends get the same rules, the stricter ones of PostgreSQL: texts are
    strings without NUL or unpaired surrogates, ids and handles fit their column,
    counts fit a signed 64-bit integer. (The post text is checked by :func:`check_text`.)
    """
    if not _FIELDS:
        from narrmon.store.schema import accounts, metric_snapshots, posts

        tables = {Post: posts, Account: accounts, MetricSnapshot: metric_snapshots}
        _FIELDS.update({kind: _fields_of(kind, table) for kind, table in tables.items()})
    for record in records:
        for name, limit in _FIELDS.get(type(record), ()):
            value = getattr(record, name)
            if value is None:
                continue
            kind = value.__class__  # the usual classes first, without isinstance
            if kind is str:
                if _UNSTORABLE.search(value) or (limit is not None and len(value) > limit):
                    _check_field(value, name, limit)
            elif kind is int:
                if not 0 <= value <= MAX_COUNT:
                    check_count(value, name)
            elif kind is bool or isinstance(value, datetime):
                continue
            elif isinstance(value, tuple):
                for item in value:
                    if item.__class__ is not str or _UNSTORABLE.search(item):
                        _check_field(item, name, None)
            elif isinstance(value, dict):
                for key, count in value.items():
                    if key.__class__ is not str or _UNSTORABLE.search(key):
                        _check_field(key, name, None)
                    if count.__class__ is not int or not 0 <= count <= MAX_COUNT:
                        check_count(count, f"{name}[{key!r}]")
            else:
                _check_field(value, name, limit)
    return records


def _check_field(value: Any, name: str, limit: int | None) -> None:
    """:class:`BadRecord` when ``value`` is not a string the store can hold in ``limit``."""
    if not isinstance(value, str):
        raise BadRecord(f"{name} is a {type(value).__name__}, not a string")
    problem = explain_bad_text(value)
    if problem is not None:
        raise BadRecord(f"{name} {problem}")
    if limit is not None and len(value) > limit:
        raise BadRecord(f"{name} is {len(value):,} characters long, over the store's {limit}")
