from awsglue.blueprint.workflow import Entities, Job, Workflow
from pkg_init.naming import job_name


def generate_layout(user_params, system_params):
    job = Job(Name=job_name(), Role="r", Command={"Name": "pythonshell", "ScriptLocation": "s3://b/p.py"})
    return Workflow(Name=user_params["WorkflowName"], Entities=Entities(Jobs=[job]))
