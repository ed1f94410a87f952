"""A crawl writes a table's partitions while holding the table's row, as the partition
operations do: a DeleteTable racing it either waits for the crawl and takes its partitions
along, or comes first and the crawl sees no table. Either way no partition outlives its table.

PostgreSQL only (SQLite's writers never overlap). Each round makes the crawl and DeleteTable
overlap for certain: the test holds a lock on table_versions that the crawl's table update and
DeleteTable's version cleanup both need, lets both reach it, then lets go.
"""

import threading
import time
import uuid

import psycopg
import pytest

from test_crawls import SALES, lake, wait_ready  # noqa: F401  (lake is a fixture)

from conftest import ROLE

ROUNDS = 20


def lock_waiters(admin, database: str) -> int:
    row = admin.execute(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND wait_event_type = 'Lock'", (database,)
    ).fetchone()
    return row[0]


def wait_for_waiters(admin, database: str, count: int, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while lock_waiters(admin, database) < count:
        assert time.monotonic() < deadline, f"fewer than {count} transactions reached the lock"
        time.sleep(0.02)


def test_a_table_deleted_during_a_crawl_leaves_no_partitions_behind(glue, server, lake):  # noqa: F811
    if not server.db_url.startswith("postgresql"):
        pytest.skip("SQLite runs one writer at a time: a crawl and a DeleteTable never overlap")
    database = server.db_url.rsplit("/", 1)[1]
    with psycopg.connect(server.db_url, autocommit=True) as admin, psycopg.connect(server.db_url) as holder:
        for round_ in range(ROUNDS):
            table, db, crawler = f"t{round_}", f"db_{uuid.uuid4().hex[:8]}", f"crawler_{uuid.uuid4().hex[:8]}"
            lake.put({f"{table}/year=2024/a.csv": SALES, f"{table}/year=2025/a.csv": SALES})
            glue.create_database(DatabaseInput={"Name": db})
            location = f"{lake.path}/{table}/"
            glue.create_table(
                DatabaseName=db,
                TableInput={
                    "Name": table,
                    "StorageDescriptor": {"Location": location, "Columns": [{"Name": "x", "Type": "string"}]},
                },
            )
            glue.create_crawler(Name=crawler, Role=ROLE, DatabaseName=db, Targets={"S3Targets": [{"Path": location}]})

            holder.execute("LOCK TABLE table_versions IN SHARE MODE")
            glue.start_crawler(Name=crawler)
            wait_for_waiters(admin, database, 1)  # the crawl, about to archive the table's old version
            deleting = threading.Thread(target=glue.delete_table, kwargs={"DatabaseName": db, "Name": table})
            deleting.start()
            wait_for_waiters(admin, database, 2)  # and DeleteTable, behind the crawl or behind the lock
            holder.commit()
            deleting.join(30)
            assert wait_ready(glue, crawler)["LastCrawl"]["Status"] == "SUCCEEDED"

            left = admin.execute(
                "SELECT (SELECT count(*) FROM entities WHERE kind = 'table' AND scope = %s AND name = %s),"
                " (SELECT count(*) FROM partitions WHERE database_name = %s AND table_name = %s)",
                (db, table, db, table),
            ).fetchone()
            assert left in ((0, 0), (1, 2)), f"round {round_}: tables, partitions = {left}"
