"""Blueprint parameters against a parameterSpec: every type, collections, defaults, allowed values."""

import json

import pytest

from glueprint.layouts.params import ParameterError, check_spec, resolve

GOOD = {
    "String": ("text", "text"),
    "Integer": (5, 5),
    "Double": (2, 2.0),
    "Boolean": ("true", True),
    "S3Uri": ("s3://bucket/key", "s3://bucket/key"),
    "S3Bucket": ("my-bucket.logs", "my-bucket.logs"),
    "IAMRoleArn": ("arn:aws:iam::123456789012:role/service-role/Glue", "arn:aws:iam::123456789012:role/service-role/Glue"),
    "IAMRoleName": ("GlueRole+x@y", "GlueRole+x@y"),
}
BAD = {
    "String": 5,
    "Integer": 1.5,
    "Double": "fast",
    "Boolean": "maybe",
    "S3Uri": "https://bucket/key",
    "S3Bucket": "Bad_Bucket",
    "IAMRoleArn": "arn:aws:iam::123:user/bob",
    "IAMRoleName": "has space",
}


@pytest.mark.parametrize("kind", sorted(GOOD))
def test_each_type_accepts_its_values_and_types_them(kind):
    given, typed = GOOD[kind]
    assert resolve({"P": {"type": kind}}, json.dumps({"P": given})) == {"P": typed}


@pytest.mark.parametrize("kind", sorted(BAD))
def test_each_type_rejects_what_it_is_not(kind):
    with pytest.raises(ParameterError) as err:
        resolve({"P": {"type": kind}}, json.dumps({"P": BAD[kind]}))
    assert f"parameter 'P' ({kind})" in str(err.value)


@pytest.mark.parametrize("kind", sorted(GOOD))
def test_each_type_works_as_a_collection(kind):
    given, typed = GOOD[kind]
    spec = {"P": {"type": kind, "collection": True}}
    assert resolve(spec, json.dumps({"P": [given, given]})) == {"P": [typed, typed]}
    with pytest.raises(ParameterError):
        resolve(spec, json.dumps({"P": [given, BAD[kind]]}))


def test_booleans_are_not_integers():
    with pytest.raises(ParameterError):
        resolve({"P": {"type": "Integer"}}, '{"P": true}')


def test_defaults_fill_missing_and_null_values():
    spec = {"A": {"type": "Integer", "defaultValue": 3}, "B": {"type": "String", "defaultValue": "x"}}
    assert resolve(spec, '{"B": null}') == {"A": 3, "B": "x"}
    assert resolve(spec, None) == {"A": 3, "B": "x"}


def test_allowed_values_apply_to_each_collection_item():
    spec = {"P": {"type": "String", "collection": True, "allowedValues": ["a", "b"]}}
    assert resolve(spec, '{"P": ["a", "b"]}') == {"P": ["a", "b"]}
    with pytest.raises(ParameterError, match="not one of the allowed values"):
        resolve(spec, '{"P": ["a", "c"]}')


def test_every_problem_is_listed():
    with pytest.raises(ParameterError) as err:
        resolve({"A": {"type": "Integer"}, "B": {"type": "Boolean"}}, '{"B": 1, "C": 2}')
    assert len(err.value.problems) == 3


SPEC_PROBLEMS = {
    "not-an-object": ([], "must be a JSON object"),
    "entry-not-object": ({"P": "String"}, "parameterSpec.P must be a JSON object"),
    "unknown-type": ({"P": {"type": "Float"}}, "parameterSpec.P.type must be one of"),
    "unknown-key": ({"P": {"type": "String", "required": True}}, "unknown keys ['required']"),
    "collection-not-bool": ({"P": {"type": "String", "collection": "yes"}}, "collection must be true or false"),
    "allowed-empty": ({"P": {"type": "String", "allowedValues": []}}, "allowedValues must be a non-empty list"),
    "allowed-wrong-type": ({"P": {"type": "Integer", "allowedValues": ["x"]}}, "allowedValues: expected an integer"),
    "default-not-allowed": (
        {"P": {"type": "String", "allowedValues": ["a"], "defaultValue": "b"}},
        'defaultValue: "b" is not one of the allowed values',
    ),
    "description-not-string": ({"P": {"type": "String", "description": 1}}, "description must be a string"),
}


@pytest.mark.parametrize("case", sorted(SPEC_PROBLEMS))
def test_spec_problems_name_the_parameter_and_key(case):
    spec, expected = SPEC_PROBLEMS[case]
    problems = check_spec(spec)
    assert any(expected in p for p in problems), problems


def test_a_good_spec_has_no_problems():
    assert check_spec({"P": {"type": "S3Uri", "collection": True, "defaultValue": ["s3://a/b"], "description": "d"}}) == []
