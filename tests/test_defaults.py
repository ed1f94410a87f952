"""What Glue's Create* operations fill in comes from the botocore model's documentation."""

from glueprint.domain.defaults import documented, job_defaults, job_doc
from glueprint.layouts.lenient import lenient
from glueprint.protocol.model import service_model

COMMAND = {"Name": "glueetl", "ScriptLocation": "s3://b/k.py"}


def test_job_defaults_are_the_ones_the_model_documents():
    found = job_defaults()
    assert f"default to Glue {found['GlueVersion']}" in documented("CreateJobRequest", "GlueVersion")
    up_to, old, new = found["timeouts"]
    timeout_doc = documented("CreateJobRequest", "Timeout")
    assert f"{old:,} minutes for Glue version {up_to:.1f} and earlier" in timeout_doc and f"or {new} minutes" in timeout_doc
    assert found["MaxConcurrentRuns"] == 1 and found["JobMode"] == "SCRIPT" and found["PythonShellMaxCapacity"] == 0.0625


def test_a_jobs_timeout_default_follows_its_glue_version():
    up_to, old, new = job_defaults()["timeouts"]
    assert job_doc({"Name": "j", "Command": COMMAND, "GlueVersion": "3.0"}, 0)["Timeout"] == old
    assert job_doc({"Name": "j", "Command": COMMAND, "GlueVersion": f"{up_to + 1:.1f}"}, 0)["Timeout"] == new
    unversioned = job_doc({"Name": "j", "Command": COMMAND}, 0)
    assert unversioned["GlueVersion"] == job_defaults()["GlueVersion"]
    assert job_doc({"Name": "j", "Command": COMMAND, "Timeout": 5}, 0)["Timeout"] == 5


def test_given_values_win_over_defaults_and_execution_property_is_completed():
    doc = job_doc({"Name": "j", "Command": COMMAND, "MaxRetries": 2, "ExecutionProperty": {"MaxConcurrentRuns": 4}}, 7.0)
    assert doc["MaxRetries"] == 2 and doc["ExecutionProperty"] == {"MaxConcurrentRuns": 4}
    assert doc["CreatedOn"] == doc["LastModifiedOn"] == 7.0 and doc["MaxCapacity"] == 10.0


def test_the_lenient_reader_turns_numbers_and_booleans_into_strings_only_where_strings_are_wanted():
    shape = service_model().shape_for("CreateJobRequest")
    read = lenient(shape, {"Name": "j", "DefaultArguments": {"--a": 0.5, "--b": True, "--c": 8, "--d": "x"}, "MaxRetries": 3})
    assert read["DefaultArguments"] == {"--a": "0.5", "--b": "true", "--c": "8", "--d": "x"}
    assert read["MaxRetries"] == 3 and read["Name"] == "j"
    assert lenient(shape, {"Timeout": "5"})["Timeout"] == "5"  # left for validation to refuse
