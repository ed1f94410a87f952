"""A Glue job in a blueprint's workflow."""

from .base_resource import BaseResource, Field

COMMAND_NAMES = ("glueetl", "pythonshell", "gluestreaming")
DEPENDENCY_MODES = ("AND", "ANY")


class Job(BaseResource):
    FIELDS = {
        "Name": Field((str,), required=True),
        "Role": Field((str,), required=True),
        "Command": Field((dict,), required=True),
        "Description": Field((str,)),
        "LogUri": Field((str,)),
        "ExecutionProperty": Field((dict,)),
        "DefaultArguments": Field((dict,)),
        "NonOverridableArguments": Field((dict,)),
        "Connections": Field((dict,)),
        "MaxRetries": Field((int,)),
        "AllocatedCapacity": Field((int,)),
        "Timeout": Field((int,)),
        "MaxCapacity": Field((float, int)),
        "SecurityConfiguration": Field((str,)),
        "Tags": Field((dict,)),
        "NotificationProperty": Field((dict,)),
        "GlueVersion": Field((str,)),
        "NumberOfWorkers": Field((int,)),
        "WorkerType": Field((str,), choices=("Standard", "G.1X", "G.2X")),
        "DependsOn": Field((dict,)),
        "WaitForDependencies": Field((str,), choices=DEPENDENCY_MODES),
    }
    ALIASES = {"description": "Description"}

    def validate(self) -> None:
        super().validate()
        command = self.Command
        missing = [key for key in ("Name", "ScriptLocation") if not command.get(key)]
        if missing:
            raise TypeError(f"Job {self.Name} Command is missing required fields: {', '.join(missing)}")
        if command["Name"] not in COMMAND_NAMES:
            raise TypeError(f"Job {self.Name} Command.Name must be one of {', '.join(COMMAND_NAMES)}, got {command['Name']!r}")
