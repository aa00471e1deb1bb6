"""Indexes for sending and replying: item and reply_link by (contact_id, meeting_id), for a
contact's items of a meeting and for revoking their links when a new one is issued; outbox
by (contact_id, kind, id), for the request a reminder threads under.

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
    op.create_index("ix_item_contact_meeting", "item", ["contact_id", "meeting_id"])
    op.create_index("ix_reply_link_contact_meeting", "reply_link", ["contact_id", "meeting_id"])
    op.create_index("ix_outbox_contact_kind", "outbox", ["contact_id", "kind", "id"])


def downgrade() -> None:
    op.drop_index("ix_outbox_contact_kind", table_name="outbox")
    op.drop_index("ix_reply_link_contact_meeting", table_name="reply_link")
    op.drop_index("ix_item_contact_meeting", table_name="item")
