"""Extract, transform, load: three jobs in a chain, the workflow started on a schedule."""

from awsglue.blueprint.workflow import *  # noqa: F403  (public blueprints import this way)


def _job(user_params, step, depends_on=None):
    bookmarks = "job-bookmark-enable" if user_params["Bookmarks"] else "job-bookmark-disable"
    return Job(  # noqa: F405
        Name=f"{user_params['WorkflowName']}_{step}",
        Role=user_params["JobRole"],
        Command={
            "Name": "glueetl",
            "ScriptLocation": f"s3://{user_params['ScriptBucket']}/scripts/{step}.py",
            "PythonVersion": "3",
        },
        description=f"The {step} step",
        GlueVersion="4.0",
        WorkerType=user_params["WorkerType"],
        NumberOfWorkers=user_params["NumberOfWorkers"],
        DefaultArguments={"--job-bookmark-option": bookmarks},
        DependsOn={depends_on: "SUCCEEDED"} if depends_on else None,
    )


def generate_layout(user_params, system_params):
    extract = _job(user_params, "extract")
    transform = _job(user_params, "transform", extract)
    load = _job(user_params, "load", transform)
    return Workflow(  # noqa: F405
        Name=user_params["WorkflowName"],
        Description="Scheduled ETL",
        DefaultRunProperties={"region": system_params["region"]},
        OnSchedule=user_params["Schedule"],
        Entities=Entities(Jobs=[extract, transform, load]),  # noqa: F405
    )
