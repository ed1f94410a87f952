"""One read that tells an idle worker which kinds of work are waiting, so a poll costs one
query (not one per kind) and never takes SQLite's write lock just to find nothing. The
conditions are the claim queries' own."""

from dataclasses import dataclass

from sqlalchemy import Float, bindparam, exists, or_, select

from . import blueprints, crawler_schedules, runs, workflow_runs

_NOW = bindparam("now", type_=Float)

WAITING = select(
    exists().where(blueprints.check_waiting(_NOW)).label("checks"),
    or_(exists().where(workflow_runs.schedule_due(_NOW)), exists().where(crawler_schedules.due(_NOW))).label("schedules"),
    exists().where(workflow_runs.claimable(_NOW)).label("nodes"),
    exists().where(runs.claimable(_NOW)).label("runs"),
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
    return Waiting(*(bool(value) for value in db.prepared(WAITING).one(now=now)))
