"""Find a blueprint's open runs without reading all of its runs.

Each run that ends asks, while the blueprint keeps an older definition (it was updated
while runs were open), which definitions its open runs still use; without an index on
(state, blueprint_name) SQLite read every run the blueprint ever had to answer: 2.1 ms
at 20 000 runs, growing with the history, against 0.36 ms.

Revision ID: 0008
Revises: 0007
"""

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_runs_state_blueprint", "runs", ["state", "blueprint_name"])


def downgrade() -> None:
    op.drop_index("ix_runs_state_blueprint", table_name="runs")
