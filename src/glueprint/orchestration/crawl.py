"""One crawl, from a crawler's targets to Data Catalog writes.

``prepare`` reads what the crawl needs from the catalog (the tables of catalog targets, the
folders already crawled, connections); ``discover`` does the slow part outside any
transaction (listing S3, sampling a few files per folder, grouping folders into tables);
``write`` applies the result in one transaction. Listing (crawl_listing), classifying
(inference), grouping (crawl_grouping), documents (crawl_tables) and writing (crawl_catalog)
each live in their own module.

Targets, as AWS documents them: S3 targets (tables go to DatabaseName, or to ``default``
when the crawler names none); catalog targets (no DatabaseName: the S3 locations of the named
tables are crawled again and those tables and their partitions updated; no table is created
or deleted); JDBC targets through a catalog connection (PostgreSQL is read; other engines
fail the crawl with the reason); DynamoDB and the other stores fail the crawl with the reason.
"""

from dataclasses import dataclass, field

from ..domain import crawl_config, crawler_references
from ..store import entities as store
from ..store import partitions as partition_store
from . import crawl_jdbc, crawl_names, crawl_tables, custom_classifiers, inference
from .crawl_catalog import CatalogWriteFailed, CatalogWriter, Found
from .crawl_grouping import Grouping
from .crawl_listing import BadTarget, Folder, list_target

FILES_SAMPLED = 3  # per folder
MAX_WHOLE_FILE_BYTES = 256 * 1024 * 1024  # Parquet and ORC are read whole, up to this size
DEFAULT_DATABASE = "default"
UNSUPPORTED_TARGETS = {
    "DynamoDBTargets": "DynamoDB",
    "MongoDBTargets": "MongoDB",
    "DeltaTargets": "Delta Lake",
    "IcebergTargets": "Iceberg",
    "HudiTargets": "Hudi",
}


class CrawlFailed(Exception):
    """The crawl cannot go on; the message is LastCrawl.ErrorMessage."""


@dataclass
class Context:
    """What a crawl read from the catalog before it started."""

    settings: crawl_config.Settings
    catalog_tables: list[tuple[str, dict]] = field(default_factory=list)  # (database, table document)
    crawled_folders: set[str] = field(default_factory=set)
    connections: dict[str, dict] = field(default_factory=dict)
    classifiers: list[dict] = field(default_factory=list)  # the crawler's custom classifiers, in its order


@dataclass
class Result:
    database: str
    found: list[Found]
    create: bool  # S3 and JDBC crawls create tables; catalog-target crawls only update theirs


def database_of(crawler: dict) -> str:
    return (crawler.get("DatabaseName") or DEFAULT_DATABASE).lower()


def _targets(crawler: dict) -> dict:
    return crawler.get("Targets") or {}


def prepare(conn, crawler: dict) -> Context:
    try:
        context = Context(crawl_config.settings(crawler))
    except crawl_config.InvalidCrawler as exc:
        raise CrawlFailed(str(exc)) from None
    targets = _targets(crawler)
    context.classifiers, _ = crawler_references.of_crawler(conn, crawler)  # one deleted since is passed over
    for target in targets.get("CatalogTargets") or []:
        database = target["DatabaseName"].lower()
        found = store.get_many(conn, "table", [t.lower() for t in target["Tables"]], scope=database)
        for name in target["Tables"]:
            if name.lower() not in found:
                raise CrawlFailed(f"Catalog target table {database}.{name.lower()} does not exist")
            context.catalog_tables.append((database, found[name.lower()]))
    if context.settings.new_folders_only:
        context.crawled_folders = _crawled_folders(conn, crawler)
    for target in targets.get("JdbcTargets") or []:
        name = target.get("ConnectionName") or ""
        connection = store.get(conn, "connection", name)
        if connection is None:
            raise CrawlFailed(f"Connection {name} of a JDBC target does not exist")
        context.connections[name] = connection
    return context


def _crawled_folders(conn, crawler: dict) -> set[str]:
    """The locations of the partitions of the tables this crawler made: what it crawled before."""
    database = database_of(crawler)
    folders, after = set(), None
    while page := store.page(conn, "table", after, 500, scope=database):
        for table in page:
            if (table.get("Parameters") or {}).get("UPDATED_BY_CRAWLER") == crawler["Name"]:
                folders |= _partition_locations(conn, database, table["Name"])
        after = page[-1]["Name"]
    return folders


def _partition_locations(conn, database: str, table: str) -> set[str]:
    locations, after = set(), None
    while page := partition_store.page(conn, database, table, after, 1000):
        locations |= {doc["StorageDescriptor"]["Location"] for _, doc in page}
        after = page[-1][0]
    return locations


def _read(client, bucket: str, key: str, size: int) -> bytes:
    head = client.get_object(Bucket=bucket, Key=key, Range=f"bytes=0-{inference.SAMPLE_BYTES - 1}")["Body"].read()
    if not inference.needs_whole_file(head) or size <= len(head):
        return head
    if size > MAX_WHOLE_FILE_BYTES:
        raise CrawlFailed(f"s3://{bucket}/{key} is larger than glueprint samples ({MAX_WHOLE_FILE_BYTES} bytes)")
    return client.get_object(Bucket=bucket, Key=key)["Body"].read()


def sample_tree(client, root: Folder, classifiers: list[dict]) -> dict[str, inference.Sample]:
    """The first few non-empty files of every folder, classified: by the first custom
    classifier that recognises the file, else by the built-in ones."""
    samples = {}
    for folder in root.walk():
        for f in [f for f in folder.files if f.size > 0][:FILES_SAMPLED]:
            try:
                data = _read(client, f.bucket, f.key, f.size)
                samples[f.key] = custom_classifiers.sample(classifiers, data, f.key) or inference.sample(data, f.key)
            except inference.UnreadableFile as exc:
                raise CrawlFailed(f"s3://{f.bucket}/{f.key}: {exc}") from None
    return samples


def _found(grouping: Grouping, root: Folder, crawler: dict, force: bool = False) -> list[Found]:
    prefix = crawler.get("TablePrefix") or ""
    found = []
    for plan in grouping.plan(root, force=force):
        doc = crawl_tables.table_doc(plan, crawler["Name"])
        partitions = [crawl_tables.partition_doc(p, plan) for p in plan.partitions]
        found.append(Found(crawl_names.base_name(prefix, plan.name), plan.location, doc, partitions))
    return found


def discover(client, crawler: dict, context: Context) -> list[Result]:
    targets, settings = _targets(crawler), context.settings
    for key, label in UNSUPPORTED_TARGETS.items():
        if targets.get(key):
            raise CrawlFailed(
                f"{label} targets cannot be crawled by glueprint: only S3, JDBC (PostgreSQL) and catalog targets are"
            )
    if context.catalog_tables:
        return _catalog_results(client, crawler, context)
    found = []
    try:
        for target in targets.get("S3Targets") or []:
            root = list_target(client, target["Path"], target.get("Exclusions") or [], context.crawled_folders)
            samples = sample_tree(client, root, context.classifiers)
            grouping = Grouping(samples, settings.combine_schemas, settings.table_level)
            found += _found(grouping, root, crawler)
    except BadTarget as exc:
        raise CrawlFailed(str(exc)) from None
    for target in targets.get("JdbcTargets") or []:
        try:
            found += crawl_jdbc.tables(context.connections[target["ConnectionName"]], target, crawler)
        except crawl_jdbc.JdbcFailed as exc:
            raise CrawlFailed(str(exc)) from None
    if settings.table_threshold is not None and len(found) > settings.table_threshold:
        raise CrawlFailed(
            f"The number of tables detected by crawler: {len(found)} is greater than the table threshold value provided: "
            f"{settings.table_threshold}"
        )
    return [Result(database_of(crawler), found, create=True)]


def _catalog_results(client, crawler: dict, context: Context) -> list[Result]:
    by_database: dict[str, list[Found]] = {}
    for database, table in context.catalog_tables:
        location = (table.get("StorageDescriptor") or {}).get("Location") or ""
        if not location.startswith("s3://"):
            raise CrawlFailed(f"Catalog target table {database}.{table['Name']} has no S3 location to crawl ({location!r})")
        try:
            root = list_target(client, location, [])
        except BadTarget as exc:
            raise CrawlFailed(str(exc)) from None
        grouping = Grouping(sample_tree(client, root, context.classifiers), True, None)
        for found in _found(grouping, root, crawler, force=True):
            found.name, found.fixed_name = table["Name"], True
            by_database.setdefault(database, []).append(found)
    return [Result(db, found, create=False) for db, found in by_database.items()]


def write(conn, crawler: dict, context: Context, results: list[Result], now: float, catalog_id: str) -> dict:
    """Apply a crawl's results; the crawl's metrics (tables created, updated, deleted)."""
    metrics = {"TablesCreated": 0, "TablesUpdated": 0, "TablesDeleted": 0, "PartitionsAdded": 0}
    for result in results:
        if len(result.database) > crawl_names.limit():
            raise CrawlFailed(
                f"Database name {result.database[:40]}... is longer than {crawl_names.limit()} characters, "
                "the most the Data Catalog allows"
            )
        writer = CatalogWriter(conn, crawler, context.settings, result.database, now, catalog_id)
        try:
            done = writer.write(result.found, create=result.create, delete_missing=result.create)
        except CatalogWriteFailed as exc:
            raise CrawlFailed(str(exc)) from None
        for key, value in done.items():
            metrics[key] += value
    return metrics
