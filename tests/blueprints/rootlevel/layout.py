"""Every file at the ZIP's root: layoutGenerator is layout.generate_layout."""

from helpers import role

from awsglue.blueprint.workflow import Entities, Job, Workflow


def generate_layout(user_params, system_params):
    job = Job(Name="only", Role=role(), Command={"Name": "pythonshell", "ScriptLocation": "s3://b/only.py"})
    return Workflow(Name=user_params["WorkflowName"], Entities=Entities(Jobs=[job]))
