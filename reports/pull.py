"""Analyst pulls: one row per post with its fields, latest metrics, labels and scores.

:func:`pull_frame` runs the query and returns a pandas DataFrame whose columns are
:data:`COLUMNS` (documented in ``docs/pull.md``); :func:`write_pull` writes it as CSV
(UTF-8, optionally with a BOM for Excel), Parquet, XLSX or JSON Lines, and
:func:`read_pull` reads such a file back with the documented types.

Filters: ``since``/``until`` bound ``created_at`` (a date-only ``until`` includes that
whole UTC day); ``labels`` keeps posts the model assigned one of those labels;
``min_score`` keeps posts scoring at least that for one of ``labels`` (or of any label
when none is given), whether or not the label was assigned.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import Connection, func, or_, select

from narrmon.errors import InputError
from narrmon.records import LABELS, METRIC_FIELDS
from narrmon.safe_text import from_spreadsheet_cell, spreadsheet_cell
from narrmon.store import schema
from narrmon.store.schema import BIGINT_MAX
from narrmon.store.signatures import cluster_sizes, clusters_of
from reports.data import NO_MODEL, PostRow, load_accounts, load_window

FORMATS = ("csv", "parquet", "xlsx", "jsonl")
XLSX_SHEET = "posts"
XLSX_CELL_CHARS = 32_767  # the most characters an Excel cell holds
XLSX_CUT_MARK = " […cut: the full text has {n:,} characters]"
# (column, type, meaning); types: str, int, float, bool, time (UTC).
COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("platform", "str", "telegram or x"),
    ("post_id", "str", "post id, unique per platform (Telegram: <channel id>/<message id>)"),
    ("url", "str", "link to the post"),
    ("created_at", "time", "when the post was published (UTC)"),
    ("account_id", "str", "id of the posting channel/account"),
    ("account_handle", "str", "its @handle, without @"),
    ("account_title", "str", "its display name"),
    ("account_followers", "int", "its subscribers/followers, latest known"),
    ("account_followers_at", "time", "when that follower count was read (UTC)"),
    ("text", "str", "full post text, original script"),
    ("lang", "str", "language (as collected, else as detected by the classifier)"),
    (
        "script",
        "str",
        "cyrl (Cyrillic), latn (Latin), mixed (both scripts), none (no letters); "
        "as collected, else as detected; empty: no letters and not classified",
    ),
    ("reply_to", "str", "id of the post replied to"),
    ("fwd_account_id", "str", "Telegram: channel the message was forwarded from"),
    ("fwd_post_id", "str", "Telegram: original message id"),
    ("fwd_name", "str", "Telegram: name of the forward source when its id is hidden"),
    ("quoted_id", "str", "X: id of the quoted post"),
    ("reposted_id", "str", "X: id of the reposted post"),
    ("hashtags", "str", "hashtags, separated by spaces"),
    ("mentions", "str", "mentioned accounts, separated by spaces"),
    ("links", "str", "links in the post, separated by spaces"),
    ("has_media", "bool", "the post has a photo, video or document"),
    ("edited_at", "time", "last edit (UTC)"),
    ("deleted_at", "time", "when the post was first found deleted (UTC)"),
    ("source", "str", "how it was collected (importer or collector)"),
    ("collected_at", "time", "when it was first collected (UTC)"),
    ("snapshot_at", "time", "time of the latest metric snapshot (UTC); metrics below are from it"),
    ("snapshots", "int", "metric snapshots stored for the post"),
    ("views", "int", "Telegram: views; X: impressions (latest snapshot, raw field)"),
    ("forwards", "int", "Telegram forwards"),
    ("replies", "int", "replies"),
    ("reactions", "int", "Telegram reactions, all emoji"),
    ("likes", "int", "X likes"),
    ("reposts", "int", "X reposts"),
    ("quotes", "int", "X quotes"),
    ("bookmarks", "int", "X bookmarks"),
    ("impressions", "int", "X impressions"),
    ("reach_views", "int", "views by the report definition: Telegram views, X impressions"),
    ("engagement", "int", "Telegram forwards+replies+reactions; X reposts+quotes+replies+likes"),
    ("labels", "str", "narratives the model assigned, separated by spaces"),
    *((f"score_{label}", "float", f"model probability for {label}") for label in LABELS),
    ("in_scope", "bool", "the classifier judged the post in scope (BCMS language)"),
    ("model_version", "str", "model version of labels and scores (empty: not classified)"),
    ("cluster_id", "str", "near-duplicate cluster of the post (empty: none; see coordination)"),
    ("cluster_accounts", "int", "distinct accounts that posted in that cluster"),
)
COLUMN_NAMES = tuple(name for name, _, _ in COLUMNS)
STRING_COLUMNS = tuple(name for name, kind, _ in COLUMNS if kind == "str")
# Text columns that are "" rather than empty (CSV cannot tell "" from a missing value).
NEVER_NULL = frozenset({"text", "hashtags", "mentions", "links", "labels", "model_version"})


@dataclass(frozen=True)
class PullQuery:
    """What to pull. Lists are "any of"; None means no filter."""

    since: datetime
    until: datetime
    labels: tuple[str, ...] = ()
    platforms: tuple[str, ...] = ()
    accounts: tuple[str, ...] = ()  # account ids or handles (with or without @)
    langs: tuple[str, ...] = ()
    scripts: tuple[str, ...] = ()
    min_score: float | None = None


def parse_bound(value: str | date | datetime, *, end: bool) -> datetime:
    """A window bound: a datetime as given (UTC), a date as its start (or, for ``end``, its end)."""
    if isinstance(value, str):
        text = value.strip()
        try:
            value = date.fromisoformat(text) if len(text) == 10 else datetime.fromisoformat(text)
        except ValueError:
            raise InputError(
                f"not a date or time: {value!r} (use YYYY-MM-DD or ISO 8601)"
            ) from None
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    start = datetime(value.year, value.month, value.day, tzinfo=UTC)
    return start + timedelta(days=1) if end else start


def make_query(
    since: str | date | datetime,
    until: str | date | datetime,
    *,
    labels: Iterable[str] | str | None = None,
    platforms: Iterable[str] | str | None = None,
    accounts: Iterable[str] | str | None = None,
    langs: Iterable[str] | str | None = None,
    scripts: Iterable[str] | str | None = None,
    min_score: float | None = None,
) -> PullQuery:
    """A checked :class:`PullQuery` from loose arguments (a string or a list each)."""

    def many(value: Iterable[str] | str | None) -> tuple[str, ...]:
        if value is None:
            return ()
        return (value,) if isinstance(value, str) else tuple(value)

    query = PullQuery(
        parse_bound(since, end=False),
        parse_bound(until, end=True),
        many(labels),
        many(platforms),
        tuple(a.lstrip("@") for a in many(accounts)),
        many(langs),
        many(scripts),
        min_score,
    )
    unknown = [label for label in query.labels if label not in LABELS]
    if unknown:
        raise InputError(f"unknown label(s) {', '.join(unknown)}; known: {', '.join(LABELS)}")
    if query.until <= query.since:
        raise InputError(f"empty window: until ({query.until}) is not after since ({query.since})")
    if min_score is not None and not 0.0 <= min_score <= 1.0:
        raise InputError(f"--min-score must be between 0 and 1, got {min_score}")
    return query


def _sql_filters(conn: Connection, q: PullQuery) -> list[Any]:
    p, a = schema.posts, schema.accounts
    where: list[Any] = []
    if q.platforms:
        where.append(p.c.platform.in_(q.platforms))
    if q.accounts:
        lowered = [x.lower() for x in q.accounts]
        by_handle = select(a.c.account_id).where(func.lower(a.c.handle).in_(lowered))
        where.append(or_(p.c.account_id.in_(q.accounts), p.c.account_id.in_(by_handle)))
    return where


def _classifications(conn: Connection, q: PullQuery, version: str, where: list[Any]) -> dict:
    if version == NO_MODEL:
        return {}
    c, p = schema.classifications, schema.posts
    join = c.join(p, (p.c.platform == c.c.platform) & (p.c.post_id == c.c.post_id))
    stmt = (
        select(c.c.platform, c.c.post_id, c.c.in_scope, c.c.lang, c.c.script, c.c.scores)
        .select_from(join)
        .where(
            p.c.created_at >= q.since,
            p.c.created_at < q.until,
            c.c.model_version == version,
            *where,
        )
    )
    return {(r[0], r[1]): r for r in conn.execute(stmt)}


def _keep(row: dict[str, Any], q: PullQuery) -> bool:
    if q.langs and row["lang"] not in q.langs:
        return False
    if q.scripts and row["script"] not in q.scripts:
        return False
    wanted = q.labels or LABELS
    if q.min_score is not None:
        scores = [row[f"score_{label}"] for label in wanted]
        return any(s is not None and not math.isnan(s) and s >= q.min_score for s in scores)
    if q.labels:
        return bool(set(row["labels"].split()) & set(q.labels))
    return True


def _row(r: PostRow, cls: Any, account: dict[str, Any], version: str) -> dict[str, Any]:
    p, snap = r.post, r.latest or {}
    scores = orjson.loads(cls[5]) if cls is not None and cls[5] else {}
    scores = {**scores, **r.labels}  # assigned labels' own scores when scores are missing
    joined = {
        k: " ".join(orjson.loads(p[k]) if p[k] else []) for k in ("hashtags", "mentions", "links")
    }
    return {
        **{k: p[k] for k in ("platform", "post_id", "url", "created_at", "account_id")},
        "account_handle": account.get("handle"),
        "account_title": account.get("title"),
        "account_followers": account.get("followers"),
        "account_followers_at": account.get("followers_at"),
        "text": p["text"],
        "lang": p["lang"] or (cls[3] if cls is not None else None),
        "script": p["script"] or (cls[4] if cls is not None else None),
        **{k: p[k] for k in ("reply_to", "fwd_account_id", "fwd_post_id", "fwd_name")},
        **{k: p[k] for k in ("quoted_id", "reposted_id")},
        **joined,
        **{k: p[k] for k in ("has_media", "edited_at", "deleted_at", "source", "collected_at")},
        "snapshot_at": r.snapshot_at,
        "snapshots": len(r.snapshots),
        **{m: snap.get(m) for m in METRIC_FIELDS},
        "reach_views": r.views,
        "engagement": r.engagement,
        "labels": " ".join(label for label in LABELS if label in r.labels),
        **{f"score_{label}": scores.get(label) for label in LABELS},
        "in_scope": bool(cls[2]) if cls is not None else None,
        "model_version": version if (cls is not None or r.labels) else "",
    }


def pull_frame(conn: Connection, q: PullQuery, version: str) -> Any:
    """The posts ``q`` selects, one row each, as a DataFrame with the documented columns."""
    where = _sql_filters(conn, q)
    rows = load_window(conn, q.since, q.until, version, where=where)
    cls = _classifications(conn, q, version, where)
    accounts = load_accounts(conn, {(r.post["platform"], r.post["account_id"]) for r in rows})
    clusters = clusters_of(conn, q.since, q.until)
    sizes = cluster_sizes(conn, {cid for cid, _ in clusters.values()})
    records = []
    for r in rows:
        rec = _row(
            r,
            cls.get(r.key),
            accounts.get((r.post["platform"], r.post["account_id"])) or {},
            version,
        )
        cluster = clusters.get(r.key)
        rec["cluster_id"] = cluster[0] if cluster else None
        rec["cluster_accounts"] = sizes[cluster[0]][1] if cluster else None
        if _keep(rec, q):
            records.append(rec)
    return typed_frame(records)


def typed_frame(records: Sequence[dict[str, Any]] | Any) -> Any:
    """A DataFrame of ``records`` (or a frame) with exactly the documented columns and types.

    Counts are kept exact (never through a float) and capped at the store's bigint
    maximum, the largest a pandas ``Int64`` holds (a sum such as ``engagement`` can pass it).
    """
    import pandas as pd

    if isinstance(records, pd.DataFrame):
        given = records.reindex(columns=list(COLUMN_NAMES)).reset_index(drop=True)
        columns = {name: given[name] for name in COLUMN_NAMES}
    else:
        rows = list(records)
        columns = {
            name: pd.Series([r.get(name) for r in rows], dtype=object) for name in COLUMN_NAMES
        }
    for name, kind, _ in COLUMNS:
        col = columns[name]
        if kind == "time":
            col = pd.to_datetime(col, utc=True, format="ISO8601").astype("datetime64[us, UTC]")
        elif kind == "int":
            col = _int_column(col)
        elif kind == "float":
            col = pd.to_numeric(col).astype("Float64")
        elif kind == "bool":
            col = col.map(_as_bool, na_action="ignore").astype("boolean")
        else:
            col = col.astype("string")
            if name in NEVER_NULL:
                col = col.fillna("")
        columns[name] = col
    return pd.DataFrame(columns)


def _int_column(col: Any) -> Any:
    """An ``Int64`` column; values are converted one by one unless already integers."""
    import pandas as pd

    if pd.api.types.is_integer_dtype(col.dtype):
        return col.astype("Int64")
    values = [None if _missing(v) else max(-BIGINT_MAX - 1, min(int(v), BIGINT_MAX)) for v in col]
    return pd.Series(pd.array(values, dtype="Int64"), index=col.index)


def _missing(value: Any) -> bool:
    import pandas as pd

    return value is None or (isinstance(value, str) and not value.strip()) or bool(pd.isna(value))


def _as_bool(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1", "yes")
    return bool(value)


def suffix_mismatch(path: Path, fmt: str) -> str | None:
    """Why ``path`` is the wrong name for a ``fmt`` file (it ends in another format), or None."""
    suffix = path.suffix.lstrip(".").lower()
    if suffix in FORMATS and suffix != fmt:
        return (
            f"{path} ends in .{suffix} but the format is {fmt}: "
            f"name it {path.with_suffix('.' + fmt)} or choose the format {suffix}"
        )
    return None


def write_pull(frame: Any, path: Path, fmt: str, *, bom: bool = False) -> Path:
    """Write a pull in ``fmt`` (csv, parquet, xlsx, jsonl); times stay UTC.

    CSV and XLSX text cells are spreadsheet-safe (:func:`narrmon.safe_text.spreadsheet_cell`);
    XLSX texts longer than Excel's cell limit are cut with a marker, and a
    :class:`CutTextWarning` says how many.
    """
    if fmt not in FORMATS:
        raise InputError(f"unknown format {fmt!r}; use one of: {', '.join(FORMATS)}")
    if mismatch := suffix_mismatch(path, fmt):
        raise InputError(mismatch)
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "csv":
        out = frame.copy()
        for name in STRING_COLUMNS:
            out[name] = out[name].map(spreadsheet_cell, na_action="ignore")
        # CRLF rows: a lone CR inside a text is then quoted, and reads back as itself.
        out.to_csv(
            path, index=False, encoding="utf-8-sig" if bom else "utf-8", lineterminator="\r\n"
        )
    elif fmt == "parquet":
        frame.to_parquet(path, index=False)
    elif fmt == "jsonl":
        frame.to_json(
            path,
            orient="records",
            lines=True,
            force_ascii=False,
            date_format="iso",
            date_unit="us",
            double_precision=15,
        )
    else:
        from reports.pull_xlsx import write_xlsx

        cut = write_xlsx(frame, path)
        if cut:
            warnings.warn(CutTextWarning(cut, path), stacklevel=2)
    return path


class CutTextWarning(UserWarning):
    """Some texts were longer than an XLSX cell holds and were cut (each says so)."""

    def __init__(self, cut: int, path: Path) -> None:
        self.cut = cut
        super().__init__(
            f"{cut:,} text(s) longer than Excel's {XLSX_CELL_CHARS:,}-character cell limit "
            f'were cut in {path}, each ending "[…cut: the full text has N characters]"; '
            "the csv, parquet and jsonl formats keep them whole"
        )


def read_pull(path: str | Path, fmt: str | None = None) -> Any:
    """Read a pull file back into a DataFrame with the documented types."""
    import pandas as pd

    path = Path(path)
    fmt = fmt or path.suffix.lstrip(".").lower()
    strings = {name: "string" for name, kind, _ in COLUMNS if kind in ("str", "int")}
    if fmt == "csv":
        frame = pd.read_csv(
            path, encoding="utf-8-sig", dtype=strings, keep_default_na=False, na_values=[""]
        )
    elif fmt == "parquet":
        return typed_frame(pd.read_parquet(path))
    elif fmt == "jsonl":
        with path.open("rb") as lines:
            return typed_frame([orjson.loads(line) for line in lines if line.strip()])
    elif fmt == "xlsx":
        frame = pd.read_excel(path, sheet_name=XLSX_SHEET, dtype=strings, engine="openpyxl")
    else:
        raise InputError(f"unknown format {fmt!r}; use one of: {', '.join(FORMATS)}")
    for name in STRING_COLUMNS:
        frame[name] = frame[name].map(from_spreadsheet_cell, na_action="ignore")
    return typed_frame(frame)
