"""labels follow the text

A post whose text changes (an edit seen on re-import or re-collection) loses its
``classifications`` and ``post_labels`` rows of every model version, so the next
``narrmon classify`` labels the new text instead of keeping the old text's labels.
A row trigger on both backends, fired only when the text really differs; it deletes
classifications before labels, the order the classifier writes them in, so an import
and a classify at once wait for each other rather than deadlock.

Revision ID: 0004
Revises: 0003
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TRIGGER = "trg_labels_follow_text"
FUNCTION = "narrmon_forget_labels"
_DELETES = (
    "DELETE FROM classifications WHERE platform = OLD.platform AND post_id = OLD.post_id; "
    "DELETE FROM post_labels WHERE platform = OLD.platform AND post_id = OLD.post_id;"
)


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            f"CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$ "
            f"BEGIN {_DELETES} RETURN NULL; END $$"
        )
        op.execute(
            f"CREATE TRIGGER {TRIGGER} AFTER UPDATE OF text ON posts FOR EACH ROW "
            f"WHEN (OLD.text IS DISTINCT FROM NEW.text) EXECUTE FUNCTION {FUNCTION}()"
        )
        return
    op.execute(
        f"CREATE TRIGGER {TRIGGER} AFTER UPDATE OF text ON posts FOR EACH ROW "
        f"WHEN NEW.text IS NOT OLD.text BEGIN {_DELETES} END"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP TRIGGER IF EXISTS {TRIGGER} ON posts")
        op.execute(f"DROP FUNCTION IF EXISTS {FUNCTION}()")
        return
    op.execute(f"DROP TRIGGER IF EXISTS {TRIGGER}")
