"""Reply drafts in their own table (private to the department, never numbered), and
per-user session versions and disabling for the console.

Unsubmitted responses of earlier versions move to reply_draft (the newest per item, when
it is newer than the item's latest submission) and leave the response table, so revision
numbers count submissions from now on.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reply_draft",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), sa.ForeignKey("item.id",
                  name="fk_reply_draft_item_id_item"), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(20)),
        sa.Column("reason", sa.Text()),
        sa.Column("planned_on", sa.String(20)),
        sa.Column("saved_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_reply_draft"),
        sa.UniqueConstraint("item_id", name="uq_reply_draft_item_id"),
    )
    with op.batch_alter_table("user_account") as table:
        table.add_column(sa.Column("session_version", sa.Integer(), nullable=False,
                                   server_default="0"))
        table.add_column(sa.Column("disabled_at", sa.DateTime(timezone=True)))
    op.execute("""
        INSERT INTO reply_draft (item_id, text, kind, reason, planned_on, saved_at)
        SELECT r.item_id, r.text, r.kind, r.reason, CAST(r.planned_on AS VARCHAR(20)), r.created_at
        FROM response r
        WHERE r.submitted = false
          AND r.revision = (SELECT MAX(d.revision) FROM response d WHERE d.item_id = r.item_id)
    """)
    op.execute("DELETE FROM response WHERE submitted = false")


def downgrade() -> None:
    with op.batch_alter_table("user_account") as table:
        table.drop_column("disabled_at")
        table.drop_column("session_version")
    op.drop_table("reply_draft")
