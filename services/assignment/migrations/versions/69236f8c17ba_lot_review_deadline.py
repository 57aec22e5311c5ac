"""lot review deadline

Revision ID: 69236f8c17ba
Revises: c2019e225d3c
Create Date: 2026-11-25 17:34:05.164249
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "69236f8c17ba"
down_revision: str | None = "c2019e225d3c"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("lots", schema=None) as batch_op:
        batch_op.add_column(sa.Column("review_deadline", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("lots", schema=None) as batch_op:
        batch_op.drop_column("review_deadline")
