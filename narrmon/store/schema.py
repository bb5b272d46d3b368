"""Tables of the narrmon store (SQLAlchemy Core); Alembic migrations create them.

Natural keys make every load idempotent: a post is ``(platform, post_id)``, an account
``(platform, account_id)``, a snapshot ``(platform, post_id, captured_at)``.
Times are stored as UTC; :class:`UTCDateTime` hands them back timezone-aware.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.types import TypeDecorator

BIGINT_MAX = 2**63 - 1  # the largest count a BIGINT column holds (SQLite INTEGER alike)

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "pk": "pk_%(table_name)s",
    }
)


class UTCDateTime(TypeDecorator):
    """A datetime stored as UTC and always read back timezone-aware."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


accounts = Table(
    "accounts",
    metadata,
    Column("platform", String(16), primary_key=True),
    Column("account_id", String(64), primary_key=True),
    Column("handle", String(128)),
    Column("title", Text),
    Column("followers", BigInteger),
    Column("followers_at", UTCDateTime),
    Column("kind", String(32)),
    Column("access_hash", BigInteger),  # Telegram: cached so channels resolve once
    Column("first_seen_at", UTCDateTime),
    Column("updated_at", UTCDateTime),
    Column("raw", Text),
)
Index("ix_accounts_handle", accounts.c.platform, accounts.c.handle)

posts = Table(
    "posts",
    metadata,
    Column("platform", String(16), primary_key=True),
    Column("post_id", String(96), primary_key=True),
    Column("account_id", String(64), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("text", Text, nullable=False, default=""),
    Column("url", Text),
    Column("reply_to", String(96)),
    Column("fwd_account_id", String(64)),
    Column("fwd_post_id", String(96)),
    Column("fwd_name", Text),
    Column("quoted_id", String(96)),
    Column("reposted_id", String(96)),
    Column("hashtags", Text),  # JSON list
    Column("mentions", Text),  # JSON list
    Column("links", Text),  # JSON list
    Column("has_media", Boolean, nullable=False, default=False),
    Column("edited_at", UTCDateTime),
    Column("lang", String(16)),
    Column("script", String(8)),
    Column("source", String(32), nullable=False),
    Column("collected_at", UTCDateTime),
    Column("deleted_at", UTCDateTime),  # first time the post was found missing
    Column("content_hash", String(32), nullable=False),
    Column("raw", Text),
)
Index("ix_posts_created_at", posts.c.created_at)
Index("ix_posts_account", posts.c.platform, posts.c.account_id, posts.c.created_at)

metric_snapshots = Table(
    "metric_snapshots",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("platform", String(16), nullable=False),
    Column("post_id", String(96), nullable=False),
    Column("captured_at", UTCDateTime, nullable=False),
    Column("views", BigInteger),
    Column("forwards", BigInteger),
    Column("replies", BigInteger),
    Column("reactions", BigInteger),
    Column("reactions_by_emoji", Text),  # JSON object emoji -> count
    Column("likes", BigInteger),
    Column("reposts", BigInteger),
    Column("quotes", BigInteger),
    Column("bookmarks", BigInteger),
    Column("impressions", BigInteger),
    UniqueConstraint("platform", "post_id", "captured_at"),
)
Index("ix_metric_snapshots_captured_at", metric_snapshots.c.captured_at)

cursors = Table(
    "cursors",
    metadata,
    Column("platform", String(16), primary_key=True),
    Column("source_key", String(256), primary_key=True),  # "channel:123", "query:<q>"
    Column("position", String(64)),  # last message id / since_id
    Column("deferred_until", UTCDateTime),
    Column("note", Text),
    Column("updated_at", UTCDateTime),
)

quarantine = Table(
    "quarantine",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("source", String(32), nullable=False),
    Column("file", Text, nullable=False),
    Column("location", String(128), nullable=False),
    Column("reason", Text, nullable=False),
    Column("payload", Text),
    Column("payload_hash", String(32), nullable=False),
    Column("import_run_id", Integer),
    Column("created_at", UTCDateTime, nullable=False),
    UniqueConstraint("file", "location", "payload_hash"),
)

import_runs = Table(
    "import_runs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(32), nullable=False),
    Column("path", Text, nullable=False),
    Column("started_at", UTCDateTime, nullable=False),
    Column("finished_at", UTCDateTime),
    Column("status", String(16), nullable=False),  # running, ok, failed
    Column("imported", Integer, nullable=False, default=0),
    Column("updated", Integer, nullable=False, default=0),
    Column("unchanged", Integer, nullable=False, default=0),
    Column("snapshots", Integer, nullable=False, default=0),
    Column("skipped", Integer, nullable=False, default=0),
    Column("quarantined", Integer, nullable=False, default=0),
    Column("detail", Text),  # JSON: skipped reasons, error
)

# Classifier output: one row per (post, model version, label) the model assigned.
post_labels = Table(
    "post_labels",
    metadata,
    Column("platform", String(16), primary_key=True),
    Column("post_id", String(96), primary_key=True),
    Column("model_version", String(64), primary_key=True),
    Column("label", String(32), primary_key=True),
    Column("score", Float, nullable=False),
    Column("explanation", Text),  # JSON list of top n-grams
)
Index("ix_post_labels_label", post_labels.c.label, post_labels.c.model_version)

# Which posts a model version has seen (with or without labels), and its scores.
classifications = Table(
    "classifications",
    metadata,
    Column("platform", String(16), primary_key=True),
    Column("post_id", String(96), primary_key=True),
    Column("model_version", String(64), primary_key=True),
    Column("in_scope", Boolean, nullable=False),
    Column("lang", String(16)),
    Column("script", String(8)),
    Column("scores", Text),  # JSON object label -> probability
    Column("classified_at", UTCDateTime, nullable=False),
)
Index("ix_classifications_model", classifications.c.model_version)

# Analysts' answers: the labels a person gave a text; the latest answer wins.
annotations = Table(
    "annotations",
    metadata,
    Column("text_hash", String(32), primary_key=True),
    Column("text", Text, nullable=False),
    Column("labels", Text, nullable=False),  # JSON list
    Column("platform", String(16)),
    Column("post_id", String(96)),
    Column("source", Text),
    Column("annotated_at", UTCDateTime, nullable=False),
)

# -- live collection state (migration 0002) ---------------------------------------------
# posts.first_msg_id/last_msg_id: the Telegram message ids an album post covers.
# cursors.resume: JSON state of an unfinished newest-first walk (X), resumed next run.
posts.append_column(Column("first_msg_id", BigInteger))
posts.append_column(Column("last_msg_id", BigInteger))
cursors.append_column(Column("resume", Text))

# -- report rollups (migration 0003) -----------------------------------------------------
# Per UTC day, label, platform and account, for one model version ("" before any model):
# the figures reports read, so a report never rescans the posts. ``label`` "_all" counts
# every post whatever its labels. Views/engagement sum the posts whose latest snapshot
# knows them; ``views_known``/``engagement_known`` say how many posts that is.
rollup_daily = Table(
    "rollup_daily",
    metadata,
    Column("model_version", String(64), primary_key=True),
    Column("day", Date, primary_key=True),
    Column("label", String(32), primary_key=True),
    Column("platform", String(16), primary_key=True),
    Column("account_id", String(64), primary_key=True),
    Column("posts", Integer, nullable=False),
    Column("views", BigInteger, nullable=False),
    Column("views_known", Integer, nullable=False),
    Column("engagement", BigInteger, nullable=False),
    Column("engagement_known", Integer, nullable=False),
    Column("followers", BigInteger),  # the account's followers when the day was rolled up
    Column("snapshot_at", UTCDateTime),  # newest snapshot behind these figures
)
Index(
    "ix_rollup_daily_account",
    rollup_daily.c.model_version,
    rollup_daily.c.label,
    rollup_daily.c.platform,
    rollup_daily.c.account_id,
    rollup_daily.c.day,
)

# How the reach of one day's posts grew: figures as of the end of each later UTC day.
rollup_growth = Table(
    "rollup_growth",
    metadata,
    Column("model_version", String(64), primary_key=True),
    Column("day", Date, primary_key=True),
    Column("label", String(32), primary_key=True),
    Column("platform", String(16), primary_key=True),
    Column("as_of", Date, primary_key=True),
    Column("posts", Integer, nullable=False),  # posts with a snapshot by the end of as_of
    Column("views", BigInteger, nullable=False),
    Column("views_known", Integer, nullable=False),
    Column("engagement", BigInteger, nullable=False),
    Column("engagement_known", Integer, nullable=False),
)

# Which days are rolled up for a model version; ``stale`` days are recomputed next run.
rollup_days = Table(
    "rollup_days",
    metadata,
    Column("model_version", String(64), primary_key=True),
    Column("day", Date, primary_key=True),
    Column("posts", Integer, nullable=False),
    Column("stale", Boolean, nullable=False, default=False),
    Column("computed_at", UTCDateTime, nullable=False),
)

# Days touched since the last rollup. Database triggers (see migration 0003) append a row
# whenever a post, a metric snapshot or a label is written, in the writer's transaction;
# a rollup run reads the rows, recomputes those days and deletes exactly the rows it read.
rollup_changes = Table(
    "rollup_changes",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("day", Date, nullable=False),
)
Index("ix_rollup_changes_day", rollup_changes.c.day)
# The newest model version is the one whose classifications are newest.
Index("ix_classifications_classified_at", classifications.c.classified_at)

# -- coordination (migration 0005) -------------------------------------------------------
# The near-duplicate pass's cache: one row per post it has seen, with the MinHash signature
# of its normalised text (NULL when the text is too short to compare), the hash of that
# text (exact copies), the post's content hash when signed (a changed text is signed
# again) and the near-duplicate cluster it belongs to (NULL: none).
post_signatures = Table(
    "post_signatures",
    metadata,
    Column("platform", String(16), primary_key=True),
    Column("post_id", String(96), primary_key=True),
    Column("account_id", String(64), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("content_hash", String(32), nullable=False),
    Column("text_hash", String(32)),
    Column("minhash", LargeBinary),
    Column("cluster_id", String(32)),
    Column("signed_at", UTCDateTime, nullable=False),
)
Index("ix_post_signatures_created_at", post_signatures.c.created_at)
Index("ix_post_signatures_cluster_id", post_signatures.c.cluster_id)
