"""The awsglue ETL library on real local Spark: data comes from and goes to glueprint's own S3
(boto3 s3 puts and lists the same objects Spark reads and writes as s3:// paths), and catalog
reads and sinks go through a real server's Glue API. One SparkSession for the module."""

import io
import shutil

import pyarrow.parquet as pq
import pytest

from servers import glue_client, glueprint_server, s3_client

pytestmark = pytest.mark.spark
pytest.importorskip("pyspark", reason="the spark extra is not installed (scripts/test installs it when Java is present)")
if shutil.which("java") is None:
    pytest.skip("no Java on this machine: Spark cannot run", allow_module_level=True)

from awsglue.context import ConnectionTypeError, GlueContext  # noqa: E402 (needs pyspark)
from awsglue.dynamicframe import DynamicFrame  # noqa: E402
from awsglue.job import Job  # noqa: E402
from awsglue.transforms import ApplyMapping, DropNullFields, Filter, Join, Map, Relationalize, RenameField, ResolveChoice  # noqa: E402
from glueprint.etl.session import local_session  # noqa: E402

BUCKET = "lake"
SALES_CSV = "id,name,amount,sold_on\n1,apple,1.5,2024-01-31\n2,pear,2.25,2024-02-01\n3,plum,,2024-02-02\n"


@pytest.fixture(scope="module")
def etl(tmp_path_factory):
    """A server (SQLite; the catalog backend is not what these tests are about) with its S3
    over a folder, and a GlueContext whose s3:// paths are that folder, as a job run's are."""
    tmp = tmp_path_factory.mktemp("etl")
    root = tmp / "store"
    server = glueprint_server(f"sqlite:///{tmp}/etl.db", tmp, "--archive-root", str(root)).start()
    env = {
        "GLUEPRINT_S3_ROOT": str(root),
        "AWS_ENDPOINT_URL_GLUE": server.url,
        "AWS_ENDPOINT_URL_S3": server.s3_url,
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
    }
    with pytest.MonkeyPatch.context() as patch:
        for key, value in env.items():
            patch.setenv(key, value)
        s3 = s3_client(server.s3_url)
        s3.create_bucket(Bucket=BUCKET)
        spark = local_session(cores=2)
        context = GlueContext(spark.sparkContext)
        context.s3, context.glue = s3, glue_client(server.url)
        yield context
        spark.stop()
    server.stop()


def put(etl, key: str, body: str) -> str:
    etl.s3.put_object(Bucket=BUCKET, Key=key, Body=body.encode())
    return f"s3://{BUCKET}/{key}"


def keys(etl, prefix: str) -> list[str]:
    return sorted(o["Key"] for o in etl.s3.list_objects_v2(Bucket=BUCKET, Prefix=prefix).get("Contents", []))


def rows(frame) -> list[dict]:
    return [r.asDict(recursive=True) for r in frame.toDF().collect()]


def test_csv_to_parquet_with_apply_mapping_writes_objects_of_the_object_store(etl):
    put(etl, "raw/sales/part1.csv", SALES_CSV)
    sales = etl.create_dynamic_frame.from_options(
        connection_type="s3",
        connection_options={"paths": ["s3://lake/raw/sales/"]},
        format="csv",
        format_options={"withHeader": True},
    )
    mapped = ApplyMapping.apply(
        frame=sales,
        mappings=[
            ("id", "int", "sale_id", "long"),
            ("name", "string", "item.name", "string"),
            ("amount", "double", "item.amount", "decimal"),
            ("sold_on", "string", "sold_on", "date"),
            ("absent", "string", "absent", "string"),  # no record has it: left out, as in Glue
        ],
    )
    assert [(f.name, f.dataType.typeName()) for f in mapped.schema()] == [
        ("sale_id", "long"),
        ("item", "struct"),
        ("sold_on", "date"),
    ]
    assert [(f.name, f.dataType.typeName()) for f in mapped.schema().getField("item").dataType] == [
        ("name", "string"),
        ("amount", "decimal"),
    ]
    etl.write_dynamic_frame.from_options(
        frame=mapped, connection_type="s3", connection_options={"path": "s3://lake/curated/sales/"}, format="parquet"
    )

    written = keys(etl, "curated/sales/")
    assert written and all(
        k.startswith("curated/sales/part-") and k.endswith(".parquet") for k in written
    )  # no .crc, no _SUCCESS
    body = etl.s3.get_object(Bucket=BUCKET, Key=written[0])["Body"].read()
    table = pq.read_table(io.BytesIO(body))
    assert str(table.schema.field("sale_id").type) == "int64" and str(table.schema.field("sold_on").type) == "date32[day]"
    back = etl.create_dynamic_frame.from_options("s3", {"paths": ["s3://lake/curated/sales/"]}, format="parquet")
    assert sorted((r["sale_id"], r["item"]["name"], str(r["item"]["amount"])) for r in rows(back)) == [
        (1, "apple", "1.50"),
        (2, "pear", "2.25"),
        (3, "plum", "None"),
    ]


def test_headerless_csv_columns_are_col0_col1_and_a_path_without_files_reads_as_an_empty_frame(etl):
    put(etl, "raw/plain/a.csv", "x|1\ny|2\n")
    plain = etl.create_dynamic_frame.from_options(
        "s3", {"paths": ["s3://lake/raw/plain/"]}, format="csv", format_options={"separator": "|"}
    )
    assert sorted((r["col0"], r["col1"]) for r in rows(plain)) == [("x", 1), ("y", 2)]
    empty = etl.create_dynamic_frame.from_options("s3", {"paths": ["s3://lake/nothing/here/"]}, format="json")
    assert empty.count() == 0


def test_partition_keys_write_hive_folders_and_the_sink_adds_table_and_partitions_to_the_catalog(etl):
    etl.glue.create_database(DatabaseInput={"Name": "sales_db"})
    df = etl.spark_session.createDataFrame(
        [(1, "a", 2024, 1), (2, "b", 2024, 2), (3, "c", 2024, 2)], "id long, name string, year int, month int"
    )
    sink = etl.getSink(
        connection_type="s3",
        path="s3://lake/by_month/",
        enableUpdateCatalog=True,
        updateBehavior="UPDATE_IN_DATABASE",
        partitionKeys=["year", "month"],
    )
    sink.setFormat("glueparquet")
    sink.setCatalogInfo(catalogDatabase="sales_db", catalogTableName="by_month")
    sink.writeFrame(DynamicFrame.fromDF(df, etl, "sales"))

    assert {k.rsplit("/", 1)[0] for k in keys(etl, "by_month/")} == {"by_month/year=2024/month=1", "by_month/year=2024/month=2"}
    table = etl.glue.get_table(DatabaseName="sales_db", Name="by_month")["Table"]
    assert table["StorageDescriptor"]["Location"] == "s3://lake/by_month/"
    assert table["Parameters"]["classification"] == "parquet"
    assert [(c["Name"], c["Type"]) for c in table["StorageDescriptor"]["Columns"]] == [("id", "bigint"), ("name", "string")]
    assert [(k["Name"], k["Type"]) for k in table["PartitionKeys"]] == [("year", "int"), ("month", "int")]
    partitions = etl.glue.get_partitions(DatabaseName="sales_db", TableName="by_month")["Partitions"]
    assert sorted((p["Values"], p["StorageDescriptor"]["Location"]) for p in partitions) == [
        (["2024", "1"], "s3://lake/by_month/year=2024/month=1/"),
        (["2024", "2"], "s3://lake/by_month/year=2024/month=2/"),
    ]

    # A second write adds a column (the table follows) and a partition; the old ones stay.
    more = etl.spark_session.createDataFrame([(4, "d", 2025, 1, "x")], "id long, name string, year int, month int, note string")
    etl.write_dynamic_frame.from_catalog(
        frame=DynamicFrame.fromDF(more, etl, "more"),
        database="sales_db",
        table_name="by_month",
        additional_options={"enableUpdateCatalog": True, "partitionKeys": ["year", "month"]},
    )
    table = etl.glue.get_table(DatabaseName="sales_db", Name="by_month")["Table"]
    assert [c["Name"] for c in table["StorageDescriptor"]["Columns"]] == ["id", "name", "note"]
    assert len(etl.glue.get_partitions(DatabaseName="sales_db", TableName="by_month")["Partitions"]) == 3

    # Reading it back from the catalog: every partition, with its typed partition columns (one
    # registered before any object was written reads as no rows).
    location = "s3://lake/by_month/year=2026/month=1/"
    etl.glue.create_partition(
        DatabaseName="sales_db",
        TableName="by_month",
        PartitionInput={"Values": ["2026", "1"], "StorageDescriptor": {"Location": location}},
    )
    frame = etl.create_dynamic_frame.from_catalog(database="sales_db", table_name="by_month")
    assert sorted((r["id"], r["year"], r["month"]) for r in rows(frame)) == [
        (1, 2024, 1),
        (2, 2024, 2),
        (3, 2024, 2),
        (4, 2025, 1),
    ]
    assert frame.schema().getField("year").dataType.typeName() == "int"
    picked = etl.create_dynamic_frame.from_catalog(
        database="sales_db", table_name="by_month", push_down_predicate="year = 2024 and month = 2"
    )
    assert sorted(r["id"] for r in rows(picked)) == [2, 3]
    served = etl.create_dynamic_frame.from_catalog(
        database="sales_db", table_name="by_month", additional_options={"catalogPartitionPredicate": "year > 2024"}
    )
    assert [r["id"] for r in rows(served)] == [4]


def test_from_catalog_reads_a_crawled_style_csv_table_by_its_columns_and_partition_locations(etl):
    etl.glue.create_database(DatabaseInput={"Name": "raw_db"})
    put(etl, "crawled/2024/a.csv", "1,apple\n2,pear\n")  # folders without key=value, as crawlers find them
    put(etl, "crawled/2025/a.csv", "3,plum\n")  # 2026 is a partition with no objects yet
    columns = [{"Name": "id", "Type": "bigint"}, {"Name": "item", "Type": "string"}]
    descriptor = {
        "Columns": columns,
        "Location": "s3://lake/crawled/",
        "InputFormat": "org.apache.hadoop.mapred.TextInputFormat",
        "SerdeInfo": {
            "SerializationLibrary": "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe",
            "Parameters": {"field.delim": ","},
        },
    }
    etl.glue.create_table(
        DatabaseName="raw_db",
        TableInput={
            "Name": "crawled",
            "StorageDescriptor": descriptor,
            "PartitionKeys": [{"Name": "partition_0", "Type": "string"}],
        },
    )
    etl.glue.batch_create_partition(
        DatabaseName="raw_db",
        TableName="crawled",
        PartitionInputList=[
            {"Values": [y], "StorageDescriptor": {**descriptor, "Location": f"s3://lake/crawled/{y}/"}}
            for y in ("2024", "2025", "2026")
        ],
    )
    frame = etl.create_dynamic_frame.from_catalog(database="raw_db", table_name="crawled")
    assert [(f.name, f.dataType.typeName()) for f in frame.schema()] == [
        ("id", "long"),
        ("item", "string"),
        ("partition_0", "string"),
    ]
    assert sorted((r["id"], r["item"], r["partition_0"]) for r in rows(frame)) == [
        (1, "apple", "2024"),
        (2, "pear", "2024"),
        (3, "plum", "2025"),
    ]

    etl.purge_table("raw_db", "crawled", {"retentionPeriod": 0})  # the table's and its partitions' objects
    assert keys(etl, "crawled/") == []

    # match_catalog casts a frame's fields to the table's types.
    loose = DynamicFrame.fromDF(etl.spark_session.createDataFrame([("7", "fig")], "id string, item string"), etl, "loose")
    typed = ResolveChoice.apply(frame=loose, choice="match_catalog", database="raw_db", table_name="crawled")
    assert typed.schema().getField("id").dataType.typeName() == "long"


def test_relationalize_flattens_structs_and_pivots_arrays_into_tables_joined_by_id(etl):
    put(
        etl,
        "raw/people/p.json",
        '{"name": {"first": "Ada"}, "langs": ["en", "fr"], "pets": [{"kind": "cat"}]}\n{"name": {"first": "Bo"}, "langs": []}\n',
    )
    people = etl.create_dynamic_frame.from_options("s3", {"paths": ["s3://lake/raw/people/"]}, format="json")
    tables = Relationalize.apply(frame=people, staging_path="s3://lake/tmp/", name="root")
    assert list(tables.keys()) == ["root", "root_langs", "root_pets"]
    root = {r["name.first"]: r for r in rows(tables.select("root"))}
    assert set(root["Ada"]) == {"name.first", "langs", "pets"}
    assert root["Bo"]["pets"] is None
    langs = rows(tables["root_langs"])
    assert sorted((r["index"], r["langs.val"]) for r in langs if r["id"] == root["Ada"]["langs"]) == [(0, "en"), (1, "fr")]
    assert not [r for r in langs if r["id"] == root["Bo"]["langs"]]
    assert [(r["id"], r["pets.val.kind"]) for r in rows(tables["root_pets"])] == [(root["Ada"]["pets"], "cat")]


def test_field_and_record_transforms(etl):
    df = etl.spark_session.createDataFrame(
        [(1, "a", None, (10, "x")), (2, "b", None, (20, "y")), (3, "c", None, (30, "z"))],
        "id int, tag string, gone string, s struct<n:int,t:string>",
    )
    frame = DynamicFrame.fromDF(df, etl, "f")
    assert [f.name for f in DropNullFields.apply(frame=frame).schema()] == ["id", "tag", "s"]
    renamed = RenameField.apply(frame=frame, old_name="s.n", new_name="s.number")
    assert [f.name for f in renamed.schema().getField("s").dataType] == ["t", "number"]
    assert [f.name for f in frame.select_fields(["id", "s.t"]).schema()] == ["id", "s"]
    assert [f.name for f in frame.drop_fields(["gone", "s.t"]).schema()] == ["id", "tag", "s"]
    cast = frame.resolveChoice(specs=[("id", "cast:string"), ("s.n", "project:long")])
    assert cast.schema().getField("id").dataType.typeName() == "string"
    assert cast.schema().getField("s").dataType.getField("n").dataType.typeName() == "long"
    with pytest.raises(ValueError, match="unknown resolveChoice action"):
        frame.resolveChoice(specs=[("id", "explode")])

    kept = Filter.apply(frame=frame, f=lambda r: r["id"] % 2 == 1)
    assert sorted(r["id"] for r in rows(kept)) == [1, 3]
    doubled = Map.apply(frame=frame, f=lambda r: {"id": r["id"], "twice": r["s"]["n"] * 2})
    assert sorted((r["id"], r["twice"]) for r in rows(doubled)) == [(1, 20), (2, 40), (3, 60)]
    assert doubled.schema().getField("id").dataType.typeName() == "int"  # kept from the input, not JSON's long
    labels = DynamicFrame.fromDF(
        etl.spark_session.createDataFrame([("a", "first"), ("c", "third")], "key string, label string"), etl, "l"
    )
    joined = Join.apply(frame1=frame, frame2=labels, keys1=["tag"], keys2=["key"])
    assert sorted((r["id"], r["label"]) for r in rows(joined)) == [(1, "first"), (3, "third")]


def test_unnest_union_and_merge_by_primary_keys(etl):
    source = DynamicFrame.fromDF(
        etl.spark_session.createDataFrame([(1, ("a", 10)), (2, ("b", 20))], "id int, s struct<t:string,n:int>"), etl, "src"
    )
    assert [f.name for f in source.unnest().schema()] == ["id", "s.t", "s.n"]
    stage = DynamicFrame.fromDF(
        etl.spark_session.createDataFrame([(2, ("B", 21)), (3, ("c", 30))], "id int, s struct<t:string,n:int>"), etl, "stage"
    )
    merged = source.mergeDynamicFrame(stage, ["id"])
    assert sorted((r["id"], r["s"]["t"]) for r in rows(merged)) == [(1, "a"), (2, "B"), (3, "c")]
    assert sorted(r["id"] for r in rows(source.union(stage))) == [1, 2, 2, 3]


def test_sources_data_frames_purges_and_the_logger(etl, caplog):
    put(etl, "raw/src/a.csv", SALES_CSV)
    source = etl.getSource(connection_type="s3", paths=["s3://lake/raw/src/"])
    source.setFormat("csv", withHeader=True)
    assert source.getFrame().count() == 3
    df = etl.create_data_frame.from_options(
        "s3", {"paths": ["s3://lake/raw/src/"]}, format="csv", format_options={"withHeader": "true"}
    )
    assert df.columns == ["id", "name", "amount", "sold_on"]

    put(etl, "purge/me/a.csv", SALES_CSV)
    put(etl, "purge/mine/b.csv", SALES_CSV)
    etl.purge_s3_path("s3://lake/purge/me/")  # every object is newer than the default 168 hours
    assert keys(etl, "purge/") == ["purge/me/a.csv", "purge/mine/b.csv"]
    etl.purge_s3_path("s3://lake/purge/me/", {"retentionPeriod": 0})
    assert keys(etl, "purge/") == ["purge/mine/b.csv"]

    with caplog.at_level("INFO", logger="awsglue"):
        etl.get_logger().warn("halfway")
    assert [(r.levelname, r.message) for r in caplog.records] == [("WARNING", "halfway")]


def test_print_schema_uses_glue_type_names(etl, capsys):
    df = etl.spark_session.createDataFrame([], "id bigint, tags array<string>, m map<string,double>, s struct<d:date>")
    DynamicFrame.fromDF(df, etl, "f").printSchema()
    assert capsys.readouterr().out.splitlines()[:8] == [
        "root",
        "|-- id: long",
        "|-- tags: array",
        "|    |-- element: string",
        "|-- m: map",
        "|    |-- keyType: string",
        "|    |-- valueType: double",
        "|-- s: struct",
    ]


def test_a_transactional_sink_changes_the_catalog_at_commit_and_a_cancel_deletes_what_it_wrote(etl):
    etl.glue.create_database(DatabaseInput={"Name": "governed_db"})
    df = etl.spark_session.createDataFrame([(1, "a", 2024), (2, "b", 2025)], "id long, name string, year int")

    def write(transaction_id: str, path: str, table: str) -> None:
        sink = etl.getSink(
            connection_type="s3", path=path, enableUpdateCatalog=True, partitionKeys=["year"], transactionId=transaction_id
        )
        sink.setFormat("glueparquet")
        sink.setCatalogInfo(catalogDatabase="governed_db", catalogTableName=table)
        sink.writeFrame(DynamicFrame.fromDF(df, etl, "rows"))

    put(etl, "kept/year=2023/old.parquet", "an object from before")
    cancelled = etl.begin_transaction(read_only=False)  # the older name of start_transaction
    write(cancelled, "s3://lake/kept/", "kept")
    assert len(keys(etl, "kept/")) > 1
    etl.abort_transaction(cancelled)  # the older name of cancel_transaction
    assert keys(etl, "kept/") == ["kept/year=2023/old.parquet"]  # only what the transaction wrote is gone
    with pytest.raises(etl.glue.exceptions.EntityNotFoundException):
        etl.glue.get_table(DatabaseName="governed_db", Name="kept")

    committed = etl.start_transaction(read_only=False)
    write(committed, "s3://lake/committed/", "committed")
    with pytest.raises(etl.glue.exceptions.EntityNotFoundException):  # the catalog changes at the commit
        etl.glue.get_table(DatabaseName="governed_db", Name="committed")
    assert etl.commit_transaction(committed) is True
    partitions = etl.glue.get_partitions(DatabaseName="governed_db", TableName="committed")["Partitions"]
    assert sorted(p["Values"] for p in partitions) == [["2024"], ["2025"]]

    reading = etl.start_transaction(read_only=True)
    with pytest.raises(ValueError, match="read-only"):
        write(reading, "s3://lake/read_only/", "read_only")
    with pytest.raises(ValueError, match="not open"):
        etl.commit_transaction(committed)
    assert keys(etl, "read_only/") == []


def test_stores_only_aws_has_fail_clearly_and_a_job_commits_after_init(etl):
    with pytest.raises(ConnectionTypeError, match="exists only on AWS"):
        etl.create_dynamic_frame.from_options(connection_type="redshift", connection_options={})
    with pytest.raises(ConnectionTypeError, match="not available"):
        etl.getSink(connection_type="ftp")
    job = Job(etl)
    with pytest.raises(RuntimeError):
        job.commit()
    job.init("my_job", {"JOB_NAME": "my_job"})
    job.commit()


def test_a_new_context_sets_glues_sql_settings_and_its_script_reads_s3_paths_of_every_bucket_with_spark(etl):
    etl.s3.create_bucket(Bucket="landing")
    etl.s3.put_object(Bucket="landing", Key="in/a.csv", Body=SALES_CSV.encode())
    etl.spark_session.conf.set("spark.sql.ansi.enabled", "true")  # Spark 4's default
    spark = GlueContext(etl.spark_session.sparkContext).spark_session  # as a new job script starts
    assert spark.conf.get("spark.sql.ansi.enabled") == "false"  # as in the Spark of every Glue version
    df = spark.read.option("header", True).csv("s3a://landing/in/")
    assert df.count() == 3
    assert df.selectExpr("input_file_name() AS f").first()["f"] == "s3a://landing/in/a.csv"
    # A bucket made after the context started is mounted when the library first names it.
    etl.s3.create_bucket(Bucket="late")
    etl.write_dynamic_frame.from_options(DynamicFrame.fromDF(df, etl, "df"), "s3", {"path": "s3://late/copy/"}, format="json")
    assert etl.s3.list_objects_v2(Bucket="late")["KeyCount"] >= 1


def test_a_bucket_the_store_does_not_hold_is_named_as_s3_names_it(etl):
    with pytest.raises(FileNotFoundError, match=r"NoSuchBucket: The specified bucket does not exist \(s3://elsewhere/\)"):
        etl.create_dynamic_frame.from_options("s3", {"paths": ["s3://elsewhere/x/"]}, format="json")
