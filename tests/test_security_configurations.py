"""Security configurations and the Data Catalog's encryption settings over boto3 on both
backends (API reference: CreateSecurityConfiguration, GetSecurityConfiguration,
GetSecurityConfigurations, DeleteSecurityConfiguration, GetDataCatalogEncryptionSettings,
PutDataCatalogEncryptionSettings; developer guide: "Working with security configurations",
"Encrypting your Data Catalog")."""

import random
import time
import uuid

import pytest

from conftest import ROLE, all_pages, error_of
from servers import _SESSION, _SESSION_LOCK

KEY = "arn:aws:kms:us-east-1:123456789012:key/0a1b2c3d-0000-4000-8000-000000000001"
EVERYTHING = {
    "S3Encryption": [{"S3EncryptionMode": "SSE-KMS", "KmsKeyArn": KEY}],
    "CloudWatchEncryption": {"CloudWatchEncryptionMode": "SSE-KMS", "KmsKeyArn": KEY},
    "JobBookmarksEncryption": {"JobBookmarksEncryptionMode": "CSE-KMS", "KmsKeyArn": KEY},
    "DataQualityEncryption": {"DataQualityEncryptionMode": "DISABLED"},
}
COMMAND = {"Name": "glueetl", "ScriptLocation": "s3://b/x.py"}


def new_name() -> str:
    return f"sc_{uuid.uuid4().hex[:10]}"


def new_catalog() -> str:
    return "".join(random.choice("0123456789") for _ in range(12))


def account_client(server, account: str):
    """A client in its own account (a 12-digit access key is the account's id)."""
    with _SESSION_LOCK:
        return _SESSION.client(
            "glue", endpoint_url=server.url, region_name="us-east-1", aws_access_key_id=account, aws_secret_access_key="x"
        )


def test_a_security_configuration_is_kept_as_given_with_its_creation_time(glue):
    name, before = new_name(), time.time()
    created = glue.create_security_configuration(Name=name, EncryptionConfiguration=EVERYTHING)
    assert created["Name"] == name and created["CreatedTimestamp"].timestamp() >= before - 1
    shown = glue.get_security_configuration(Name=name)["SecurityConfiguration"]
    assert shown["Name"] == name and shown["EncryptionConfiguration"] == EVERYTHING
    assert shown["CreatedTimeStamp"] == created["CreatedTimestamp"]


@pytest.mark.parametrize(
    "configuration",
    [
        {"S3Encryption": [{"S3EncryptionMode": "SSE-S3", "KmsKeyArn": ""}]},  # as Terraform sends it
        {"S3Encryption": [{"S3EncryptionMode": "SSE-KMS"}]},
        {"CloudWatchEncryption": {"CloudWatchEncryptionMode": "DISABLED"}},
        {},
    ],
)
def test_a_configuration_is_refused_only_for_what_the_model_refuses(glue, configuration):
    name = new_name()
    glue.create_security_configuration(Name=name, EncryptionConfiguration=configuration)
    assert glue.get_security_configuration(Name=name)["SecurityConfiguration"]["EncryptionConfiguration"] == configuration


def test_a_mode_or_key_outside_the_model_is_a_validation_error_and_creates_nothing(raw_glue):
    name = new_name()
    for configuration in (
        {"S3Encryption": [{"S3EncryptionMode": "SSE-C"}]},
        {"JobBookmarksEncryption": {"JobBookmarksEncryptionMode": "SSE-KMS"}},
        {"CloudWatchEncryption": {"CloudWatchEncryptionMode": "SSE-KMS", "KmsKeyArn": "alias/mine"}},
    ):
        error = error_of(raw_glue.create_security_configuration, Name=name, EncryptionConfiguration=configuration)
        assert error["Code"] == "ValidationException"
    assert error_of(raw_glue.get_security_configuration, Name=name)["Code"] == "EntityNotFoundException"


def test_a_taken_name_is_already_exists_and_keeps_the_first(glue):
    name = new_name()
    glue.create_security_configuration(Name=name, EncryptionConfiguration=EVERYTHING)
    error = error_of(glue.create_security_configuration, Name=name, EncryptionConfiguration={})
    assert error["Code"] == "AlreadyExistsException" and name in error["Message"]
    assert glue.get_security_configuration(Name=name)["SecurityConfiguration"]["EncryptionConfiguration"] == EVERYTHING


def test_a_missing_name_is_entity_not_found_to_get_and_delete(glue):
    name = new_name()
    for call in (glue.get_security_configuration, glue.delete_security_configuration):
        error = error_of(call, Name=name)
        assert error["Code"] == "EntityNotFoundException" and name in error["Message"]


def test_delete_removes_it_and_frees_the_name(glue):
    name = new_name()
    glue.create_security_configuration(Name=name, EncryptionConfiguration=EVERYTHING)
    glue.delete_security_configuration(Name=name)
    assert error_of(glue.get_security_configuration, Name=name)["Code"] == "EntityNotFoundException"
    glue.create_security_configuration(Name=name, EncryptionConfiguration={})


def test_the_listing_pages_in_name_order_and_its_token_is_bound_to_the_request(server):
    glue = account_client(server, new_catalog())
    names = sorted(new_name() for _ in range(5))
    for name in names:
        glue.create_security_configuration(Name=name, EncryptionConfiguration={})
    first = glue.get_security_configurations(MaxResults=2)
    assert [c["Name"] for c in first["SecurityConfigurations"]] == names[:2] and first["NextToken"]
    listed = all_pages(glue.get_security_configurations, "SecurityConfigurations", MaxResults=2)
    assert [c["Name"] for c in listed] == names
    error = error_of(glue.get_security_configurations, NextToken="not-a-token")
    assert error["Code"] == "InvalidInputException"


def test_a_crawler_must_name_a_security_configuration_that_exists(glue):
    crawler, missing, existing = new_name(), new_name(), new_name()
    target = {"S3Targets": [{"Path": "s3://b/p"}]}
    error = error_of(
        glue.create_crawler, Name=crawler, Role=ROLE, DatabaseName="db", Targets=target, CrawlerSecurityConfiguration=missing
    )
    assert error["Code"] == "InvalidInputException" and missing in error["Message"]
    assert error_of(glue.get_crawler, Name=crawler)["Code"] == "EntityNotFoundException"

    glue.create_security_configuration(Name=existing, EncryptionConfiguration=EVERYTHING)
    glue.create_crawler(Name=crawler, Role=ROLE, DatabaseName="db", Targets=target, CrawlerSecurityConfiguration=existing)
    error = error_of(glue.update_crawler, Name=crawler, CrawlerSecurityConfiguration=missing)
    assert error["Code"] == "InvalidInputException"
    assert glue.get_crawler(Name=crawler)["Crawler"]["CrawlerSecurityConfiguration"] == existing


def test_a_job_and_its_runs_keep_the_security_configuration_they_name(glue):
    job, configuration = new_name(), new_name()
    glue.create_security_configuration(Name=configuration, EncryptionConfiguration=EVERYTHING)
    glue.create_job(Name=job, Role=ROLE, Command=COMMAND, SecurityConfiguration=configuration)
    assert glue.get_job(JobName=job)["Job"]["SecurityConfiguration"] == configuration
    # AWS documents no check of the name; glueprint keeps it as given (README: differences).
    unknown = new_name()
    glue.update_job(JobName=job, JobUpdate={"Role": ROLE, "Command": COMMAND, "SecurityConfiguration": unknown})
    assert glue.get_job(JobName=job)["Job"]["SecurityConfiguration"] == unknown


def test_a_catalog_never_set_answers_encryption_off(server):
    glue = account_client(server, new_catalog())
    settings = glue.get_data_catalog_encryption_settings()["DataCatalogEncryptionSettings"]
    assert settings == {
        "EncryptionAtRest": {"CatalogEncryptionMode": "DISABLED"},
        "ConnectionPasswordEncryption": {"ReturnConnectionPasswordEncrypted": False},
    }


def test_put_settings_are_answered_for_the_callers_account_by_default(server):
    account = new_catalog()
    glue = account_client(server, account)
    settings = {
        "EncryptionAtRest": {"CatalogEncryptionMode": "SSE-KMS", "SseAwsKmsKeyId": KEY},
        "ConnectionPasswordEncryption": {"ReturnConnectionPasswordEncrypted": True, "AwsKmsKeyId": KEY},
    }
    glue.put_data_catalog_encryption_settings(DataCatalogEncryptionSettings=settings)
    assert glue.get_data_catalog_encryption_settings()["DataCatalogEncryptionSettings"] == settings
    assert glue.get_data_catalog_encryption_settings(CatalogId=account)["DataCatalogEncryptionSettings"] == settings


def test_each_catalog_id_has_its_own_settings(glue):
    mine, other = new_catalog(), new_catalog()
    at_rest = {"CatalogEncryptionMode": "SSE-KMS-WITH-SERVICE-ROLE", "SseAwsKmsKeyId": KEY, "CatalogEncryptionServiceRole": ROLE}
    glue.put_data_catalog_encryption_settings(CatalogId=mine, DataCatalogEncryptionSettings={"EncryptionAtRest": at_rest})
    assert (
        glue.get_data_catalog_encryption_settings(CatalogId=mine)["DataCatalogEncryptionSettings"]["EncryptionAtRest"] == at_rest
    )
    other_settings = glue.get_data_catalog_encryption_settings(CatalogId=other)["DataCatalogEncryptionSettings"]
    assert other_settings["EncryptionAtRest"] == {"CatalogEncryptionMode": "DISABLED"}


def test_a_put_replaces_every_part_and_a_part_left_out_is_off_again(glue):
    catalog = new_catalog()
    both = {
        "EncryptionAtRest": {"CatalogEncryptionMode": "SSE-KMS", "SseAwsKmsKeyId": KEY},
        "ConnectionPasswordEncryption": {"ReturnConnectionPasswordEncrypted": True, "AwsKmsKeyId": KEY},
    }
    glue.put_data_catalog_encryption_settings(CatalogId=catalog, DataCatalogEncryptionSettings=both)
    only_passwords = {"ConnectionPasswordEncryption": both["ConnectionPasswordEncryption"]}
    glue.put_data_catalog_encryption_settings(CatalogId=catalog, DataCatalogEncryptionSettings=only_passwords)
    settings = glue.get_data_catalog_encryption_settings(CatalogId=catalog)["DataCatalogEncryptionSettings"]
    assert settings == {"EncryptionAtRest": {"CatalogEncryptionMode": "DISABLED"}, **only_passwords}


def test_password_encryption_without_a_key_uses_glues_aws_managed_key(glue):
    catalog = new_catalog()
    settings = {"ConnectionPasswordEncryption": {"ReturnConnectionPasswordEncrypted": True}}
    glue.put_data_catalog_encryption_settings(CatalogId=catalog, DataCatalogEncryptionSettings=settings)
    shown = glue.get_data_catalog_encryption_settings(CatalogId=catalog)["DataCatalogEncryptionSettings"]
    assert shown["ConnectionPasswordEncryption"] == {"ReturnConnectionPasswordEncrypted": True, "AwsKmsKeyId": "alias/aws/glue"}


def test_settings_outside_the_model_are_a_validation_error_and_change_nothing(raw_glue):
    catalog = new_catalog()
    for settings in (
        {"EncryptionAtRest": {"CatalogEncryptionMode": "SSE-S3"}},
        {"EncryptionAtRest": {"CatalogEncryptionMode": "SSE-KMS-WITH-SERVICE-ROLE", "CatalogEncryptionServiceRole": "role"}},
        {"ConnectionPasswordEncryption": {"AwsKmsKeyId": KEY}},
    ):
        error = error_of(raw_glue.put_data_catalog_encryption_settings, CatalogId=catalog, DataCatalogEncryptionSettings=settings)
        assert error["Code"] == "ValidationException"
    shown = raw_glue.get_data_catalog_encryption_settings(CatalogId=catalog)["DataCatalogEncryptionSettings"]
    assert shown["EncryptionAtRest"] == {"CatalogEncryptionMode": "DISABLED"}
