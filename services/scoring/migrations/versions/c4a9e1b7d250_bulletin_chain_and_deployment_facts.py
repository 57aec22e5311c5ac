"""bulletin kind, hash chain, signature, pinned runs; deployment facts

Revision ID: c4a9e1b7d250
Revises: f5a57b343800
Create Date: 2026-12-02 14:05:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "c4a9e1b7d250"
down_revision: str | None = "f5a57b343800"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "deployment_facts",
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
        sa.Column("value", sa.JSON(), nullable=False),
        sa.Column("create_time", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    with op.batch_alter_table("bulletins", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "kind", sqlmodel.sql.sqltypes.AutoString(length=20), server_default="monthly", nullable=False
            )
        )
        batch_op.add_column(sa.Column("sequence", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column(
                "previous_sha256",
                sqlmodel.sql.sqltypes.AutoString(length=64),
                server_default="",
                nullable=False,
            )
        )
        batch_op.add_column(sa.Column("signature", sa.LargeBinary(), nullable=True))
        batch_op.add_column(
            sa.Column(
                "key_fingerprint",
                sqlmodel.sql.sqltypes.AutoString(length=80),
                server_default="",
                nullable=False,
            )
        )
        batch_op.add_column(
            sa.Column(
                "document_number",
                sqlmodel.sql.sqltypes.AutoString(length=80),
                server_default="",
                nullable=False,
            )
        )
        batch_op.add_column(sa.Column("consultancy_run", sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column("agency_run", sa.Uuid(), nullable=True))
        batch_op.create_unique_constraint("uq_bulletins_sequence", ["sequence"])


def downgrade() -> None:
    with op.batch_alter_table("bulletins", schema=None) as batch_op:
        batch_op.drop_constraint("uq_bulletins_sequence", type_="unique")
        for column in (
            "agency_run",
            "consultancy_run",
            "document_number",
            "key_fingerprint",
            "signature",
            "previous_sha256",
            "sequence",
            "kind",
        ):
            batch_op.drop_column(column)
    op.drop_table("deployment_facts")
