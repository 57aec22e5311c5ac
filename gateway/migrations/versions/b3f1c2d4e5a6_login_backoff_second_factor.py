"""login back-off shared by replicas, second factor (TOTP, recovery codes), pending sessions

Revision ID: b3f1c2d4e5a6
Revises: 1a9211aa50f6
Create Date: 2026-12-02 14:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "b3f1c2d4e5a6"
down_revision: str | None = "1a9211aa50f6"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ALTER TABLE, not a batch copy: on SQLite a batch recreates ``accounts``, which the
    # sessions, activations and audit rows reference with foreign keys enforced (SQLite >= 3.35
    # drops a column in place).
    op.drop_column("accounts", "failed_logins")
    op.drop_column("accounts", "locked_until")
    op.add_column(
        "accounts",
        sa.Column(
            "totp_secret", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False, server_default=""
        ),
    )
    op.add_column("accounts", sa.Column("totp_confirm_time", sa.DateTime(timezone=True), nullable=True))
    op.add_column("accounts", sa.Column("totp_last_step", sa.Integer(), nullable=False, server_default="0"))
    op.add_column(
        "sessions",
        sa.Column("second_factor_pending", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.add_column(
        "sessions", sa.Column("second_factor_failures", sa.Integer(), nullable=False, server_default="0")
    )
    op.create_table(
        "recovery_codes",
        sa.Column("code_sha256", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("used_time", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"]),
        sa.PrimaryKeyConstraint("code_sha256"),
    )
    with op.batch_alter_table("recovery_codes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_recovery_codes_account_id"), ["account_id"], unique=False)
    op.create_table(
        "login_throttle",
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("window_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("blocked_until", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("key"),
    )


def downgrade() -> None:
    op.drop_table("login_throttle")
    with op.batch_alter_table("recovery_codes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_recovery_codes_account_id"))
    op.drop_table("recovery_codes")
    op.drop_column("sessions", "second_factor_failures")
    op.drop_column("sessions", "second_factor_pending")
    op.drop_column("accounts", "totp_last_step")
    op.drop_column("accounts", "totp_confirm_time")
    op.drop_column("accounts", "totp_secret")
    op.add_column("accounts", sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True))
    op.add_column("accounts", sa.Column("failed_logins", sa.Integer(), nullable=False, server_default="0"))
