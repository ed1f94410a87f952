"""Tags by ARN on the resources AWS tags that the API's other tests do not cover: blueprints
("AWS tags in AWS Glue" lists blueprints, workflows, jobs, crawlers, triggers, databases and
connections)."""

from conftest import error_of

ARN = "arn:aws:glue:us-east-1:123456789012"


def test_blueprint_tags_by_arn(glue, example, name):
    glue.create_blueprint(Name=name, BlueprintLocation=example("catalog_bootstrap"), Tags={"team": "data"})
    arn = f"{ARN}:blueprint/{name}"
    assert glue.get_tags(ResourceArn=arn)["Tags"] == {"team": "data"}
    glue.tag_resource(ResourceArn=arn, TagsToAdd={"stage": "prüfung"})
    glue.untag_resource(ResourceArn=arn, TagsToRemove=["team"])
    assert glue.get_tags(ResourceArn=arn)["Tags"] == {"stage": "prüfung"}
    assert name in glue.list_blueprints(Tags={"stage": "prüfung"})["Blueprints"]
    assert error_of(glue.get_tags, ResourceArn=f"{ARN}:blueprint/{name}x")["Code"] == "EntityNotFoundException"
    assert (
        error_of(glue.tag_resource, ResourceArn=f"{ARN}:devEndpoint/x", TagsToAdd={"a": "b"})["Code"] == "InvalidInputException"
    )
