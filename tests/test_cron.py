"""Every schedule AWS's cron dialect allows has a well-defined next time, or none: never an error."""

from datetime import UTC, datetime

import boto3
import pytest
from botocore.exceptions import ClientError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from glueprint.domain.cron import Cron
from glueprint.domain.schedule import schedule_problem
from glueprint.testing import mock_glue

ROLE = "arn:aws:iam::123456789012:role/Test"
NOW = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)  # a Thursday


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("cron(23 7 3 12 ? 2026)", None),  # its one time has passed
        ("cron(0 0 1 1 ? 2020)", None),
        ("cron(0 0 31 2 ? *)", None),  # no February has a 31st
        ("cron(0 0 ? 2 MON#5 *)", datetime(2044, 2, 29, tzinfo=UTC)),  # the next February with five Mondays
        ("cron(0 0 LW 2 ? *)", datetime(2027, 2, 26, tzinfo=UTC)),  # 28 Feb 2027 is a Sunday
        ("cron(0 0 31 * ? *)", datetime(2026, 12, 31, tzinfo=UTC)),
        ("cron(0 10 *-5 * ? *)", datetime(2026, 12, 3, 10, tzinfo=UTC)),
        ("cron(0/15,7 10 * * ? *)", datetime(2026, 12, 3, 10, tzinfo=UTC)),
        ("cron(0 10 ? * FRI-MON *)", datetime(2026, 12, 4, 10, tzinfo=UTC)),  # a range that wraps
        ("cron(0 10 ? jan-mar * *)", datetime(2027, 1, 1, 10, tzinfo=UTC)),
        ("cron(0 0 ? * L *)", datetime(2026, 12, 5, tzinfo=UTC)),  # L alone: Saturday
        ("cron(0 0 ? * 3L *)", datetime(2026, 12, 29, tzinfo=UTC)),  # the month's last Tuesday
        ("cron(0 12 ? * 6#3 *)", datetime(2026, 12, 18, 12, tzinfo=UTC)),
        ("cron(0 0 1W * ? *)", datetime(2027, 1, 1, tzinfo=UTC)),
        ("cron(0 0 5W * ? 2027)", datetime(2027, 1, 5, tzinfo=UTC)),
        ("cron(0 0 2W 1 ? 2027)", datetime(2027, 1, 1, tzinfo=UTC)),  # Saturday the 2nd: Friday the 1st
        ("cron(0 0 L 2 ? 2028)", datetime(2028, 2, 29, tzinfo=UTC)),
    ],
)
def test_the_next_time_of_an_expression(expression, expected):
    assert schedule_problem(expression) is None
    assert Cron.parse(expression).next_after(NOW) == expected


def test_the_next_time_is_strictly_after_the_moment():
    at_ten = datetime(2026, 12, 3, 10, tzinfo=UTC)
    assert Cron.parse("cron(0 10 * * ? *)").next_after(at_ten) == datetime(2026, 12, 4, 10, tzinfo=UTC)


def _value(low, high, names=()):
    numbers = st.integers(low, high).flatmap(lambda n: st.sampled_from([str(n), f"{n:02d}"]))
    return st.one_of(numbers, st.sampled_from(list(names))) if names else numbers


def _range(value):
    return st.one_of(value, value.map(lambda v: f"*-{v}"), st.tuples(value, value).map("-".join), value.map(lambda v: f"{v}-*"))


def _common(value):
    step = st.tuples(st.one_of(st.just("*"), _range(value)), st.integers(1, 80)).map(lambda p: f"{p[0]}/{p[1]}")
    items = st.lists(st.one_of(step, _range(value)), min_size=1, max_size=3).map(",".join)
    return st.one_of(st.just("*"), items)


_MONTHS = ["JAN", "feb", "Mar", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
_DAYS = ["SUN", "mon", "TUE", "WED", "THU", "FRI", "SAT"]
_day = _value(1, 7, _DAYS)
_DAY_OF_MONTH = st.one_of(_common(_value(1, 31)), st.sampled_from(["L", "LW"]), _value(1, 31).map(lambda v: v + "W"))
_DAY_OF_WEEK = st.one_of(
    st.lists(_range(_day), min_size=1, max_size=3).map(",".join),
    st.sampled_from(["*", "L", "L-1", "L-7"]),
    _day.map(lambda v: v + "L"),
    st.tuples(_day, st.integers(1, 5)).map(lambda p: f"{p[0]}#{p[1]}"),
)
_EXPRESSIONS = st.tuples(
    _common(_value(0, 59)),
    _common(_value(0, 23)),
    st.one_of(st.tuples(_DAY_OF_MONTH, st.just("?")), st.tuples(st.just("?"), _DAY_OF_WEEK)),
    _common(_value(1, 12, _MONTHS)),
    _common(_value(1970, 2199)),
).map(lambda f: f"cron({f[0]} {f[1]} {f[2][0]} {f[3]} {f[2][1]} {f[4]})")


# too_slow is a clock check of the strategy's speed: a loaded CI machine fails it, not cron.
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_EXPRESSIONS)
def test_every_accepted_expression_has_a_next_time_or_none(expression):
    if schedule_problem(expression) is not None:
        return
    found = Cron.parse(expression).next_after(NOW)
    if found is not None:
        assert found > NOW and found.second == 0
        assert Cron.parse(expression).next_after(found - (found - NOW) / 2) == found  # nothing earlier in between


@pytest.fixture(scope="module")
def glue():
    with mock_glue():
        client = boto3.client("glue", region_name="us-east-1")
        client.create_job(Name="load", Role=ROLE, Command={"Name": "glueetl", "ScriptLocation": "s3://b/x.py"})
        yield client


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(_EXPRESSIONS)
def test_create_trigger_takes_every_accepted_expression_or_refuses_it_as_glue_does(glue, expression):
    if schedule_problem(expression) is not None:
        return
    try:
        glue.create_trigger(Name="t", Type="SCHEDULED", Schedule=expression, StartOnCreation=True, Actions=[{"JobName": "load"}])
    except ClientError as err:  # Glue's own rule: nothing fires more often than every 5 minutes
        assert err.response["Error"]["Code"] == "InvalidInputException" and "5 minutes" in err.response["Error"]["Message"]
        return
    glue.delete_trigger(Name="t")


@pytest.mark.parametrize(
    ("name", "schedule"),
    [
        ("feb31", "cron(0 0 31 2 ? *)"),
        ("past", "cron(0 0 1 1 ? 2020)"),
        ("mon5", "cron(0 0 ? 2 MON#5 *)"),
        ("lw", "cron(0 0 LW 2 ? *)"),
    ],
)
def test_create_trigger_takes_the_expressions_that_once_answered_500(glue, name, schedule):
    glue.create_trigger(Name=name, Type="SCHEDULED", Schedule=schedule, StartOnCreation=True, Actions=[{"JobName": "load"}])
    assert glue.get_trigger(Name=name)["Trigger"]["State"] == "ACTIVATED"
