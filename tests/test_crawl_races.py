"""A crawl writes while holding its database's row and its tables' rows, as the partition
operations hold a table's: a DeleteTable or DeleteDatabase racing it either waits for the crawl
and takes what it wrote along, or comes first and the crawl sees nothing there. Either way no
table outlives its database and no partition its table.

PostgreSQL only (SQLite's writers never overlap). Each round makes the crawl and the delete
overlap for certain: the test holds a lock on a table both need (table_versions: the crawl
archives the table it updates; partitions: the crawl adds the new table's partitions), lets
both reach it, then lets go.
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
    query = "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND wait_event_type = 'Lock'"
    return admin.execute(query, (database,)).fetchone()[0]


def wait_for_waiters(admin, database: str, count: int, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while lock_waiters(admin, database) < count:
        assert time.monotonic() < deadline, f"fewer than {count} transactions reached the lock"
        time.sleep(0.02)


def left_behind(admin, db: str, table: str) -> tuple[int, int, int]:
    """(databases, tables, partitions) the catalog holds of db.table."""
    return admin.execute(
        "SELECT (SELECT count(*) FROM entities WHERE kind = 'database' AND name = %s),"
        " (SELECT count(*) FROM entities WHERE kind = 'table' AND scope = %s AND name = %s),"
        " (SELECT count(*) FROM partitions WHERE database_name = %s AND table_name = %s)",
        (db, db, table, db, table),
    ).fetchone()


@pytest.mark.parametrize(
    "deleted, contended",
    [("table", "table_versions"), ("database", "partitions")],
    ids=["delete-table-during-a-crawl-updating-it", "delete-database-during-a-crawl-creating-a-table"],
)
def test_nothing_a_crawl_writes_outlives_a_table_or_database_deleted_meanwhile(glue, server, lake, deleted, contended):  # noqa: F811
    if not server.db_url.startswith("postgresql"):
        pytest.skip("SQLite runs one writer at a time: a crawl and a delete never overlap")
    database = server.db_url.rsplit("/", 1)[1]
    with psycopg.connect(server.db_url, autocommit=True) as admin, psycopg.connect(server.db_url) as holder:
        for round_ in range(ROUNDS):
            table, db, crawler = f"t{round_}", f"db_{uuid.uuid4().hex[:8]}", f"crawler_{uuid.uuid4().hex[:8]}"
            location = f"{lake.path}/{deleted}/{table}/"
            lake.put({f"{deleted}/{table}/year=2024/a.csv": SALES, f"{deleted}/{table}/year=2025/a.csv": SALES})
            glue.create_database(DatabaseInput={"Name": db})
            if deleted == "table":  # a table the crawl will find changed, and update
                columns = [{"Name": "x", "Type": "string"}]
                glue.create_table(
                    DatabaseName=db, TableInput={"Name": table, "StorageDescriptor": {"Location": location, "Columns": columns}}
                )
            glue.create_crawler(Name=crawler, Role=ROLE, DatabaseName=db, Targets={"S3Targets": [{"Path": location}]})

            holder.execute(f"LOCK TABLE {contended} IN SHARE MODE")
            glue.start_crawler(Name=crawler)
            wait_for_waiters(admin, database, 1)  # the crawl
            delete = (
                (glue.delete_table, {"DatabaseName": db, "Name": table})
                if deleted == "table"
                else (glue.delete_database, {"Name": db})
            )
            deleting = threading.Thread(target=delete[0], kwargs=delete[1])
            deleting.start()
            wait_for_waiters(admin, database, 2)  # and the delete, behind the crawl or behind the lock
            holder.commit()
            deleting.join(120)
            assert wait_ready(glue, crawler)["LastCrawl"]["Status"] == "SUCCEEDED"

            left = left_behind(admin, db, table)
            gone = (1, 0, 0) if deleted == "table" else (0, 0, 0)
            assert left in ((1, 1, 2), gone), f"round {round_}: databases, tables, partitions = {left}"
