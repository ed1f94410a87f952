"""The dashboard in a real headless Chromium: what a person sees, with screenshots as artifacts."""

import json
import os
import re
import time
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from conftest import ROLE, create_blueprint, run_suffix, start_and_wait
from servers import glue_client
from test_runs import layout_archive

CHROMIUM = os.environ.get("GLUEPRINT_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SLOW_LAYOUT = """
import time
from awsglue.blueprint.workflow import Workflow, Entities
from awsglue.blueprint.job import Job

def generate_layout(user_params, system_params):
    time.sleep(float(user_params["Sleep"]))
    job = Job(Name=user_params["WorkflowName"] + "_job", Role="r", Command={"Name": "glueetl", "ScriptLocation": "s3://b/s.py"})
    return Workflow(Name=user_params["WorkflowName"], Entities=Entities(Jobs=[job]))
"""


@pytest.fixture(scope="module")
def browser():
    assert Path(CHROMIUM).exists(), f"the dashboard tests need Chromium at {CHROMIUM} (apt-get install chromium)"
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    yield context.new_page()
    context.close()


@pytest.fixture(scope="module")
def site(start_server, example, upload):
    """A server of its own, with a run that made a workflow graph and one that failed."""
    server = start_server("--run-timeout", "20")
    glue = glue_client(server.url)
    create_blueprint(glue, Name="etl", BlueprintLocation=example("etl_schedule"), Description="Nightly ETL")
    good = start_and_wait(glue, "etl", {"WorkflowName": "nightly", "JobRole": "etl", "ScriptBucket": "scripts"})
    bad = start_and_wait(glue, "etl", {"WorkflowName": "broken"})
    create_blueprint(glue, Name="zz_broken", BlueprintLocation=upload(b"not a zip"))
    create_blueprint(
        glue,
        Name="slow",
        BlueprintLocation=upload(layout_archive(SLOW_LAYOUT, {"WorkflowName": {"type": "String"}, "Sleep": {"type": "Double"}})),
    )
    return server, glue, good, bad


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}-{os.getpid()}.png"), full_page=True)


def test_blueprint_list_shows_each_blueprint_with_its_status(site, page):
    server, *_ = site
    page.goto(server.url + "/ui")
    rows = page.locator("#blueprints tr")
    texts = [rows.nth(i).inner_text() for i in range(1, rows.count())]
    assert any(t.startswith("etl\tACTIVE\tNightly ETL") for t in texts), texts
    broken = next(t for t in texts if t.startswith("zz_broken"))
    assert "FAILED" in broken and "not a valid ZIP file" in broken
    shot(page, "blueprints")


def test_runs_page_lists_runs_newest_first_with_state_parameters_and_errors(site, page):
    server, _, good, bad = site
    page.goto(server.url + "/ui")
    page.get_by_role("link", name="etl", exact=True).click()
    page.wait_for_selector("#runs")
    rows = page.locator("#runs tr")
    newest, older = rows.nth(1).inner_text(), rows.nth(2).inner_text()
    assert newest.startswith(bad["RunId"][:8]) and "FAILED" in newest and "parameter 'JobRole' is required" in newest
    assert older.startswith(good["RunId"][:8]) and "SUCCEEDED" in older and "nightly" in older
    assert re.search(r"\t(\d+ ms|\d+\.\d s)\t", older)  # how long it took (longer under load)
    assert '"ScriptBucket": "scripts"' in older
    assert page.locator('meta[http-equiv="refresh"]').count() == 0  # nothing is running
    shot(page, "runs")


def test_run_page_draws_the_workflow_graph_left_to_right(site, page):
    server, glue, good, _ = site
    page.goto(f"{server.url}/ui/blueprints/etl/runs/{good['RunId']}")
    page.wait_for_selector("svg.graph")
    assert "SUCCEEDED" in page.locator("#run").inner_text()
    nodes = {
        page.locator("svg.graph g.node").nth(i).get_attribute("data-name"): page.locator("svg.graph g.node").nth(i).bounding_box()
        for i in range(page.locator("svg.graph g.node").count())
    }
    suffix = run_suffix(glue, "nightly")
    chain = [
        "nightly_starting_trigger",
        f"nightly_extract_{suffix}",
        f"nightly_nightly_transform_{suffix}_trigger",
        f"nightly_transform_{suffix}",
        f"nightly_nightly_load_{suffix}_trigger",
        f"nightly_load_{suffix}",
    ]
    assert set(nodes) == set(chain)
    for i in range(page.locator("svg.graph g.node").count()):  # whole names, however long
        node = page.locator("svg.graph g.node").nth(i)
        assert node.locator("text.name").text_content() == node.get_attribute("data-name")
    xs = [nodes[name]["x"] for name in chain]
    assert xs == sorted(xs) and len(set(xs)) == len(xs)  # each step sits to the right of the one before
    assert page.locator("svg.graph path.edge").count() == 5
    assert page.locator("svg.graph g.job").count() == 3 and page.locator("svg.graph g.trigger").count() == 3
    shot(page, "run-graph")


def test_runs_page_refreshes_itself_while_a_run_is_running(site, page):
    server, glue, *_ = site
    run_id = glue.start_blueprint_run(
        BlueprintName="slow", RoleArn=ROLE, Parameters=json.dumps({"WorkflowName": "slowflow", "Sleep": 3})
    )["RunId"]
    page.goto(server.url + "/ui/blueprints/slow")
    assert page.locator('meta[http-equiv="refresh"]').count() == 1
    assert "RUNNING" in page.locator("#runs").inner_text()
    deadline = time.monotonic() + 30
    while "SUCCEEDED" not in page.locator("#runs").inner_text():  # no reload by the test: the page does it
        assert time.monotonic() < deadline
        page.wait_for_timeout(250)
    assert run_id[:8] in page.locator("#runs").inner_text()
    assert page.locator('meta[http-equiv="refresh"]').count() == 0


def test_a_blueprint_without_a_description_shows_no_stray_separator(site, page):
    server, *_ = site
    page.goto(server.url + "/ui/blueprints/slow")
    assert page.locator("p.muted").first.inner_text().startswith("s3://")


def test_unknown_blueprint_page_says_so(site, page):
    server, *_ = site
    response = page.goto(server.url + "/ui/blueprints/nope")
    assert response.status == 404
    assert "EntityNotFoundException" in page.inner_text("main")
