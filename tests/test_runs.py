"""Blueprint runs end to end: layouts really execute, entities appear, failures roll back."""

import json
import textwrap

import pytest

from conftest import ROLE, all_pages, create_blueprint, error_of, run_suffix, start_and_wait, wait_run, zip_files
from servers import glue_client

ETL_PARAMS = {"WorkflowName": None, "JobRole": "etl-role", "ScriptBucket": "my-scripts"}


def layout_archive(code: str, spec: dict | None = None, extra: dict | None = None) -> bytes:
    cfg = {"layoutGenerator": "bp.layout.generate_layout", "parameterSpec": spec or {}}
    files = {"bp/blueprint.cfg": json.dumps(cfg), "bp/layout.py": textwrap.dedent(code)}
    return zip_files({**files, **(extra or {})})


@pytest.fixture
def blueprint(glue, upload, name):
    """Register an inline layout as a blueprint named after the test; returns the name."""

    def register(code: str, spec: dict | None = None, extra: dict | None = None) -> str:
        create_blueprint(glue, Name=name, BlueprintLocation=upload(layout_archive(code, spec, extra)))
        assert glue.get_blueprint(Name=name)["Blueprint"]["Status"] == "ACTIVE"
        return name

    return register


SIMPLE_LAYOUT = """
from awsglue.blueprint.workflow import Workflow, Entities
from awsglue.blueprint.job import Job

def generate_layout(user_params, system_params):
    name = user_params["WorkflowName"]
    jobs = [Job(Name=f"{name}_{n}", Role="r", Command={"Name": "pythonshell", "ScriptLocation": "s3://b/s.py"})
            for n in user_params.get("Jobs", ["only"])]
    return Workflow(Name=name, Entities=Entities(Jobs=jobs))
"""


def entities_named(glue, prefix: str) -> dict:
    lists = {
        "workflows": (glue.list_workflows, "Workflows"),
        "jobs": (glue.list_jobs, "JobNames"),
        "crawlers": (glue.list_crawlers, "CrawlerNames"),
        "triggers": (glue.list_triggers, "TriggerNames"),
    }
    return {kind: [n for n in all_pages(*how) if n.startswith(prefix)] for kind, how in lists.items()}


def test_scheduled_etl_run_creates_exactly_its_jobs_workflow_and_triggers(glue, example, name):
    create_blueprint(glue, Name=name, BlueprintLocation=example("etl_schedule"))
    params = {**ETL_PARAMS, "WorkflowName": name, "WorkerType": "G.2X"}
    run = start_and_wait(glue, name, params)
    assert run["State"] == "SUCCEEDED", run
    assert run["WorkflowName"] == name and run["CompletedOn"] >= run["StartedOn"]
    assert json.loads(run["Parameters"]) == params and run["RoleArn"] == ROLE

    workflow = glue.get_workflow(Name=name)["Workflow"]
    assert workflow["BlueprintDetails"] == {"BlueprintName": name, "RunId": run["RunId"]}
    assert workflow["DefaultRunProperties"] == {"region": "us-east-1"}
    suffix = run_suffix(glue, name)
    job = {step: f"{name}_{step}_{suffix}" for step in ("extract", "transform", "load")}
    extract = glue.get_job(JobName=job["extract"])["Job"]
    created = extract.pop("CreatedOn"), extract.pop("LastModifiedOn")
    assert created[0] == created[1]
    assert extract == {
        "Name": job["extract"],
        "JobMode": "SCRIPT",
        "Description": "The extract step",
        "Role": "etl-role",
        "ExecutionProperty": {"MaxConcurrentRuns": 1},
        "Command": {"Name": "glueetl", "ScriptLocation": "s3://my-scripts/scripts/extract.py", "PythonVersion": "3"},
        "DefaultArguments": {"--job-bookmark-option": "job-bookmark-enable"},
        "MaxRetries": 0,
        "Timeout": 2880,  # the documented default for Glue 4.0
        "WorkerType": "G.2X",
        "NumberOfWorkers": 2,
        "MaxCapacity": 4.0,  # 2 workers of 2 DPUs, as AWS fills it
        "AllocatedCapacity": 4,
        "GlueVersion": "4.0",
    }

    assert entities_named(glue, name) == {
        "workflows": [name],
        "jobs": sorted(job.values()),
        "crawlers": [],
        "triggers": sorted([f"{name}_starting_trigger", f"{name}_{job['load']}_trigger", f"{name}_{job['transform']}_trigger"]),
    }
    start = glue.get_trigger(Name=f"{name}_starting_trigger")["Trigger"]
    assert start == {
        "Name": f"{name}_starting_trigger",
        "WorkflowName": name,
        "Type": "SCHEDULED",
        "State": "ACTIVATED",
        "Schedule": "cron(0 6 * * ? *)",
        "Actions": [{"JobName": job["extract"]}],
    }
    load = glue.get_trigger(Name=f"{name}_{job['load']}_trigger")["Trigger"]
    assert load["Type"] == "CONDITIONAL" and load["State"] == "ACTIVATED"
    assert load["Actions"] == [{"JobName": job["load"]}]
    assert load["Predicate"] == {"Conditions": [{"LogicalOperator": "EQUALS", "JobName": job["transform"], "State": "SUCCEEDED"}]}
    dependent = glue.get_triggers(DependentJobName=job["transform"])["Triggers"]
    assert [t["Name"] for t in dependent] == [f"{name}_{job['transform']}_trigger"]


def test_the_same_layout_runs_again_under_a_new_workflow_name_with_new_suffixes(glue, example, name):
    create_blueprint(glue, Name=name, BlueprintLocation=example("etl_schedule"))
    first = start_and_wait(glue, name, {**ETL_PARAMS, "WorkflowName": name})
    second = start_and_wait(glue, name, {**ETL_PARAMS, "WorkflowName": name + "_b"})
    assert first["State"] == second["State"] == "SUCCEEDED", (first, second)
    assert run_suffix(glue, name) != run_suffix(glue, name + "_b")


def test_crawler_chain_becomes_a_graph_of_conditional_triggers(glue, example, name):
    create_blueprint(glue, Name=name, BlueprintLocation=example("crawl_chain"))
    paths = ["s3://data/a/", "s3://data/b/", "s3://data/c/"]
    run = start_and_wait(glue, name, {"WorkflowName": name, "IAMRole": ROLE, "S3Paths": paths})
    assert run["State"] == "SUCCEEDED", run
    suffix = run_suffix(glue, name)
    crawler = [f"{name}_crawler_{i}_{suffix}" for i in range(3)]
    crawlers = glue.batch_get_crawlers(CrawlerNames=crawler)["Crawlers"]
    assert [c["Targets"]["S3Targets"][0]["Path"] for c in crawlers] == paths
    assert all(c["DatabaseName"] == "crawl_chain_db" and c["State"] == "READY" and c["Version"] == 1 for c in crawlers)
    assert crawlers[0]["SchemaChangePolicy"] == {
        "UpdateBehavior": "UPDATE_IN_DATABASE",
        "DeleteBehavior": "DEPRECATE_IN_DATABASE",
    }
    assert crawlers[0]["RecrawlPolicy"] == {"RecrawlBehavior": "CRAWL_EVERYTHING"}
    assert crawlers[0]["LineageConfiguration"] == {"CrawlerLineageSettings": "DISABLE"}
    graph = glue.get_workflow(Name=name, IncludeGraph=True)["Workflow"]["Graph"]
    ids = {n["UniqueId"]: (n["Type"], n["Name"]) for n in graph["Nodes"]}
    edges = {(ids[e["SourceId"]], ids[e["DestinationId"]]) for e in graph["Edges"]}
    trigger = ("TRIGGER", f"{name}_{crawler[1]}_trigger")
    assert (("TRIGGER", f"{name}_starting_trigger"), ("CRAWLER", crawler[0])) in edges
    assert (("CRAWLER", crawler[0]), trigger) in edges
    assert (trigger, ("CRAWLER", crawler[1])) in edges
    assert len(graph["Nodes"]) == 6 and len(edges) == 5


def test_layout_calling_boto3_reaches_this_server(glue, example, name):
    create_blueprint(glue, Name=name, BlueprintLocation=example("catalog_bootstrap"))
    params = {"WorkflowName": name, "Role": ROLE, "DatabaseName": name.upper(), "DataLocation": "s3://lake/raw/"}
    run = start_and_wait(glue, name, params)
    assert run["State"] == "SUCCEEDED", run
    assert glue.get_database(Name=name)["Database"]["Description"] == "made by catalog_bootstrap"
    assert glue.get_workflow(Name=name)["Workflow"]["Description"] == f"Catalog {name.upper()} for account 123456789012"
    suffix = run_suffix(glue, name)
    report = glue.get_trigger(Name=f"{name}_{name}_report_{suffix}_trigger")["Trigger"]
    assert report["Predicate"]["Conditions"] == [
        {"LogicalOperator": "EQUALS", "CrawlerName": f"{name}_crawler_{suffix}", "CrawlState": "SUCCEEDED"}
    ]
    assert glue.get_job(JobName=f"{name}_report_{suffix}")["Job"]["MaxCapacity"] == 0.0625
    again = start_and_wait(glue, name, {**params, "WorkflowName": name + "_2"})
    assert again["State"] == "SUCCEEDED", again  # the database existed; the layout caught AlreadyExists


def test_user_params_arrive_typed_with_defaults_and_files_are_readable(glue, blueprint, name):
    spec = {
        "S": {"type": "String"},
        "I": {"type": "Integer", "defaultValue": 7},
        "D": {"type": "Double", "defaultValue": 1.5},
        "B": {"type": "Boolean", "defaultValue": False},
        "L": {"type": "S3Uri", "collection": True, "defaultValue": ["s3://a/b"]},
    }
    code = """
    import json
    from awsglue.blueprint.workflow import Workflow, Entities
    from awsglue.blueprint.job import Job

    def generate_layout(user_params, system_params):
        note = open("bp/note.txt").read().strip()
        print("building", note)
        job = Job(Name=user_params["S"] + "_j", Role="r", Command={"Name": "glueetl", "ScriptLocation": "s3://b/s.py"})
        return Workflow(Name=user_params["S"], Description=json.dumps([user_params, system_params, note]),
                        Entities=Entities(Jobs=[job]))
    """
    bp = blueprint(code, spec, extra={"bp/note.txt": "hello\n"})
    run = start_and_wait(glue, bp, {"S": name, "I": "42"})
    assert run["State"] == "SUCCEEDED", run
    user, system, note = json.loads(glue.get_workflow(Name=name)["Workflow"]["Description"])
    assert user == {"S": name, "I": 42, "D": 1.5, "B": False, "L": ["s3://a/b"]}
    assert system == {"region": "us-east-1", "accountId": "123456789012"}
    assert note == "hello"


def test_layout_sees_a_scrubbed_environment(glue, blueprint, name):
    code = """
    import os
    from awsglue.blueprint.workflow import Workflow, Entities
    from awsglue.blueprint.job import Job

    def generate_layout(user_params, system_params):
        job = Job(Name=user_params["N"] + "_j", Role="r", Command={"Name": "glueetl", "ScriptLocation": "s3://b/s.py"})
        return Workflow(Name=user_params["N"], Description=",".join(sorted(os.environ)), Entities=Entities(Jobs=[job]))
    """
    bp = blueprint(code, {"N": {"type": "String"}})
    run = start_and_wait(glue, bp, {"N": name})
    assert run["State"] == "SUCCEEDED", run
    seen = set(glue.get_workflow(Name=name)["Workflow"]["Description"].split(","))
    assert "AWS_ENDPOINT_URL_GLUE" in seen
    assert seen <= {
        "PATH",
        "HOME",
        "LANG",
        "AWS_ENDPOINT_URL_GLUE",
        "AWS_ENDPOINT_URL_S3",
        "AWS_DEFAULT_REGION",
        "AWS_REGION",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_CONFIG_FILE",
        "AWS_SHARED_CREDENTIALS_FILE",
        "AWS_EC2_METADATA_DISABLED",
        "LC_CTYPE",
    }


BAD_PARAMETERS = {
    "unknown-key": ({"WorkflowName": "w", "Extra": 1}, "unknown parameters ['Extra']"),
    "missing-required": ({}, "parameter 'WorkflowName' is required"),
    "wrong-type": ({"WorkflowName": "w", "Count": "lots"}, "parameter 'Count' (Integer): expected an integer"),
    "not-allowed": ({"WorkflowName": "w", "Mode": "fast"}, "is not one of the allowed values"),
    "collection-not-list": ({"WorkflowName": "w", "Paths": "s3://x/y"}, "expected a list of S3Uri"),
    "bad-s3-uri": ({"WorkflowName": "w", "Paths": ["http://x"]}, "is not an S3 URI"),
    "bad-role-arn": ({"WorkflowName": "w", "Role": "admin"}, "is not an IAM role ARN"),
}
BAD_PARAMETER_SPEC = {
    "WorkflowName": {"type": "String"},
    "Count": {"type": "Integer", "defaultValue": 1},
    "Mode": {"type": "String", "defaultValue": "slow", "allowedValues": ["slow", "careful"]},
    "Paths": {"type": "S3Uri", "collection": True, "defaultValue": []},
    "Role": {"type": "IAMRoleArn", "defaultValue": ROLE},
}


@pytest.mark.parametrize("case", sorted(BAD_PARAMETERS))
def test_bad_parameters_fail_the_run_before_anything_is_created(glue, blueprint, case):
    params, expected = BAD_PARAMETERS[case]
    bp = blueprint(SIMPLE_LAYOUT, BAD_PARAMETER_SPEC)
    run = start_and_wait(glue, bp, params)
    assert run["State"] == "FAILED"
    assert run["ErrorMessage"].startswith("Invalid blueprint parameters: ")
    assert expected in run["ErrorMessage"]
    assert "WorkflowName" not in run and "RollbackErrorMessage" not in run


def test_all_parameter_problems_are_reported_at_once(glue, blueprint):
    bp = blueprint(SIMPLE_LAYOUT, BAD_PARAMETER_SPEC)
    run = start_and_wait(glue, bp, {"Count": "x", "Mode": "fast"})
    for expected in ("'WorkflowName' is required", "'Count'", "'Mode'"):
        assert expected in run["ErrorMessage"]


UNKNOWN = "Unknown error executing layout generator function "
LAYOUT_FAILURES = {
    "import-error": (
        "import no_such_module_here\ndef generate_layout(u, s):\n    pass\n",
        UNKNOWN + "ModuleNotFoundError: No module named 'no_such_module_here'",
    ),
    "exception": (
        "def generate_layout(u, s):\n    raise ValueError('bucket is not empty')\n",
        UNKNOWN + "ValueError: bucket is not empty",
    ),
    "not-a-workflow": (
        "def generate_layout(u, s):\n    return {'Name': 'w'}\n",
        UNKNOWN + "AttributeError: 'dict' object has no attribute 'to_json'",
    ),
    "sys-exit": ("import sys\ndef generate_layout(u, s):\n    sys.exit(3)\n", UNKNOWN + "SystemExit: 3"),
    "file-not-found": (
        "def generate_layout(u, s):\n    open('bp/missing.py')\n",
        UNKNOWN + "FileNotFoundError: [Errno 2] No such file or directory: 'bp/missing.py'",
    ),
    "os-exit": (
        "import os\ndef generate_layout(u, s):\n    print('bye')\n    os._exit(7)\n",
        "exited with status 7 before returning a workflow. Last output:\nbye",
    ),
    "wrong-type": (
        "from awsglue.blueprint.job import Job\ndef generate_layout(u, s):\n    Job(Name='j', MaxCapacity=1)\n",
        UNKNOWN + "TypeError: Value 1 for key MaxCapacity should be of type <class 'float'>!",
    ),
    "connections-not-a-dict": (
        "from awsglue.blueprint.job import Job\ndef generate_layout(u, s):\n    Job(Name='j', Connections=['foo'])\n",
        UNKNOWN + "TypeError: Value ['foo'] for key Connections should be of type <class 'dict'>!",
    ),
    "missing-required": (
        (
            "from awsglue.blueprint.workflow import *\ndef generate_layout(u, s):\n"
            "    return Workflow(Name='w', Entities=Entities(Jobs=[Job(Name='j')]))\n"
        ),
        UNKNOWN + "TypeError: Required Fields for Job were missing: ['Role', 'Command']",
    ),
    "crawlers-without-jobs": (
        (
            "from awsglue.blueprint.workflow import *\ndef generate_layout(u, s):\n"
            "    c = Crawler(Name='c', Role='r', Targets={'S3Targets': [{'Path': 's3://b/'}]})\n"
            "    return Workflow(Name='w', Entities=Entities(Crawlers=[c]))\n"
        ),
        UNKNOWN + "TypeError: 'NoneType' object is not iterable",
    ),
    "dependency-outside-workflow": (
        (
            "from awsglue.blueprint.workflow import *\ndef generate_layout(u, s):\n"
            "    c = dict(Role='r', Command={'Name': 'glueetl', 'ScriptLocation': 's3://b/k'})\n"
            "    outside = Job(Name='outside', **c)\n"
            "    return Workflow(Name='w', Entities=Entities(Jobs=[Job(Name='j', DependsOn={outside: 'SUCCEEDED'}, **c)]))\n"
        ),
        "refers to the job 'outside_",
    ),
    "invalid-entity-name": (
        (
            "from awsglue.blueprint.workflow import *\ndef generate_layout(u, s):\n"
            "    c = dict(Role='r', Command={'Name': 'glueetl', 'ScriptLocation': 's3://b/k'})\n"
            "    return Workflow(Name='w', Entities=Entities(Jobs=[Job(Name='j' * 300, **c)]))\n"
        ),
        "Job 'jjjj",
    ),
    "invalid-schedule": (
        (
            "from awsglue.blueprint.workflow import *\ndef generate_layout(u, s):\n"
            "    c = dict(Role='r', Command={'Name': 'glueetl', 'ScriptLocation': 's3://b/k'})\n"
            "    return Workflow(Name='w', OnSchedule='cron(0 0 * * * *)', Entities=Entities(Jobs=[Job(Name='j', **c)]))\n"
        ),
        "The schedule cron(0 0 * * * *) is invalid.",
    ),
    "invalid-crawler-schedule": (
        (
            "from awsglue.blueprint.workflow import *\ndef generate_layout(u, s):\n"
            "    c = Crawler(Name='c', Role='r', Targets={'S3Targets': [{'Path': 's3://b/'}]}, Schedule='cron(61 * * * ? *)')\n"
            "    return Workflow(Name='w', Entities=Entities(Jobs=[], Crawlers=[c]))\n"
        ),
        "The schedule cron(61 * * * ? *) is invalid.",
    ),
}


@pytest.mark.parametrize("case", sorted(LAYOUT_FAILURES))
def test_layout_failures_fail_the_run_with_what_went_wrong(glue, blueprint, case):
    code, expected = LAYOUT_FAILURES[case]
    bp = blueprint(code)
    run = start_and_wait(glue, bp, {})
    assert run["State"] == "FAILED"
    assert expected in run["ErrorMessage"], run["ErrorMessage"]


def test_layout_exception_message_carries_the_authors_traceback_tail_only(glue, blueprint):
    code = "def helper():\n    raise KeyError('TableName')\n\ndef generate_layout(u, s):\n    helper()\n"
    run = start_and_wait(glue, blueprint(code), {})
    message = run["ErrorMessage"]
    assert message.startswith(UNKNOWN + "KeyError: 'TableName'\nTraceback (most recent call last):")
    assert 'File "bp/layout.py", line 2, in helper' in message
    assert "glueprint" not in message and "/tmp" not in message and "importlib" not in message


def test_names_taken_outside_the_run_fail_it_in_aws_words_and_roll_back(glue, blueprint, name):
    bp = blueprint(SIMPLE_LAYOUT, {"WorkflowName": {"type": "String"}})
    first = start_and_wait(glue, bp, {"WorkflowName": name})
    assert first["State"] == "SUCCEEDED"
    again = start_and_wait(glue, bp, {"WorkflowName": name})
    assert again["State"] == "FAILED" and again["ErrorMessage"] == f"Workflow with name: {name} already exists."
    assert "RollbackErrorMessage" not in again
    # DeleteWorkflow leaves the workflow's jobs and triggers, as on AWS; a new run of that
    # name then creates its workflow and job, meets the old starting trigger, and rolls back.
    glue.delete_workflow(Name=name)
    jobs_before = entities_named(glue, name)["jobs"]
    run = start_and_wait(glue, bp, {"WorkflowName": name})
    assert run["State"] == "FAILED"
    assert run["ErrorMessage"] == f"Trigger with name '{name}_starting_trigger' already submitted with different configuration"
    assert "RollbackErrorMessage" not in run and "WorkflowName" not in run
    assert entities_named(glue, name)["jobs"] == jobs_before and entities_named(glue, name)["workflows"] == []


def test_timeout_stops_the_layout_and_fails_the_run(start_server, upload, name):
    # 5 s: the good blueprint's check and run below must fit in it too, on a loaded machine
    server = start_server("--run-timeout", "5")
    glue = glue_client(server.url)
    create_blueprint(
        glue, Name=name, BlueprintLocation=upload(layout_archive("def generate_layout(u, s):\n    while True: pass\n"))
    )
    run = start_and_wait(glue, name, {})
    assert run["State"] == "FAILED"
    assert "did not finish within 5 seconds" in run["ErrorMessage"]
    ok = create_blueprint(
        glue, Name=name + "ok", BlueprintLocation=upload(layout_archive(SIMPLE_LAYOUT, {"WorkflowName": {"type": "String"}}))
    )
    assert ok and start_and_wait(glue, name + "ok", {"WorkflowName": name})["State"] == "SUCCEEDED"


def test_start_run_errors(glue, blueprint, name):
    assert error_of(glue.start_blueprint_run, BlueprintName=name, RoleArn=ROLE)["Code"] == "EntityNotFoundException"
    bp = blueprint(SIMPLE_LAYOUT)
    for bad in ("[1, 2]", "nope", '"text"'):
        err = error_of(glue.start_blueprint_run, BlueprintName=bp, RoleArn=ROLE, Parameters=bad)
        assert err["Code"] == "InvalidInputException", bad
    assert glue.get_blueprint_runs(BlueprintName=bp)["BlueprintRuns"] == []


def test_get_run_errors(glue, blueprint, name):
    assert error_of(glue.get_blueprint_runs, BlueprintName=name)["Code"] == "EntityNotFoundException"
    bp = blueprint(SIMPLE_LAYOUT)
    err = error_of(glue.get_blueprint_run, BlueprintName=bp, RunId="no-such-run")
    assert err["Code"] == "EntityNotFoundException"


def test_runs_are_listed_newest_first_and_vanish_with_their_blueprint(glue, blueprint, upload, name):
    bp = blueprint(SIMPLE_LAYOUT, {"WorkflowName": {"type": "String"}})
    ids = [start_and_wait(glue, bp, {"WorkflowName": f"{name}_{i}"})["RunId"] for i in range(3)]
    listed = glue.get_blueprint_runs(BlueprintName=bp)["BlueprintRuns"]
    assert [r["RunId"] for r in listed] == ids[::-1]
    assert all(r["State"] == "SUCCEEDED" for r in listed)
    glue.delete_blueprint(Name=bp)
    create_blueprint(glue, Name=bp, BlueprintLocation=upload(layout_archive(SIMPLE_LAYOUT)))
    assert glue.get_blueprint_runs(BlueprintName=bp)["BlueprintRuns"] == []
    # The workflows those runs created stay, as in AWS.
    assert glue.get_workflow(Name=f"{name}_0")["Workflow"]["Name"] == f"{name}_0"


def test_run_id_of_another_blueprint_is_not_found(glue, blueprint, upload, name):
    bp = blueprint(SIMPLE_LAYOUT, {"WorkflowName": {"type": "String"}})
    run_id = glue.start_blueprint_run(BlueprintName=bp, RoleArn=ROLE, Parameters=json.dumps({"WorkflowName": name}))["RunId"]
    wait_run(glue, bp, run_id)
    create_blueprint(glue, Name=name + "2", BlueprintLocation=upload(layout_archive(SIMPLE_LAYOUT)))
    err = error_of(glue.get_blueprint_run, BlueprintName=name + "2", RunId=run_id)
    assert err["Code"] == "EntityNotFoundException"
