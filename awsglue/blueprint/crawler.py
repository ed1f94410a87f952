"""A Glue crawler in a blueprint's workflow."""

from .base_resource import BaseResource, Field
from .job import DEPENDENCY_MODES

TARGET_REQUIRED = {
    "S3Targets": ("Path",),
    "JDBCTargets": ("ConnectionName", "Path"),
    "CatalogTargets": ("DatabaseName", "Tables"),
    "DynamoDBTargets": ("Path",),
}
UPDATE_BEHAVIORS = ("LOG", "UPDATE_IN_DATABASE")
DELETE_BEHAVIORS = ("LOG", "DELETE_FROM_DATABASE", "DEPRECATE_IN_DATABASE")


class Crawler(BaseResource):
    FIELDS = {
        "Name": Field((str,), required=True),
        "Role": Field((str,), required=True),
        "Targets": Field((dict,), required=True),
        "Description": Field((str,)),
        "DatabaseName": Field((str,)),
        "Classifiers": Field((list,)),
        "SchemaChangePolicy": Field((dict,)),
        "TablePrefix": Field((str,)),
        "Configuration": Field((str,)),
        "CrawlerSecurityConfiguration": Field((str,)),
        "Tags": Field((dict,)),
        "DependsOn": Field((dict,)),
        "Schedule": Field((str,)),
        "WaitForDependencies": Field((str,), choices=DEPENDENCY_MODES),
    }

    def validate(self) -> None:
        super().validate()
        for kind, targets in self.Targets.items():
            if kind not in TARGET_REQUIRED:
                raise TypeError(f"Crawler {self.Name} Targets has unknown kind {kind!r}")
            for target in targets:
                missing = [key for key in TARGET_REQUIRED[kind] if key not in target]
                if missing:
                    raise TypeError(f"Crawler {self.Name} {kind} entry is missing {', '.join(missing)}")
        policy = self.SchemaChangePolicy or {}
        if policy.get("UpdateBehavior", "LOG") not in UPDATE_BEHAVIORS:
            raise TypeError(f"Crawler {self.Name} SchemaChangePolicy.UpdateBehavior must be one of {', '.join(UPDATE_BEHAVIORS)}")
        if policy.get("DeleteBehavior", "LOG") not in DELETE_BEHAVIORS:
            raise TypeError(f"Crawler {self.Name} SchemaChangePolicy.DeleteBehavior must be one of {', '.join(DELETE_BEHAVIORS)}")
