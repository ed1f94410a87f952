"""One read that tells an idle worker which kinds of work are waiting, so a poll costs one
query (not one per kind) and never takes SQLite's write lock just to find nothing."""

from dataclasses import dataclass

from sqlalchemy import Float, and_, bindparam, exists, literal_column, or_, select

from .blueprints import CHECK_STATES
from .runs import OPEN_STATES
from .schema import blueprints, node_runs, runs, schedules
from .workflow_runs import OPEN_NODE_STATES

_NOW = bindparam("now", type_=Float)


def _one_of(column, states: tuple[str, ...]):
    # Constants written into the SQL, so the prepared statement takes `now` alone.
    return column.in_([literal_column(f"'{state}'") for state in states])


def _free(table):
    return or_(table.c.claimed_by.is_(None), table.c.lease_until < _NOW)


WAITING = select(
    exists().where(_one_of(blueprints.c.status, CHECK_STATES), _free(blueprints)).label("checks"),
    exists().where(schedules.c.next_fire <= _NOW).label("schedules"),
    exists().where(and_(_one_of(node_runs.c.state, OPEN_NODE_STATES), node_runs.c.due <= _NOW, _free(node_runs))).label("nodes"),
    exists().where(_one_of(runs.c.state, OPEN_STATES), _free(runs)).label("runs"),
)


@dataclass(frozen=True)
class Waiting:
    checks: bool
    schedules: bool
    nodes: bool
    runs: bool

    def __bool__(self) -> bool:
        return self.checks or self.schedules or self.nodes or self.runs


def waiting(db, now: float) -> Waiting:
    return Waiting(*(bool(value) for value in db.point_read(WAITING)(now=now)))
