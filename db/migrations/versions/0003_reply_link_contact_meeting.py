"""reply_link: index on (contact_id, meeting_id), for revoking a contact's links on re-issue.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_reply_link_contact_meeting", "reply_link", ["contact_id", "meeting_id"])


def downgrade() -> None:
    op.drop_index("ix_reply_link_contact_meeting", table_name="reply_link")
