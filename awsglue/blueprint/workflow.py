"""The Workflow a layout script returns, and the Entities it holds."""

from .base_resource import BaseResource, Field
from .crawler import Crawler
from .job import Job

__all__ = ["Workflow", "Entities", "Job", "Crawler"]


class Entities(BaseResource):
    FIELDS = {
        "Jobs": Field((list,)),
        "Crawlers": Field((list,)),
    }

    def validate(self) -> None:
        super().validate()
        for key, kind in (("Jobs", Job), ("Crawlers", Crawler)):
            for item in getattr(self, key) or []:
                if not isinstance(item, kind):
                    raise TypeError(f"Entities.{key} must hold {kind.__name__} objects, got {type(item).__name__}")
                item.validate()


class Workflow(BaseResource):
    FIELDS = {
        "Name": Field((str,), required=True),
        "Description": Field((str,)),
        "DefaultRunProperties": Field((dict,)),
        "Tags": Field((dict,)),
        "OnSchedule": Field((str,)),
        "Entities": Field((Entities,), required=True),
    }

    def validate(self) -> None:
        super().validate()
        self.Entities.validate()
