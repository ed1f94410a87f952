"""The dashboard in a real headless Chromium: what a person sees, with screenshots as artifacts."""

import json
import os
import re
import time
from itertools import pairwise
from pathlib import Path
from urllib.parse import quote

import pytest
from playwright.sync_api import sync_playwright

from glueprint.web.svg import BREAKS

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
# Spark jobs end at once, every load fails, every crawl succeeds without reading S3.
RULES = ("--simulated-seconds", "0", "--outcome", "*_load_*=FAILED:0:disk full", "--outcome", "*_crawler_*=SUCCEEDED:0")
WIDTHS = (1280, 1920)
SLOW_LAYOUT = """
import time
from itertools import pairwise
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
    server = start_server("--run-timeout", "20", *RULES)
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
        BlueprintName="slow", RoleArn=ROLE, Parameters=json.dumps({"WorkflowName": "slowflow", "Sleep": 8})
    )["RunId"]
    page.goto(server.url + "/ui/blueprints/slow")  # well within the run's 8 s, however loaded the machine
    assert page.locator('meta[http-equiv="refresh"]').count() == 1
    assert "RUNNING" in page.locator("#runs").inner_text()
    deadline = time.monotonic() + 120
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


# Whatever a page shows must fit its width: the document never scrolls sideways, no cell or
# heading is wider than its box, no graph shrinks past easy reading, every text of a graph
# is inside the graph and each node's text inside its node, and no edge label lies under a node.
FIT_PROBLEMS = """() => {
  const problems = [];
  const inside = (a, b) => a.left >= b.left - 0.5 && a.right <= b.right + 0.5 && a.top >= b.top - 0.5 && a.bottom <= b.bottom + 0.5;
  const meets = (a, b) => a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
  const root = document.documentElement;
  if (root.scrollWidth > root.clientWidth) problems.push(`page ${root.scrollWidth} px wide in ${root.clientWidth}`);
  for (const el of document.querySelectorAll("h1, h2, th, td, pre, p")) {
    if (el.scrollWidth > el.clientWidth + 1) problems.push(`${el.tagName} overflows: ${el.textContent.slice(0, 60)}`);
  }
  for (const svg of document.querySelectorAll("svg.graph")) {
    const frame = svg.getBoundingClientRect();
    const scale = frame.width / svg.viewBox.baseVal.width;
    if (scale < 0.7) problems.push(`graph shrunk to ${scale.toFixed(2)} of its size`);
    const rects = [...svg.querySelectorAll("g.node rect")].map(r => r.getBoundingClientRect());
    for (const text of svg.querySelectorAll("text")) {
      if (!inside(text.getBoundingClientRect(), frame)) problems.push(`outside its graph: ${text.textContent}`);
    }
    for (const node of svg.querySelectorAll("g.node")) {
      const box = node.querySelector("rect").getBoundingClientRect();
      for (const text of node.querySelectorAll("text")) {
        if (!inside(text.getBoundingClientRect(), box)) problems.push(`outside its node: ${text.textContent}`);
      }
    }
    for (const label of svg.querySelectorAll("text.condition")) {
      const box = label.getBoundingClientRect();
      if (rects.some(r => meets(box, r))) problems.push(`edge label under a node: ${label.textContent}`);
    }
  }
  return problems;
}"""


def node_lines(page) -> dict[str, list[str]]:
    """Each graph node's name as the lines it is drawn on."""
    return page.evaluate(
        """() => Object.fromEntries([...document.querySelectorAll("svg.graph g.node")].map(
            g => [g.dataset.name, [...g.querySelectorAll("text.name tspan")].map(t => t.textContent)]))"""
    )


def assert_fits(page) -> None:
    assert page.evaluate(FIT_PROBLEMS) == []
    for name, lines in node_lines(page).items():
        assert "".join(lines) == name  # whole
        for line in lines[:-1]:  # broken only after a separator, never inside a word
            assert line[-1] in BREAKS, (name, lines)


def wait_workflow_run(glue, workflow: str, run_id: str) -> dict:
    deadline = time.monotonic() + 120  # generous: CI runs six suites on two cores
    while (run := glue.get_workflow_run(Name=workflow, RunId=run_id)["Run"])["Status"] == "RUNNING":
        assert time.monotonic() < deadline
        time.sleep(0.1)
    return run


@pytest.fixture(scope="module")
def estate(site, example):
    """What every page of the dashboard has to show: a workflow run whose load failed, a chain of
    crawls, long names, and a catalog table with partitions."""
    server, glue, *_ = site
    long_flow = "quarterly_revenue_reconciliation_for_every_region_and_channel"
    start_and_wait(glue, "etl", {"WorkflowName": long_flow, "JobRole": "etl", "ScriptBucket": "scripts"})
    failed_run = glue.start_workflow_run(Name=long_flow)["RunId"]
    create_blueprint(glue, Name="chain", BlueprintLocation=example("crawl_chain"))
    start_and_wait(glue, "chain", {"WorkflowName": "lake", "IAMRole": ROLE, "S3Paths": ["s3://lake/a/", "s3://lake/b/"]})
    crawl_run = glue.start_workflow_run(Name="lake")["RunId"]
    glue.create_database(DatabaseInput={"Name": "sales", "Description": "Sales, by day"})
    columns = [{"Name": "order_id", "Type": "bigint"}, {"Name": "amount", "Type": "decimal(10,2)", "Comment": "in EUR"}]
    keys = [{"Name": "year", "Type": "int"}, {"Name": "month", "Type": "string"}]
    table = "orders_with_a_rather_long_table_name_that_goes_on_and_on_and_on"
    glue.create_table(
        DatabaseName="sales",
        TableInput={
            "Name": table,
            "PartitionKeys": keys,
            "StorageDescriptor": {"Columns": columns, "Location": "s3://lake/sales/orders/"},
        },
    )
    glue.batch_create_partition(
        DatabaseName="sales",
        TableName=table,
        PartitionInputList=[
            {"Values": ["2024", month], "StorageDescriptor": {"Location": f"s3://lake/sales/orders/year=2024/month={month}/"}}
            for month in ("01", "02")
        ],
    )
    chain = chain_workflow(glue, "twelve_steps", 12)
    chain_run = glue.start_workflow_run(Name=chain)["RunId"]
    wait_workflow_run(glue, long_flow, failed_run)
    wait_workflow_run(glue, "lake", crawl_run)
    wait_workflow_run(glue, chain, chain_run)
    return {"long_flow": long_flow, "failed_run": failed_run, "crawl_run": crawl_run, "table": table, "chain_run": chain_run}


def chain_workflow(glue, name: str, steps: int) -> str:
    """A workflow of ``steps`` Spark jobs, each started when the one before succeeded: a graph of
    2 * steps columns."""
    glue.create_workflow(Name=name)
    jobs = [f"{name}_step_{i:02d}" for i in range(steps)]
    for job in jobs:
        glue.create_job(Name=job, Role=ROLE, Command={"Name": "glueetl", "ScriptLocation": "s3://scripts/step.py"})
    glue.create_trigger(Name=f"{name}_start", WorkflowName=name, Type="ON_DEMAND", Actions=[{"JobName": jobs[0]}])
    for before, after in pairwise(jobs):
        glue.create_trigger(
            Name=f"{after}_when_{before}_succeeded",
            WorkflowName=name,
            Type="CONDITIONAL",
            StartOnCreation=True,
            Predicate={"Conditions": [{"LogicalOperator": "EQUALS", "JobName": before, "State": "SUCCEEDED"}]},
            Actions=[{"JobName": after}],
        )
    return name


def pages_to_check(site, estate) -> dict[str, str]:
    server, glue, good, _ = site
    flow, lake = estate["long_flow"], "lake"
    suffix = run_suffix(glue, flow)
    crawler = next(n for n in glue.list_crawlers()["CrawlerNames"] if n.startswith("lake_"))
    return {
        "blueprints": "/ui",
        "runs": "/ui/blueprints/etl",
        "run-graph": f"/ui/blueprints/etl/runs/{good['RunId']}",
        "workflows": "/ui/workflows",
        "workflow": f"/ui/workflows/{flow}",
        "workflow-run-failed": f"/ui/workflows/{flow}/runs/{estate['failed_run']}",
        "workflow-run-crawls": f"/ui/workflows/{lake}/runs/{estate['crawl_run']}",
        "workflow-run-long": f"/ui/workflows/twelve_steps/runs/{estate['chain_run']}",
        "job": f"/ui/jobs/{flow}_load_{suffix}",
        "crawler": f"/ui/crawlers/{crawler}",
        "catalog": "/ui/catalog",
        "database": "/ui/catalog/sales",
        "table": f"/ui/catalog/sales/{quote(estate['table'])}",
    }


@pytest.mark.parametrize("width", WIDTHS)
def test_every_page_fits_its_width_with_every_label_whole(site, estate, browser, width):
    server, *_ = site
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    try:
        for name, path in pages_to_check(site, estate).items():
            response = page.goto(server.url + path)
            assert response.status == 200, (path, page.inner_text("main"))
            assert_fits(page)
            shot(page, f"{name}-{width}")
    finally:
        context.close()


def test_a_completed_run_whose_load_failed_shows_no_success(site, estate, page):
    server, *_ = site
    flow = estate["long_flow"]
    page.goto(f"{server.url}/ui/workflows/{flow}/runs/{estate['failed_run']}")
    badge = page.locator("#workflow-run .state").first
    assert badge.inner_text() == "COMPLETED · 1 of 3 failed"
    assert "s-COMPLETED_WITH_FAILURES" in badge.get_attribute("class")
    green = page.evaluate("() => getComputedStyle(document.querySelector('.s-SUCCEEDED') || document.body).backgroundColor")
    assert badge.evaluate("b => getComputedStyle(b).backgroundColor") != green
    assert page.locator('svg.graph g.node[data-state="FAILED"]').count() == 1
    page.goto(f"{server.url}/ui/workflows")
    row = page.locator("#workflows tr", has_text=flow)
    assert "COMPLETED · 1 of 3 failed" in row.inner_text()


def test_a_starting_trigger_that_started_crawls_shows_fired_and_fired_differs_from_running(site, estate, page):
    server, *_ = site
    page.goto(f"{server.url}/ui/workflows/lake/runs/{estate['crawl_run']}")
    states = page.evaluate(
        "() => Object.fromEntries([...document.querySelectorAll('svg.graph g.node')].map(g => [g.dataset.name, g.dataset.state]))"
    )
    assert states["lake_starting_trigger"] == "FIRED"
    assert sorted(state for name, state in states.items() if "_crawler_" in name and not name.endswith("_trigger")) == [
        "SUCCEEDED",
        "SUCCEEDED",
    ]
    assert [state for name, state in states.items() if name.endswith("_trigger")] == ["FIRED", "FIRED"]
    swatch = "s => getComputedStyle(s.querySelector('.swatch')).backgroundColor"
    legend = {item: page.locator(f'#legend li[data-state="{item}"]').evaluate(swatch) for item in ("FIRED", "RUNNING")}
    assert legend["FIRED"] != legend["RUNNING"]


def test_links_lead_from_a_blueprint_to_its_workflow_runs_jobs_and_back(site, estate, page):
    server, glue, *_ = site
    flow = estate["long_flow"]
    page.goto(server.url + "/ui/blueprints/etl")
    page.locator("#runs").get_by_role("link", name=flow).click()  # the Workflow column links
    assert page.url.endswith(f"/ui/workflows/{flow}")
    page.locator("#made-by a").first.click()
    assert page.url.endswith("/ui/blueprints/etl")
    page.goto(f"{server.url}/ui/workflows/{flow}")
    page.locator("#workflow-runs a").first.click()
    load = f"{flow}_load_{run_suffix(glue, flow)}"
    page.locator("#node-runs").get_by_role("link", name=load).click()
    assert page.url.endswith(f"/ui/jobs/{load}")
    assert "disk full" in page.locator("#job-runs").inner_text()
    page.locator("#job").get_by_role("link", name=flow).click()
    assert page.url.endswith(f"/ui/workflows/{flow}")
    page.locator(f'svg.graph g.node[data-name="{load}"] a').click()  # graph nodes link too
    assert page.url.endswith(f"/ui/jobs/{load}")


def test_the_catalog_shows_databases_tables_columns_partition_keys_and_partitions(site, estate, page):
    server, *_ = site
    page.goto(server.url + "/ui")
    page.get_by_role("link", name="Data Catalog").click()
    page.locator("#databases").get_by_role("link", name="sales").click()
    row = page.locator("#tables tr", has_text=estate["table"])
    assert "order_id, amount" in row.inner_text() and "year, month" in row.inner_text()
    row.get_by_role("link", name=estate["table"]).click()
    columns = page.locator("#columns").inner_text()
    assert "amount\tdecimal(10,2)\tin EUR" in columns and "month\tstring\tpartition key" in columns
    partitions = page.locator("#partitions tr")
    assert [partitions.nth(i).inner_text().split("\t")[:2] for i in (1, 2)] == [["2024", "01"], ["2024", "02"]]


def test_a_crawler_page_lists_its_crawls_and_links_its_database(site, estate, page):
    server, glue, *_ = site
    crawler = next(n for n in glue.list_crawlers()["CrawlerNames"] if n.startswith("lake_"))
    page.goto(f"{server.url}/ui/crawlers/{crawler}")
    assert "SUCCEEDED" in page.locator("#crawler").inner_text()
    assert "COMPLETED" in page.locator("#crawls tr").nth(1).inner_text()  # a crawl's history says COMPLETED
    assert (
        page.locator("#crawler").get_by_role("link", name="crawl_chain_db").get_attribute("href") == "/ui/catalog/crawl_chain_db"
    )


def test_a_graph_wider_than_a_band_wraps_into_bands_top_to_bottom(site, estate, page):
    server, *_ = site
    page.goto(f"{server.url}/ui/workflows/twelve_steps/runs/{estate['chain_run']}")
    boxes = page.evaluate(
        """() => Object.fromEntries([...document.querySelectorAll("svg.graph g.node")].map(
            g => { const b = g.querySelector("rect").getBoundingClientRect(); return [g.dataset.name, [b.x, b.y]]; }))"""
    )
    steps = [boxes[f"twelve_steps_step_{i:02d}"] for i in range(12)]  # columns 1, 3, ... 23: bands of 6 columns
    bands = [steps[0:3], steps[3:6], steps[6:9], steps[9:12]]
    for band in bands:
        assert len({y for _, y in band}) == 1 and [x for x, _ in band] == sorted(x for x, _ in band)
    assert [band[0][1] for band in bands] == sorted(band[0][1] for band in bands)  # each band below the one before
    assert [band[0][0] for band in bands] == [bands[0][0][0]] * 4  # and starting at the left again
    assert page.locator('svg.graph g.node[data-state="SUCCEEDED"]').count() == 12
    assert page.locator("svg.graph text.condition").count() == 11
    assert_fits(page)


def test_a_job_runs_output_and_error_are_readable_from_its_page(site, upload, page):
    server, glue, *_ = site
    script = upload(b'import sys\nprint("hello from the job")\nprint("careful now", file=sys.stderr)\n', "scripts/hello.py")
    glue.create_job(Name="hello", Role=ROLE, Command={"Name": "pythonshell", "ScriptLocation": script, "PythonVersion": "3.9"})
    run_id = glue.start_job_run(JobName="hello")["JobRunId"]
    deadline = time.monotonic() + 120
    while glue.get_job_run(JobName="hello", RunId=run_id)["JobRun"]["JobRunState"] not in ("SUCCEEDED", "FAILED", "ERROR"):
        assert time.monotonic() < deadline
        time.sleep(0.1)
    page.goto(f"{server.url}/ui/jobs/hello")
    page.locator("#job-runs").get_by_role("link", name="output").click()
    assert "hello from the job" in page.locator("#log").inner_text()
    assert_fits(page)
    shot(page, "job-log")
    page.go_back()
    page.locator("#job-runs").get_by_role("link", name="error").click()
    assert "careful now" in page.locator("#log").inner_text()
