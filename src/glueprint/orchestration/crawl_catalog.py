"""Writing a crawl's tables and partitions to the Data Catalog, per the crawler's policies.

- New tables are created (not for catalog-target crawls, which only update the tables they
  name); an existing table is changed only with UpdateBehavior UPDATE_IN_DATABASE, and with
  ``MergeNewColumns`` only by adding columns (existing ones keep their type).
- New partitions are added whatever the policy, as AWS documents; existing ones are updated
  with the table. With ``Partitions.AddOrUpdateBehavior: InheritFromTable`` every partition
  takes the table's schema and formats, with its own location.
- Tables this crawler made that it no longer finds are deleted, deprecated or left
  (DeleteBehavior); so are partitions whose folders are gone, with DELETE_FROM_DATABASE.
- Every document is checked against the model (TableInput, PartitionInput) first: a name or
  value too long fails the crawl with the reason before anything is written.
"""

import copy
from dataclasses import dataclass

from ..domain.crawl_config import Settings
from ..protocol import errors
from ..protocol.model import shape
from ..protocol.validate import validate
from ..store import column_statistics as statistics_store
from ..store import entities as store
from ..store import partitions as partition_store
from ..store import table_versions as version_store
from . import crawl_names

PAGE = 1000


class CatalogWriteFailed(Exception):
    pass


@dataclass
class Found:
    """One table a crawl found: its document (TableInput-like) and its partitions' (PartitionInput-like)."""

    name: str
    location: str
    doc: dict
    partitions: list[dict]
    fixed_name: bool = False  # a catalog target's table keeps its name


def _check(kind: str, label: str, doc: dict) -> None:
    try:
        validate(shape(kind), doc)
    except errors.ValidationException as exc:
        raise CatalogWriteFailed(f"{label} cannot be written to the Data Catalog: {exc.message}") from None


def check_all(found: list[Found]) -> None:
    for table in found:
        _check("TableInput", f"Table {table.name} ({table.location})", {**table.doc, "Name": table.name})
        for part in table.partitions:
            _check("PartitionInput", f"A partition of table {table.name} ({part['StorageDescriptor']['Location']})", part)


def _merge_new_columns(existing: list[dict], found: list[dict]) -> list[dict]:
    names = {c["Name"] for c in existing}
    return existing + [c for c in found if c["Name"] not in names]


class CatalogWriter:
    def __init__(self, conn, crawler: dict, settings: Settings, database: str, now: float, catalog_id: str):
        self.conn, self.crawler, self.settings = conn, crawler, settings
        self.database, self.now, self.catalog_id = database, now, catalog_id
        self.metrics = {"TablesCreated": 0, "TablesUpdated": 0, "TablesDeleted": 0, "PartitionsAdded": 0}

    def names(self, found: list[Found]) -> None:
        free = [t for t in found if not t.fixed_name]
        existing = store.get_many(self.conn, "table", sorted({t.name for t in free}), scope=self.database)
        taken = {n: (d.get("StorageDescriptor") or {}).get("Location", "") for n, d in existing.items()}
        for table, name in zip(free, crawl_names.assign([(t.name, t.location) for t in free], taken), strict=True):
            table.name = name

    def write(self, found: list[Found], create: bool, delete_missing: bool) -> dict:
        self.names(found)
        check_all(found)
        # Hold the database's row, then the tables' rows in name order: a DeleteDatabase or
        # DeleteTable then waits for this crawl (and takes what it wrote along) or went first
        # (and what it deleted is gone here), so nothing the crawl writes outlives its table.
        if store.get(self.conn, "database", self.database, lock=True) is None and create:
            doc = {"Name": self.database, "CreateTime": self.now, "CatalogId": self.catalog_id}
            store.add(self.conn, "database", self.database, doc, self.now)
        names = sorted({t.name for t in found})
        store.lock_many(self.conn, "table", names, scope=self.database)
        tables = store.get_many(self.conn, "table", names, scope=self.database)
        for table in found:
            existing = tables.get(table.name)
            if existing is None and not create:
                continue
            doc = self._table(table, existing)
            self._partitions(table, doc, existing is None)
        if delete_missing:
            self._gone({t.name for t in found})
        return self.metrics

    def _table(self, table: Found, existing: dict | None) -> dict:
        if existing is None:
            doc = {
                **table.doc,
                "Name": table.name,
                "DatabaseName": self.database,
                "CreateTime": self.now,
                "UpdateTime": self.now,
                "CatalogId": self.catalog_id,
                "CreatedBy": self.crawler.get("Role", ""),
            }
            store.add(self.conn, "table", table.name, doc, self.now, scope=self.database)
            self.metrics["TablesCreated"] += 1
            return doc
        if self.settings.update_behavior != "UPDATE_IN_DATABASE" or self.settings.new_folders_only:
            return existing
        changed = {**existing, **table.doc}
        if self.settings.merge_new_columns:
            sd = changed["StorageDescriptor"] = copy.deepcopy(existing.get("StorageDescriptor") or {})
            sd["Columns"] = _merge_new_columns(sd.get("Columns") or [], table.doc["StorageDescriptor"]["Columns"])
            changed["PartitionKeys"] = existing.get("PartitionKeys") or table.doc["PartitionKeys"]
        if table.fixed_name:  # a catalog table keeps the partition key names its owner gave it
            keys = existing.get("PartitionKeys") or []
            if len(keys) == len(table.doc["PartitionKeys"]):
                changed["PartitionKeys"] = keys
        if _shape(changed) != _shape(existing):
            changed["UpdateTime"] = self.now
            changed = self._replace_table(existing, changed)
            self.metrics["TablesUpdated"] += 1
            return changed
        return existing

    def _replace_table(self, existing: dict, changed: dict) -> dict:
        """A crawl changes a table as UpdateTable does: the replaced definition is archived,
        VersionId goes up by one, and columns dropped or retyped lose their statistics."""
        version = int(existing.get("VersionId", "0"))
        version_store.add(self.conn, self.database, existing["Name"], version, {**existing, "VersionId": str(version)})
        changed = {**changed, "VersionId": str(version + 1)}
        store.replace(self.conn, "table", existing["Name"], changed, scope=self.database)
        statistics_store.remove_changed_columns(self.conn, self.database, existing["Name"], existing, changed)
        return changed

    def _partition_doc(self, table: Found, table_doc: dict, part: dict) -> dict:
        doc = copy.deepcopy(part)
        if self.settings.partitions_inherit:
            sd = copy.deepcopy(table_doc.get("StorageDescriptor") or {})
            sd["Location"] = part["StorageDescriptor"]["Location"]
            doc["StorageDescriptor"] = sd
        doc.update(DatabaseName=self.database, TableName=table.name, CatalogId=self.catalog_id)
        return doc

    def _partitions(self, table: Found, table_doc: dict, new_table: bool) -> None:
        if not table_doc.get("PartitionKeys"):
            return
        existing = {} if new_table else self._existing_partitions(table.name)
        update = self.settings.update_behavior == "UPDATE_IN_DATABASE" and not self.settings.new_folders_only
        added, changed = [], []
        for part in table.partitions:
            doc = self._partition_doc(table, table_doc, part)
            before = existing.pop(tuple(part["Values"]), None)
            if before is None:
                added.append({**doc, "CreationTime": self.now})
            elif (update or self.settings.partitions_inherit) and _partition_shape(before) != _partition_shape(doc):
                changed.append({**before, **doc})
        partition_store.add_many(self.conn, self.database, table.name, added)
        partition_store.replace_many(self.conn, self.database, table.name, changed)
        self.metrics["PartitionsAdded"] += len(added)
        if self.settings.delete_behavior == "DELETE_FROM_DATABASE" and not self.settings.new_folders_only:
            # partitions whose folders are gone
            partition_store.remove_many(self.conn, self.database, table.name, [list(key) for key in existing])

    def _existing_partitions(self, table: str) -> dict[tuple, dict]:
        found, after = {}, None
        while page := partition_store.page(self.conn, self.database, table, after, PAGE):
            found.update((tuple(doc["Values"]), doc) for _, doc in page)
            after = page[-1][0]
        return found

    def _gone(self, names: set[str]) -> None:
        behaviour = self.settings.delete_behavior
        if behaviour == "LOG" or self.settings.new_folders_only:
            return
        for doc in _tables_made_by(self.conn, self.database, self.crawler["Name"]):
            if doc["Name"] in names:
                continue
            if behaviour == "DELETE_FROM_DATABASE":
                store.remove(self.conn, "table", doc["Name"], scope=self.database)
                partition_store.remove_table(self.conn, self.database, doc["Name"])
                version_store.remove_table(self.conn, self.database, doc["Name"])
                self.metrics["TablesDeleted"] += 1
            elif "DEPRECATED_BY_CRAWLER" not in doc["Parameters"]:
                changed = {**doc, "Parameters": {**doc["Parameters"], "DEPRECATED_BY_CRAWLER": self.crawler["Name"]}}
                self._replace_table(doc, {**changed, "UpdateTime": self.now})


def _shape(table: dict) -> tuple:
    return (table.get("StorageDescriptor"), table.get("PartitionKeys"), table.get("Parameters"))


def _partition_shape(partition: dict) -> tuple:
    return (partition.get("StorageDescriptor"), partition.get("Parameters"))


def _tables_made_by(conn, database: str, crawler_name: str) -> list[dict]:
    docs, after = [], None
    while page := store.page(conn, "table", after, 500, scope=database):
        docs += [d for d in page if (d.get("Parameters") or {}).get("UPDATED_BY_CRAWLER") == crawler_name]
        after = page[-1]["Name"]
    return docs
