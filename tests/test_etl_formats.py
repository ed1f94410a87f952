"""The parts of the ETL library that need no Spark: Glue's formats and options as Spark's,
catalog tables' formats, S3 paths as mount settings, field paths and Glue's type names."""

import pytest

from awsglue import gluetypes as gt
from awsglue.dynamicframe import split_path
from glueprint.etl import formats, s3_paths


def test_glue_format_names_map_to_spark_sources_and_unavailable_ones_are_named():
    assert formats.spark_format("glueparquet") == "parquet"
    assert formats.spark_format(None) == "parquet"
    with pytest.raises(formats.FormatError, match="'avro' is not available"):
        formats.spark_format("avro")
    with pytest.raises(formats.FormatError, match="unknown format 'xlsx'"):
        formats.spark_format("xlsx")


def test_csv_format_options_become_spark_reader_and_writer_options():
    read = formats.read_options("csv", {"withHeader": True, "separator": "|", "quoteChar": -1, "escaper": "\\"})
    assert read == {"header": "true", "sep": "|", "inferSchema": "true", "quote": "", "escape": "\\"}
    assert formats.write_options("csv", {})["header"] == "true"  # Glue's CSV writer writes a header
    assert formats.write_options("glueparquet", {"compression": "SNAPPY"}) == {"compression": "snappy"}


def test_a_catalog_tables_format_comes_from_its_classification_or_its_serde():
    assert formats.table_format({"Parameters": {"classification": "Parquet"}, "StorageDescriptor": {}}) == "parquet"
    serde = {
        "SerdeInfo": {"SerializationLibrary": "org.apache.hadoop.hive.serde2.OpenCSVSerde", "Parameters": {"separatorChar": ";"}}
    }
    assert formats.table_format({"StorageDescriptor": serde}) == "csv"
    assert formats.table_read_options({"StorageDescriptor": serde, "Parameters": {"skip.header.line.count": "1"}}) == {
        "separator": ";",
        "withHeader": True,
    }
    with pytest.raises(formats.FormatError, match="db.t has no classification"):
        formats.table_format({"DatabaseName": "db", "Name": "t", "StorageDescriptor": {}})


def test_s3_paths_name_their_bucket_and_mount_on_its_folder_of_the_store(tmp_path, monkeypatch):
    assert [s3_paths.bucket_of(p) for p in ("s3://a/k", "s3a://b/", "s3n://c/x/y", "file:///tmp/x", "/tmp/x")] == [
        "a",
        "b",
        "c",
        None,
        None,
    ]
    assert s3_paths.mount_setting(str(tmp_path), "lake") == ("fs.viewfs.mounttable.lake.linkFallback", f"file://{tmp_path}/lake")
    assert s3_paths.scheme_settings()["fs.s3a.impl"] == "org.apache.hadoop.fs.viewfs.ViewFileSystemOverloadScheme"
    monkeypatch.setenv(s3_paths.ROOT_ENV, str(tmp_path))
    (tmp_path / "lake" / "year=2024").mkdir(parents=True)
    assert s3_paths.holds_objects("s3://lake/year=2024/") and not s3_paths.holds_objects("s3://lake/year=2025/")


def test_field_paths_split_on_dots_outside_back_ticks():
    assert split_path("a.b") == ["a", "b"]
    assert split_path("`this.old.name`") == ["this.old.name"]
    assert split_path("s.`x.y`.z") == ["s", "x.y", "z"]
    with pytest.raises(ValueError, match="invalid field path"):
        split_path("")


def test_glue_type_names_and_mapping_targets():
    schema = gt.StructType(
        [
            gt.Field("id", gt.LongType()),
            gt.Field("tags", gt.ArrayType(gt.StringType())),
            gt.Field("c", gt.ChoiceType([gt.IntegerType(), gt.StringType()])),
        ]
    )
    assert gt.schema_lines(schema) == ["|-- id: long", "|-- tags: array", "|    |-- element: string", "|-- c: choice"]
    assert [gt.spark_type_name(n) for n in ("long", "int", "short", "decimal", "timestamp", "bigint")] == [
        "bigint",
        "int",
        "smallint",
        "decimal(10,2)",
        "timestamp",
        "bigint",
    ]
    assert gt.DecimalType(10, 2) == gt.DecimalType() and gt.LongType() != gt.IntegerType()


def test_mount_tables_mount_each_bucket_folder_and_a_new_bucket_gets_a_newer_table(tmp_path):
    root, folder = tmp_path / "store", tmp_path / "mounts"
    (root / "lake").mkdir(parents=True)
    (root / ".uploads").mkdir()  # the store's own folder, not a bucket
    tables = s3_paths.MountTables(str(root), str(folder))
    assert tables.setting() == ("fs.viewfs.mounttable.path", f"file://{folder}")
    tables.refresh()
    assert [p.name for p in folder.iterdir()] == ["mount-table.1.xml"]
    first = (folder / "mount-table.1.xml").read_text()
    assert f"<name>fs.viewfs.mounttable.lake.linkFallback</name><value>file://{root}/lake</value>" in first
    assert ".uploads" not in first
    tables.refresh()  # nothing changed: no new file
    assert sorted(p.name for p in folder.iterdir()) == ["mount-table.1.xml"]
    (root / "late").mkdir()
    tables.refresh()
    (root / "later").mkdir()
    tables.refresh()
    # The newest is what Hadoop reads; the one before stays for a reader that just listed the folder.
    assert sorted(p.name for p in folder.iterdir()) == ["mount-table.2.xml", "mount-table.3.xml"]
    assert "mounttable.later.linkFallback" in (folder / "mount-table.3.xml").read_text()
    assert s3_paths.MountTables(str(root), str(folder)) and not list(folder.iterdir())  # a new JVM's tables start over


def test_run_settings_follow_the_spark_of_the_jobs_glue_version_and_its_capacity():
    from glueprint.etl.connect_client import run_settings, spark_version

    assert [spark_version(v) for v in ("2.0", "3.0", "4.0", "5.0", None)] == ["2.4.3", "3.1.1", "3.3.0", "3.5.4", "3.5.6"]
    old, new = run_settings("2.0", 10), run_settings("4.0", 2.5)
    assert old["spark.sql.ansi.enabled"] == new["spark.sql.ansi.enabled"] == "false"  # Spark 4 turned it on
    assert old["spark.sql.legacy.timeParserPolicy"] == "LEGACY" and new["spark.sql.legacy.timeParserPolicy"] == "EXCEPTION"
    assert new["spark.sql.orc.compression.codec"] == "snappy"
    assert (old["spark.sql.shuffle.partitions"], new["spark.sql.shuffle.partitions"]) == ("10", "3")
    assert run_settings("5.1", 0.0625)["spark.sql.shuffle.partitions"] == "1"
