"""``DataSink``: what ``GlueContext.getSink`` returns: ``setFormat``, ``setCatalogInfo`` and
``writeFrame``; with ``enableUpdateCatalog`` the write creates or updates its catalog table
and adds the partitions it wrote."""

import functools

from glueprint.etl import catalog as catalog_io

from .dynamicframe import DynamicFrame
from .options import flag
from .transactions import object_keys


class DataSink:
    """``getSink``'s writer: ``setFormat``, ``setCatalogInfo``, then ``writeFrame``."""

    def __init__(self, ctx, connection_type: str, options: dict, format: str | None, transformation_ctx: str):  # noqa: A002
        self._ctx, self.connection_type, self.options = ctx, connection_type, dict(options)
        self.format, self.format_options, self.transformation_ctx = format, {}, transformation_ctx
        self.database = self.table_name = self.catalog_id = None
        if "compression" in self.options:
            self.format_options["compression"] = self.options["compression"]

    def setFormat(self, format: str, **options) -> None:  # noqa: N802, A002 (AWS's names)
        self.format = format
        self.format_options.update(options)

    def setCatalogInfo(self, catalogDatabase: str, catalogTableName: str, catalogId: str | None = None) -> None:  # noqa: N802, N803
        self.database, self.table_name, self.catalog_id = catalogDatabase, catalogTableName, catalogId

    def writeFrame(self, dynamic_frame: DynamicFrame, info: str = "") -> DynamicFrame:  # noqa: N802 (AWS's name)
        if self.connection_type != "s3":
            self._ctx._write_to(self.connection_type, dynamic_frame.toDF(), self.options)
            return dynamic_frame
        if not self.options.get("path"):
            raise ValueError("an s3 sink needs a path")
        df = dynamic_frame.toDF()
        keys = list(self.options.get("partitionKeys") or [])
        update_catalog = flag(self.options.get("enableUpdateCatalog"))
        if update_catalog and not (self.database and self.table_name):
            raise ValueError("enableUpdateCatalog needs setCatalogInfo(catalogDatabase=..., catalogTableName=...)")
        transaction_id = self.options.get("transactionId")
        transaction = self._ctx.transactions.writable(transaction_id) if transaction_id else None
        before = object_keys(self.options["path"]) if transaction else set()
        written = self._ctx._write(df, self.options["path"], self.format, self.format_options, keys)
        if transaction:
            transaction.written += sorted(object_keys(self.options["path"]) - before)
        if update_catalog:
            types = {c["Name"]: c for c in catalog_io.hive_columns(df.schema)}
            record = functools.partial(
                self._ctx.catalog.record_write,
                self.database,
                self.table_name,
                path=self.options["path"],
                format=self.format or "parquet",
                columns=catalog_io.hive_columns(df.schema, exclude=keys),
                partition_keys=[types[k] for k in keys],
                written=written,
                update_behavior=self.options.get("updateBehavior", "UPDATE_IN_DATABASE"),
                catalog_id=self.catalog_id,
            )
            if transaction:  # the table and partitions change at the transaction's commit
                transaction.on_commit.append(record)
            else:
                record()
        return dynamic_frame

    write = writeFrame
