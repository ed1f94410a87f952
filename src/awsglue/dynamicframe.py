"""``DynamicFrame``: Glue's frame of records, here a wrapper of a Spark DataFrame.

Behaviour follows AWS's documentation of the DynamicFrame class (AWS Glue developer guide,
"DynamicFrame class"): mappings keep only the fields they name, field paths use dots for
nesting and back-ticks around names that contain dots, ``schema()`` answers in Glue's type
names. A DataFrame has one type per column, so these frames never hold a ``choice`` field:
data of mixed types reads as Spark's widened type, which ``resolveChoice`` can cast.
"""

import json
import re

from . import gluetypes

_PART = re.compile(r"`([^`]*)`|([^.`]+)")


def split_path(path: str) -> list[str]:
    """``a.b`` is two names, `` `a.b` `` is one."""
    parts = [quoted or plain for quoted, plain in _PART.findall(path)]
    if not parts:
        raise ValueError(f"invalid field path {path!r}")
    return parts


def _quoted(parts: list[str]) -> str:
    return ".".join(f"`{p}`" for p in parts)


def _find(spark_schema, parts: list[str]) -> list[str] | None:
    """The path as the schema spells it (names match case-insensitively, as Spark resolves
    them), or None when a record has no such field."""
    found, current = [], spark_schema
    for part in parts:
        if type(current).__name__ != "StructType":
            return None
        match = next((f for f in current.fields if f.name == part), None) or next(
            (f for f in current.fields if f.name.lower() == part.lower()), None
        )
        if match is None:
            return None
        found.append(match.name)
        current = match.dataType
    return found


def _project(df, columns: list[tuple[list[str], list[str], str | None]]):
    """A DataFrame of just these columns: (source path, target path, cast type or None);
    target paths with several names make nested structs, in the order first named."""
    from pyspark.sql import functions as F

    tree: dict = {}
    for source, target, cast in columns:
        column = F.col(_quoted(source))
        if cast is not None:
            column = column.cast(cast)
        node = tree
        for name in target[:-1]:
            node = node.setdefault(name, {})
            if not isinstance(node, dict):
                raise ValueError(f"mapping target {'.'.join(target)!r} goes below a field that is not a struct")
        node[target[-1]] = column

    def build(node: dict) -> list:
        return [(F.struct(*build(value)) if isinstance(value, dict) else value).alias(name) for name, value in node.items()]

    return df.select(*build(tree))


class DynamicFrame:
    def __init__(self, dataframe, glue_ctx, name: str = ""):
        self._df, self.glue_ctx, self.name = dataframe, glue_ctx, name

    @classmethod
    def fromDF(cls, dataframe, glue_ctx, name: str) -> "DynamicFrame":  # noqa: N802 (AWS's name)
        return cls(dataframe, glue_ctx, name)

    def toDF(self, options=None):  # noqa: N802 (AWS's name)
        return self._df

    def _derive(self, dataframe) -> "DynamicFrame":
        return DynamicFrame(dataframe, self.glue_ctx, self.name)

    # What the frame holds
    def schema(self) -> gluetypes.StructType:
        return gluetypes.from_spark(self._df.schema)

    def printSchema(self) -> None:  # noqa: N802 (AWS's name)
        print("\n".join(["root", *gluetypes.schema_lines(self.schema())]) + "\n")

    def count(self) -> int:
        return self._df.count()

    def show(self, num_rows: int = 20) -> None:
        """The first records, one JSON object a line, as Glue prints them."""
        from pyspark.sql import functions as F

        for row in self._df.limit(num_rows).select(F.to_json(F.struct("*"))).collect():
            print(row[0])

    def getNumPartitions(self) -> int:  # noqa: N802 (AWS's name)
        """Counted by a function that answers one row per partition: a DataFrame over Spark
        Connect has no RDD to ask (only the partitioning columns are read, none)."""
        import pyarrow as pa
        from pyspark.sql import functions as F

        def one_row(batches):
            yield pa.RecordBatch.from_pydict({"partition": [1]})

        return self._df.select(F.lit(1).alias("partition")).mapInArrow(one_row, "partition bigint").count()

    def errorsCount(self) -> int:  # noqa: N802 (AWS's name)
        return 0  # a DataFrame holds no error records

    def stageErrorsCount(self) -> int:  # noqa: N802 (AWS's name)
        return 0

    def repartition(self, num_partitions: int, transformation_ctx: str = "", **kwargs) -> "DynamicFrame":
        return self._derive(self._df.repartition(num_partitions))

    def coalesce(self, num_partitions: int, shuffle: bool = False, transformation_ctx: str = "", **kwargs) -> "DynamicFrame":
        df = self._df.repartition(num_partitions) if shuffle else self._df.coalesce(num_partitions)
        return self._derive(df)

    # Fields
    def apply_mapping(self, mappings, case_sensitive: bool = False, transformation_ctx: str = "", **kwargs) -> "DynamicFrame":
        """Only the fields the mappings name, each (source path, source type, target path,
        target type); a source field no record has is left out."""
        columns = []
        for mapping in mappings:
            if len(mapping) != 4:
                raise ValueError(f"a mapping is (source path, source type, target path, target type), not {mapping!r}")
            source, _source_type, target, target_type = mapping
            found = _find(self._df.schema, split_path(source))
            if found is not None:
                columns.append((found, split_path(target), gluetypes.spark_type_name(target_type)))
        return self._derive(_project(self._df, columns))

    def select_fields(self, paths, transformation_ctx: str = "", **kwargs) -> "DynamicFrame":
        found = [f for f in (_find(self._df.schema, split_path(p)) for p in paths) if f is not None]
        return self._derive(_project(self._df, [(f, f, None) for f in found]))

    def drop_fields(self, paths, transformation_ctx: str = "", **kwargs) -> "DynamicFrame":
        from pyspark.sql import functions as F

        df = self._df
        for path in paths:
            found = _find(df.schema, split_path(path))
            if found is None:
                continue
            if len(found) == 1:
                df = df.drop(found[0])
            else:
                df = df.withColumn(found[0], F.col(f"`{found[0]}`").dropFields(_quoted(found[1:])))
        return self._derive(df)

    def rename_field(self, oldName: str, newName: str, transformation_ctx: str = "", **kwargs) -> "DynamicFrame":  # noqa: N803
        """Rename a field in place: a top-level one, or one inside its own struct."""
        from pyspark.sql import functions as F

        found = _find(self._df.schema, split_path(oldName))
        if found is None:
            return self
        target = split_path(newName)
        if len(found) == 1 and len(target) == 1:
            return self._derive(self._df.withColumnRenamed(found[0], target[0]))
        if len(found) != len(target) or [p.lower() for p in found[:-1]] != [p.lower() for p in target[:-1]]:
            raise ValueError(f"glueprint renames a field within its own struct only ({oldName!r} to {newName!r})")
        parent = F.col(f"`{found[0]}`").withField(_quoted(target[1:]), _column(self._df, found)).dropFields(_quoted(found[1:]))
        return self._derive(self._df.withColumn(found[0], parent))

    def resolveChoice(  # noqa: N802 (AWS's name)
        self,
        specs=None,
        choice: str = "",
        database: str | None = None,
        table_name: str | None = None,
        transformation_ctx: str = "",
        catalog_id: str | None = None,
        **kwargs,
    ) -> "DynamicFrame":
        """``cast:T`` and ``project:T`` cast a field; ``make_cols`` and ``make_struct`` have
        nothing to split in a frame without choice fields; ``match_catalog`` casts each field to
        its catalog table's type."""
        if specs and choice:
            raise ValueError("resolveChoice takes either specs or choice, not both")
        if not specs and not choice:
            raise ValueError("resolveChoice needs specs or choice")
        df = self._df
        if choice == "match_catalog":
            if not (database and table_name):
                raise ValueError("choice match_catalog needs database and table_name")
            table = self.glue_ctx.catalog.table(database, table_name, catalog_id)
            for column in table["StorageDescriptor"].get("Columns", []) + table.get("PartitionKeys", []):
                found = _find(df.schema, [column["Name"]])
                if found is not None:
                    df = df.withColumn(found[0], _column(df, found).cast(column["Type"]))
            return self._derive(df)
        if choice:
            _action_type(choice)  # checked; no field of this frame is a choice
            return self
        for path, action in specs:
            kind = _action_type(action)
            found = _find(df.schema, split_path(path))
            if found is None or kind is None:
                continue
            if len(found) == 1:
                df = df.withColumn(found[0], _column(df, found).cast(kind))
            else:
                df = df.withColumn(found[0], _column(df, found[:1]).withField(_quoted(found[1:]), _column(df, found).cast(kind)))
        return self._derive(df)

    # Records
    def filter(self, f, transformation_ctx: str = "", **kwargs) -> "DynamicFrame":
        """The records for which ``f(record)`` is true; a record is a dict of its fields."""
        import pyarrow as pa

        def keep(batches):
            for batch in batches:
                rows = batch.to_pylist()
                yield pa.RecordBatch.from_pylist([row for row in rows if f(row)], schema=batch.schema)

        return self._derive(self._df.mapInArrow(keep, self._df.schema))

    def map(self, f, transformation_ctx: str = "", **kwargs) -> "DynamicFrame":
        """``f(record)`` for each record; the result's schema is inferred from what it returns,
        and a field that keeps its name and the JSON form of its type keeps its type."""
        import pyarrow as pa

        def to_json(batches):
            for batch in batches:
                lines = [json.dumps(f(row), default=str) for row in batch.to_pylist()]
                yield pa.RecordBatch.from_pydict({"value": lines}, schema=pa.schema([("value", pa.string())]))

        # JSON lines read as JSON: Spark infers the schema of what f returns, on a classic and a Connect session alike.
        df = self._df.sparkSession.read.json(self._df.mapInArrow(to_json, "value string"))
        original = {field.name: field.dataType for field in self._df.schema.fields}
        for field in df.schema.fields:
            before = original.get(field.name)
            if (
                before is not None
                and before != field.dataType
                and _JSON_FORM.get(type(before).__name__) == type(field.dataType).__name__
            ):
                df = df.withColumn(field.name, _column(df, [field.name]).cast(before))
        return self._derive(df)

    def join(self, paths1, paths2, frame2: "DynamicFrame", transformation_ctx: str = "", **kwargs) -> "DynamicFrame":
        """Records of both frames whose fields at ``paths1`` equal those of ``frame2`` at ``paths2``."""
        left, right = self._df, frame2.toDF()
        condition = None
        for p1, p2 in zip(paths1, paths2, strict=True):
            equal = left[_quoted(split_path(p1))] == right[_quoted(split_path(p2))]
            condition = equal if condition is None else condition & equal
        return self._derive(left.join(right, condition, "inner"))

    def unnest(self, transformation_ctx: str = "", **kwargs) -> "DynamicFrame":
        """Struct fields as top-level fields named by their dotted path."""
        from glueprint.etl.relationalize import flatten_structs

        return self._derive(flatten_structs(self._df))

    def union(self, other_frame: "DynamicFrame", transformation_ctx: str = "", **kwargs) -> "DynamicFrame":
        """The records of both frames, matched by field name (a field only one has is null in the other's)."""
        return self._derive(self._df.unionByName(other_frame.toDF(), allowMissingColumns=True))

    def mergeDynamicFrame(
        self, stage_dynamic_frame: "DynamicFrame", primary_keys: list, transformation_ctx: str = "", **kwargs
    ) -> "DynamicFrame":  # noqa: N802
        """This frame's records with those of ``stage_dynamic_frame`` in place of the ones
        sharing their primary keys; staging records no record here shares are added too."""
        stage = stage_dynamic_frame.toDF()
        if not primary_keys:
            return self
        kept = self._df.join(stage.select(*[f"`{k}`" for k in primary_keys]).distinct(), on=list(primary_keys), how="left_anti")
        return self._derive(kept.unionByName(stage, allowMissingColumns=True))

    def drop_null_fields(self, transformation_ctx: str = "", **kwargs) -> "DynamicFrame":
        """Without the fields that are null in every record (one pass to count them)."""
        from pyspark.sql import functions as F

        columns = self._df.columns
        if not columns:
            return self
        counts = self._df.agg(*[F.count(F.col(f"`{c}`")).alias(str(i)) for i, c in enumerate(columns)]).first()
        return self._derive(self._df.drop(*[c for i, c in enumerate(columns) if counts[str(i)] == 0]))

    def relationalize(
        self, root_table_name: str, staging_path: str | None = None, options=None, transformation_ctx: str = "", **kwargs
    ):
        from glueprint.etl.relationalize import relationalize

        frames = relationalize(self._df, root_table_name)
        return DynamicFrameCollection({name: DynamicFrame(df, self.glue_ctx, name) for name, df in frames.items()}, self.glue_ctx)


# The type Spark's JSON reader gives a value of each Spark type.
_JSON_FORM = {
    "ByteType": "LongType",
    "ShortType": "LongType",
    "IntegerType": "LongType",
    "FloatType": "DoubleType",
    "DecimalType": "DoubleType",
    "DateType": "StringType",
    "TimestampType": "StringType",
    "TimestampNTZType": "StringType",
}


def _column(df, path: list[str]):
    return df[_quoted(path)]


def _action_type(action: str) -> str | None:
    """The Spark type of a ``cast:T``/``project:T`` action, None for ``make_cols``/``make_struct``."""
    kind, _, type_name = action.partition(":")
    if kind in ("cast", "project") and type_name:
        return gluetypes.spark_type_name(type_name)
    if kind in ("make_cols", "make_struct") and not type_name:
        return None
    raise ValueError(f"unknown resolveChoice action {action!r} (use cast:TYPE, project:TYPE, make_cols or make_struct)")


class DynamicFrameCollection:
    """Named DynamicFrames, as relationalize returns them."""

    def __init__(self, dynamic_frames: dict, glue_ctx):
        self._frames, self.glue_ctx = dict(dynamic_frames), glue_ctx

    def __getitem__(self, key: str) -> DynamicFrame:
        return self._frames[key]

    def __len__(self) -> int:
        return len(self._frames)

    def keys(self):
        return self._frames.keys()

    def values(self):
        return self._frames.values()

    def select(self, key: str, transformation_ctx: str = "") -> DynamicFrame:
        return self._frames[key]

    def map(self, callable, transformation_ctx: str = "") -> "DynamicFrameCollection":  # noqa: A002 (AWS's name)
        return DynamicFrameCollection({k: callable(v, transformation_ctx) for k, v in self._frames.items()}, self.glue_ctx)
