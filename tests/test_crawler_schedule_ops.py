"""StartCrawlerSchedule, StopCrawlerSchedule and UpdateCrawlerSchedule, from the Crawler
scheduler API reference: Start sets the Schedule's State to SCHEDULED (NoScheduleException
without a cron, SchedulerRunningException when already SCHEDULED), Stop to NOT_SCHEDULED
(SchedulerNotRunningException when it is not SCHEDULED), Update changes the cron."""

import re
import time
from datetime import UTC, datetime

import boto3
import httpx
import pytest

from glueprint.testing import mock_glue
from test_schedules import Clock, wait_for

from conftest import ROLE, error_of, snapshot
from servers import glue_client

TARGETS = {"S3Targets": [{"Path": "s3://b/p"}]}
NOON_DAILY = "cron(0 12 * * ? *)"


def crawler(glue, name: str, **extra) -> None:
    glue.create_crawler(Name=name, Role=ROLE, DatabaseName="raw", Targets=TARGETS, **extra)


def schedule_of(glue, name: str) -> dict | None:
    return glue.get_crawler(Name=name)["Crawler"].get("Schedule")


def test_stop_then_start_turns_the_schedule_off_and_on_keeping_its_cron(glue, name):
    crawler(glue, name, Schedule=NOON_DAILY)
    glue.stop_crawler_schedule(CrawlerName=name)
    assert schedule_of(glue, name) == {"ScheduleExpression": NOON_DAILY, "State": "NOT_SCHEDULED"}
    glue.start_crawler_schedule(CrawlerName=name)
    assert schedule_of(glue, name) == {"ScheduleExpression": NOON_DAILY, "State": "SCHEDULED"}


def test_start_of_a_crawler_without_a_schedule_is_no_schedule_exception(glue, name):
    crawler(glue, name)
    assert error_of(glue.start_crawler_schedule, CrawlerName=name)["Code"] == "NoScheduleException"
    assert schedule_of(glue, name) is None


def test_start_of_a_scheduled_crawler_is_scheduler_running_exception(glue, name):
    crawler(glue, name, Schedule=NOON_DAILY)
    assert error_of(glue.start_crawler_schedule, CrawlerName=name)["Code"] == "SchedulerRunningException"


def test_stop_of_a_schedule_not_running_is_scheduler_not_running_exception(glue, name):
    crawler(glue, name, Schedule=NOON_DAILY)
    glue.stop_crawler_schedule(CrawlerName=name)
    assert error_of(glue.stop_crawler_schedule, CrawlerName=name)["Code"] == "SchedulerNotRunningException"
    crawler(glue, name + "x")
    assert error_of(glue.stop_crawler_schedule, CrawlerName=name + "x")["Code"] == "SchedulerNotRunningException"


@pytest.mark.parametrize("call", ["start_crawler_schedule", "stop_crawler_schedule", "update_crawler_schedule"])
def test_each_operation_on_a_missing_crawler_is_entity_not_found(glue, name, call):
    error = error_of(getattr(glue, call), CrawlerName=name)
    assert error == {"Code": "EntityNotFoundException", "Message": f"Crawler entry with name {name} does not exist"}


def test_update_changes_the_cron_and_keeps_the_state_and_bumps_the_version(glue, name):
    crawler(glue, name, Schedule=NOON_DAILY)
    glue.stop_crawler_schedule(CrawlerName=name)
    glue.update_crawler_schedule(CrawlerName=name, Schedule="cron(0 18 * * ? *)")
    found = glue.get_crawler(Name=name)["Crawler"]
    assert found["Schedule"] == {"ScheduleExpression": "cron(0 18 * * ? *)", "State": "NOT_SCHEDULED"}
    assert found["Version"] == 2


def test_update_gives_a_crawler_without_one_a_scheduled_schedule_and_an_empty_cron_removes_it(glue, name):
    crawler(glue, name)
    glue.update_crawler_schedule(CrawlerName=name, Schedule=NOON_DAILY)
    assert schedule_of(glue, name) == {"ScheduleExpression": NOON_DAILY, "State": "SCHEDULED"}
    glue.update_crawler_schedule(CrawlerName=name, Schedule="")
    assert schedule_of(glue, name) is None


def test_update_without_a_schedule_changes_nothing(glue, name):
    crawler(glue, name, Schedule=NOON_DAILY)
    glue.update_crawler_schedule(CrawlerName=name)
    found = glue.get_crawler(Name=name)["Crawler"]
    assert found["Schedule"] == {"ScheduleExpression": NOON_DAILY, "State": "SCHEDULED"} and found["Version"] == 1


def test_update_refuses_what_create_crawler_refuses_and_changes_nothing(start_server):
    server = start_server("--workers", "0")
    glue = glue_client(server.url)
    crawler(glue, "kept", Schedule=NOON_DAILY)
    before = snapshot(server)
    for bad in ("cron(0 12 * *)", "rate(1 day)", "cron(* * * * ? *)"):  # malformed, not a cron, every minute
        error = error_of(glue.update_crawler_schedule, CrawlerName="kept", Schedule=bad)
        assert error["Code"] == "InvalidInputException" and error["Message"]
        create = error_of(glue.create_crawler, Name="other", Role=ROLE, Targets=TARGETS, Schedule=bad)
        assert create == error
    assert snapshot(server) == before


def test_a_started_schedule_crawls_on_its_cron_and_a_stopped_one_does_not():
    noon = datetime(2026, 3, 2, 12, 0, tzinfo=UTC).timestamp()
    clock = Clock(noon - 30)
    with mock_glue(outcomes={"nightly": "SUCCEEDED"}, clock=clock):
        glue = boto3.client("glue", region_name="us-east-1")
        crawler(glue, "nightly", Schedule=NOON_DAILY)
        glue.stop_crawler_schedule(CrawlerName="nightly")
        clock.now = noon + 1
        time.sleep(1.2)  # the workers have looked: a stopped schedule does not crawl
        assert glue.list_crawls(CrawlerName="nightly")["Crawls"] == []

        glue.start_crawler_schedule(CrawlerName="nightly")
        clock.now = noon + 86400 + 1
        crawls = wait_for(lambda: glue.list_crawls(CrawlerName="nightly")["Crawls"], timeout=30)
        assert len(crawls) == 1 and crawls[0]["StartTime"].timestamp() == noon + 86400 + 1
        wait_for(lambda: glue.get_crawler(Name="nightly")["Crawler"]["State"] == "READY", timeout=30)

        glue.update_crawler_schedule(CrawlerName="nightly", Schedule="cron(0 18 * * ? *)")
        clock.now = noon + 86400 + 6 * 3600 + 1  # 18:00 of the same day, long before the next noon
        wait_for(lambda: len(glue.list_crawls(CrawlerName="nightly")["Crawls"]) == 2, timeout=30)


def test_stopping_or_changing_the_schedule_of_a_crawler_that_runs_leaves_its_crawl_running():
    noon = datetime(2026, 3, 2, 12, 0, tzinfo=UTC).timestamp()
    clock = Clock(noon)
    with mock_glue(outcomes={"slow": "SUCCEEDED:600"}, clock=clock):
        glue = boto3.client("glue", region_name="us-east-1")
        crawler(glue, "slow", Schedule=NOON_DAILY)
        glue.start_crawler(Name="slow")
        glue.stop_crawler_schedule(CrawlerName="slow")
        glue.update_crawler_schedule(CrawlerName="slow", Schedule="cron(0 18 * * ? *)")
        found = glue.get_crawler(Name="slow")["Crawler"]
        assert found["State"] == "RUNNING"
        assert found["Schedule"] == {"ScheduleExpression": "cron(0 18 * * ? *)", "State": "NOT_SCHEDULED"}

        def finished() -> dict | None:
            clock.now += 601  # the simulated 600 s count from when a worker picked the crawl up
            found = glue.get_crawler(Name="slow")["Crawler"]
            return found if found["State"] == "READY" else None

        assert wait_for(finished, timeout=30)["LastCrawl"]["Status"] == "SUCCEEDED"


def test_the_dashboard_says_when_a_crawler_s_schedule_is_stopped(server, glue, name):
    crawler(glue, name, Schedule=NOON_DAILY)
    schedule_row = re.compile(r"<th>Schedule</th><td>([^<]*)</td>")
    assert schedule_row.findall(httpx.get(f"{server.url}/ui/crawlers/{name}").text) == [NOON_DAILY]
    glue.stop_crawler_schedule(CrawlerName=name)
    assert schedule_row.findall(httpx.get(f"{server.url}/ui/crawlers/{name}").text) == [f"{NOON_DAILY} (NOT_SCHEDULED)"]
