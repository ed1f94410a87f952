"""The conditions that make a row work a worker may take, shared by each claim query and the
idle workers' one read (work.py)."""

from sqlalchemy import literal_column, or_


def one_of(column, states: tuple[str, ...]):
    # The states are constants of the code, written into the SQL: a prepared statement then
    # takes `now` alone (see Database.prepared).
    return column.in_([literal_column(f"'{state}'") for state in states])


def free(table, now):
    """Never claimed, or its worker's lease ran out."""
    return or_(table.c.claimed_by.is_(None), table.c.lease_until < now)
