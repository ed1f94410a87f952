"""A Glue job in a blueprint's workflow, and the helper types its fields use."""

from .base_resource import BaseResource, ValueEnum, check_nested, ensure_choice


class CommandName(ValueEnum):
    GLUE_ETL = "glueetl"
    PYTHON_SHELL = "pythonshell"
    GLUE_STREAMING = "gluestreaming"


class WorkerType(ValueEnum):
    STANDARD = "Standard"
    G1_X = "G.1X"
    G2_X = "G.2X"


class Command(BaseResource):
    FIELDS = {"Name": (str, True), "ScriptLocation": (str, True), "PythonVersion": (str, False)}

    def validate(self) -> bool:
        super().validate()
        ensure_choice("Name", self.Name, CommandName)
        return True


class ExecutionProperty(BaseResource):
    FIELDS = {"MaxConcurrentRuns": (int, False)}


class Job(BaseResource):
    FIELDS = {
        "Name": (str, True),
        "Role": (str, True),
        "Command": (dict, True),
        "Description": (str, False),
        "LogUri": (str, False),
        "ExecutionProperty": (dict, False),
        "DefaultArguments": (dict, False),
        "NonOverridableArguments": (dict, False),
        "Connections": (dict, False),
        "MaxRetries": (int, False),
        "AllocatedCapacity": (int, False),
        "Timeout": (int, False),
        "MaxCapacity": (float, False),
        "SecurityConfiguration": (str, False),
        "Tags": (dict, False),
        "NotificationProperty": (dict, False),
        "GlueVersion": (str, False),
        "NumberOfWorkers": (int, False),
        "WorkerType": (str, False),
        "DependsOn": (dict, False),
        "WaitForDependencies": (str, False),
    }

    def __init__(self, **kwargs):
        # AWS's library reads the description from the lower-case keyword only.
        kwargs["Description"] = kwargs.pop("description", None)
        super().__init__(**kwargs)

    def validate(self) -> bool:
        super().validate()
        check_nested(Command, "Command", self.Command)
        check_nested(ExecutionProperty, "ExecutionProperty", self.__dict__.get("ExecutionProperty"))
        if "WorkerType" in self.__dict__:
            ensure_choice("WorkerType", self.WorkerType, WorkerType)
        return True
