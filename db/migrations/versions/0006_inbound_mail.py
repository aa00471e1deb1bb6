"""Replies by e-mail (issue 14): inbound_message (the raw message first, deduplicated by
Message-ID) and inbound_attachment; response.via ("mail"); outbox by message_id, for the
reply or bounce that names one of our messages.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "inbound_message",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.String(300), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("raw", sa.LargeBinary(), nullable=False),
        sa.Column("sender", sa.String(254), nullable=False),
        sa.Column("subject", sa.String(300), nullable=False),
        sa.Column("recipient", sa.String(254), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("reply", sa.Text(), nullable=False),
        sa.Column("link_id", sa.Integer(), sa.ForeignKey(
            "reply_link.id", name="fk_inbound_message_link_id_reply_link"), nullable=True),
        sa.Column("contact_id", sa.Integer(), sa.ForeignKey(
            "contact.id", name="fk_inbound_message_contact_id_contact"), nullable=True),
        sa.Column("meeting_id", sa.Integer(), sa.ForeignKey(
            "meeting.id", name="fk_inbound_message_meeting_id_meeting"), nullable=True),
        sa.Column("state", sa.Enum("received", "applied", "waiting", "ignored",
                                   name="inboundstate", native_enum=False, length=20),
                  nullable=False),
        sa.Column("reason", sa.String(30), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("item_ids", sa.Text(), nullable=False),
        sa.Column("handled_by", sa.String(100), nullable=True),
        sa.Column("handled_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_inbound_message"),
        sa.UniqueConstraint("message_id", name="uq_inbound_message_message_id"),
    )
    op.create_index("ix_inbound_message_state", "inbound_message", ["state", "id"])
    op.create_table(
        "inbound_attachment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.Integer(), sa.ForeignKey(
            "inbound_message.id", name="fk_inbound_attachment_message_id_inbound_message"),
            nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("content_type", sa.String(100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("refused", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_inbound_attachment"),
    )
    op.create_index("ix_inbound_attachment_message", "inbound_attachment", ["message_id"])
    with op.batch_alter_table("response") as batch:
        batch.add_column(sa.Column("via", sa.String(20), nullable=True))
    op.create_index("ix_outbox_message_id", "outbox", ["message_id"])


def downgrade() -> None:
    op.drop_index("ix_outbox_message_id", table_name="outbox")
    with op.batch_alter_table("response") as batch:
        batch.drop_column("via")
    op.drop_index("ix_inbound_attachment_message", table_name="inbound_attachment")
    op.drop_table("inbound_attachment")
    op.drop_index("ix_inbound_message_state", table_name="inbound_message")
    op.drop_table("inbound_message")
