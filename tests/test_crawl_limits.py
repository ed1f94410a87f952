"""A crawl whose table would break a catalog limit fails cleanly, the same on both backends,
instead of being claimed and released forever (PostgreSQL enforces the 255-character name)."""

import time
import uuid

import pytest

from conftest import BUCKET, ROLE
from servers import s3_client


def wait_ready(glue, name: str, timeout: float = 30.0) -> dict:
    deadline = time.monotonic() + timeout
    while (crawler := glue.get_crawler(Name=name)["Crawler"])["State"] != "READY" or "LastCrawl" not in crawler:
        assert time.monotonic() < deadline, crawler
        time.sleep(0.1)
    return crawler


def test_a_folder_whose_table_name_would_pass_255_characters_fails_the_crawl(glue, s3):
    root, folder = uuid.uuid4().hex, "f" * 300
    s3_client(s3.url).put_object(Bucket=BUCKET, Key=f"{root}/{folder}/part-0.csv", Body=b"id,amount\n1,2.5\n")
    name = f"long_{root[:8]}"
    glue.create_crawler(
        Name=name, Role=ROLE, DatabaseName=f"lake_{root[:8]}", Targets={"S3Targets": [{"Path": f"s3://{BUCKET}/{root}/"}]}
    )
    glue.start_crawler(Name=name)
    crawl = wait_ready(glue, name)["LastCrawl"]
    assert crawl["Status"] == "FAILED"
    assert "255" in crawl["ErrorMessage"] and folder in crawl["ErrorMessage"]
    with pytest.raises(glue.exceptions.EntityNotFoundException):  # nothing was written
        glue.get_tables(DatabaseName=f"lake_{root[:8]}")
