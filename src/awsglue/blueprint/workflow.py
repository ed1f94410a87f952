"""The Workflow a layout script returns, the Entities it holds, and the triggers derived from them.

``Workflow.to_json(name_suffix)`` is what the service creates: every job and crawler name
gets ``_<name_suffix>``; one ``<workflow>_starting_trigger`` starts every entity that depends
on nothing (crawlers first); each entity with DependsOn gets a CONDITIONAL
``<workflow>_<entity>_trigger`` waiting on its dependencies. Conditional triggers come first,
crawlers' before jobs', the starting trigger last, as AWS's library orders them.
"""

from .base_resource import BaseResource, ValueEnum, ensure_type  # noqa: F401  (star-imported by layouts)
from .crawler import Crawler
from .job import Job

__all__ = ["Workflow", "Entities", "Job", "Crawler", "BaseResource", "ensure_type"]


class Entities:
    def __init__(self, **kwargs):
        self.Crawlers = kwargs.get("Crawlers")
        self.Jobs = kwargs.get("Jobs")

    def validate(self) -> bool:
        crawlers_valid = all(crawler.validate() for crawler in self.Crawlers) if self.Crawlers else True
        # As on AWS, Jobs is always iterated: a crawler-only workflow must pass Jobs=[].
        jobs_valid = all(job.validate() for job in self.Jobs)
        return crawlers_valid and jobs_valid

    def to_json(self, workflow_name: str, schedule: str | None, name_suffix: str) -> tuple[list, list, list]:
        crawlers = [_suffixed(c.to_json(), name_suffix) for c in self.Crawlers or []]
        jobs = [_suffixed(j.to_json(), name_suffix) for j in self.Jobs or []]
        start = _starting_trigger(workflow_name, schedule)
        triggers = []
        for action_key, entities in (("CrawlerName", crawlers), ("JobName", jobs)):
            for entity in entities:
                if "DependsOn" in entity:
                    triggers.append(_conditional_trigger(workflow_name, action_key, entity, name_suffix))
                else:
                    start["Actions"].append({action_key: entity["Name"]})
        triggers.append(start)
        return crawlers, jobs, triggers


def _suffixed(entity: dict, name_suffix: str) -> dict:
    return {**entity, "Name": f"{entity['Name']}_{name_suffix}"}


def _starting_trigger(workflow_name: str, schedule: str | None) -> dict:
    trigger = {"WorkflowName": workflow_name, "Name": f"{workflow_name}_starting_trigger", "Actions": []}
    if schedule == "EVENT":
        trigger.update(Type="EVENT", EventBatchingCondition={"BatchSize": 1})
    elif not schedule or schedule == "ON_DEMAND":
        trigger["Type"] = "ON_DEMAND"
    else:
        trigger.update(Type="SCHEDULED", Schedule=schedule, StartOnCreation=True)
    return trigger


def _condition(dependency, state: str, name_suffix: str) -> dict:
    if isinstance(dependency, Crawler):
        return {"LogicalOperator": "EQUALS", "CrawlerName": f"{dependency.Name}_{name_suffix}", "CrawlState": state}
    if isinstance(dependency, Job):
        return {"LogicalOperator": "EQUALS", "JobName": f"{dependency.Name}_{name_suffix}", "State": state}
    raise TypeError(f"Dependencies must be of type Job or Crawler, but found {type(dependency)} instead")


def _conditional_trigger(workflow_name: str, action_key: str, entity: dict, name_suffix: str) -> dict:
    """The trigger that starts entity once its dependencies reached their states; it takes
    DependsOn and WaitForDependencies out of the entity."""
    predicate = {"Conditions": [_condition(dep, state, name_suffix) for dep, state in entity.pop("DependsOn").items()]}
    if "WaitForDependencies" in entity:
        predicate["Logical"] = entity.pop("WaitForDependencies")
    return {
        "WorkflowName": workflow_name,
        "Type": "CONDITIONAL",
        "Name": f"{workflow_name}_{entity['Name']}_trigger",
        "Predicate": predicate,
        "StartOnCreation": True,
        "Actions": [{action_key: entity["Name"]}],
    }


class Workflow(BaseResource):
    FIELDS = {
        "Name": (str, True),
        "Description": (str, False),
        "DefaultRunProperties": (dict, False),
        "Tags": (dict, False),
        "OnSchedule": (str, False),
        "Entities": (Entities, True),
    }
    DROP_FALSY = False

    def validate(self) -> bool:
        super().validate()
        return self.Entities.validate()

    def to_json(self, name_suffix: str = "") -> dict:
        self.validate()
        head = {key: self.__dict__[key] for key in ("Name", "Description", "DefaultRunProperties", "Tags")}
        crawlers, jobs, triggers = self.Entities.to_json(self.Name, self.OnSchedule, name_suffix)
        return {"Workflow": head, "Crawlers": crawlers, "Jobs": jobs, "Triggers": triggers}
