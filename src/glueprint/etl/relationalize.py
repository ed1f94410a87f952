"""Relationalize on DataFrames (AWS Glue developer guide, "Relationalize class" and the
DynamicFrame example "Use relationalize to flatten a nested schema"): struct fields become
top-level columns named by their dotted path; each array column becomes its own table,
``<parent>_<column>``, with ``id`` (the value the parent row holds in place of the array),
``index`` (the element's position, from 0) and ``<column>.val`` (the element, flattened in
turn), and arrays inside those tables are pivoted out the same way.

Ids join a pivoted table to its parent; they are unique, not consecutive as Glue's are.
"""

from pyspark.sql import functions as F

_ROW = "__glueprint_row"


def _quoted(parts: list[str]) -> str:
    return ".".join(f"`{p}`" for p in parts)


def flatten_structs(df):
    """Every struct field as a top-level column named by its dotted path."""
    columns = []

    def walk(parts: list[str], data_type) -> None:
        if type(data_type).__name__ == "StructType":
            for field in data_type.fields:
                walk([*parts, field.name], field.dataType)
        else:
            columns.append(F.col(_quoted(parts)).alias(".".join(parts)))

    for field in df.schema.fields:
        walk([field.name], field.dataType)
    return df.select(*columns)


def relationalize(df, root_name: str) -> dict:
    tables: dict = {}
    _unnest(df, root_name, tables)
    return tables


def _unnest(df, name: str, tables: dict) -> None:
    flat = flatten_structs(df)
    arrays = [f.name for f in flat.schema.fields if type(f.dataType).__name__ == "ArrayType"]
    if not arrays:
        tables[name] = flat
        return
    # The row ids are computed once and kept, so each pivoted table joins the rows it came from.
    flat = flat.withColumn(_ROW, F.monotonically_increasing_id()).localCheckpoint()
    root = []
    for column in flat.columns:
        if column == _ROW:
            continue
        if column in arrays:
            root.append(F.when(F.col(f"`{column}`").isNotNull(), F.col(_ROW)).alias(column))
        else:
            root.append(F.col(f"`{column}`"))
    tables[name] = flat.select(*root)
    for column in arrays:
        pivoted = flat.select(F.col(_ROW).alias("id"), F.posexplode(F.col(f"`{column}`")).alias("index", f"{column}.val"))
        _unnest(pivoted, f"{name}_{column}", tables)
