"""A Glue crawler in a blueprint's workflow, and the helper types its fields use.

Targets are spelled as AWS's layout library spells them (``JDBCTargets``); the service
carries them into the Glue API's ``JdbcTargets``. Target kinds the library does not know
(DeltaTargets, IcebergTargets, ...) pass through unchecked.
"""

from .base_resource import BaseResource, ValueEnum, check_nested, ensure_choice, ensure_type


class UpdateBehavior(ValueEnum):
    LOG = "LOG"
    UPDATE_IN_DATABASE = "UPDATE_IN_DATABASE"


class DeleteBehavior(ValueEnum):
    LOG = "LOG"
    DELETE_FROM_DATABASE = "DELETE_FROM_DATABASE"
    DEPRECATE_IN_DATABASE = "DEPRECATE_IN_DATABASE"


class S3Target(BaseResource):
    FIELDS = {"Path": (str, True), "Exclusions": (list, False)}


class JDBCTarget(BaseResource):
    FIELDS = {"ConnectionName": (str, True), "Path": (str, True), "Exclusions": (list, False)}


class CatalogTarget(BaseResource):
    FIELDS = {"DatabaseName": (str, True), "Tables": (list, True)}


class DynamoDBTarget(BaseResource):
    FIELDS = {"Path": (str, True)}


class Targets(BaseResource):
    KINDS = {"S3Targets": S3Target, "JDBCTargets": JDBCTarget, "CatalogTargets": CatalogTarget, "DynamoDBTargets": DynamoDBTarget}
    FIELDS = {kind: (list, False) for kind in KINDS}

    def validate(self) -> bool:
        for kind, target_class in self.KINDS.items():
            for target in self.__dict__.get(kind, []):
                ensure_type(kind, target, dict)
                target_class(**target).validate()
        return True


class SchemaChangePolicy(BaseResource):
    FIELDS = {"UpdateBehavior": (str, False), "DeleteBehavior": (str, False)}

    def validate(self) -> bool:
        if "UpdateBehavior" in self.__dict__:
            ensure_choice("UpdateBehavior", self.UpdateBehavior, UpdateBehavior)
        if "DeleteBehavior" in self.__dict__:
            ensure_choice("DeleteBehavior", self.DeleteBehavior, DeleteBehavior)
        return True


class Crawler(BaseResource):
    FIELDS = {
        "Name": (str, True),
        "Role": (str, True),
        "Targets": (dict, True),
        "Description": (str, False),
        "DatabaseName": (str, False),
        "TablePrefix": (str, False),
        "Configuration": (str, False),
        "CrawlerSecurityConfiguration": (str, False),
        "Schedule": (str, False),
        "WaitForDependencies": (str, False),
        "Classifiers": (list, False),
        "SchemaChangePolicy": (dict, False),
        "Tags": (dict, False),
        "DependsOn": (dict, False),
    }

    def validate(self) -> bool:
        super().validate()
        check_nested(Targets, "Targets", self.Targets)
        check_nested(SchemaChangePolicy, "SchemaChangePolicy", self.__dict__.get("SchemaChangePolicy"))
        return True
