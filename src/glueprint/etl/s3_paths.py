"""``s3://``, ``s3a://`` and ``s3n://`` paths as folders of glueprint's object store, with
Hadoop's own ``ViewFileSystemOverloadScheme``: each bucket is a mount table whose fallback
link is ``<root>/<bucket>`` (the store keeps a bucket as a folder there). No hadoop-aws jar is
needed, and ``input_file_name()`` still shows the ``s3://`` path.

A mount table is read when Hadoop first opens a bucket. Every bucket the store holds is
mounted when a GlueContext starts (so a script's own ``spark.read`` of ``s3://`` paths works),
and a bucket is mounted again before each library read or write that names it: buckets
created after the JVM started work too.
"""

import os
from pathlib import Path
from urllib.parse import urlsplit

ROOT_ENV = "GLUEPRINT_S3_ROOT"
SCHEMES = ("s3", "s3a", "s3n")
_OVERLOAD = "org.apache.hadoop.fs.viewfs.ViewFileSystemOverloadScheme"


def scheme_settings() -> dict[str, str]:
    """Hadoop settings that route every S3 scheme through the overload scheme; the target
    folders are written with the raw local file system, so no ``.crc`` files appear as objects."""
    settings = {f"fs.{scheme}.impl": _OVERLOAD for scheme in SCHEMES}
    settings["fs.file.impl"] = "org.apache.hadoop.fs.RawLocalFileSystem"
    # Glue's S3 sinks write data files only: no _SUCCESS marker objects.
    settings["mapreduce.fileoutputcommitter.marksuccessfuljobs"] = "false"
    return settings


def bucket_of(path: str) -> str | None:
    """The bucket an ``s3://`` path names, or None for any other path."""
    parts = urlsplit(path)
    return parts.netloc if parts.scheme in SCHEMES and parts.netloc else None


def mount_setting(root: str, bucket: str) -> tuple[str, str]:
    return f"fs.viewfs.mounttable.{bucket}.linkFallback", f"file://{os.path.abspath(root)}/{bucket}"


def store_root() -> str | None:
    """The object store folder this process maps S3 paths to (set for job runs)."""
    return os.environ.get(ROOT_ENV) or None


def mount(spark, paths: list[str]) -> None:
    """Mount the bucket of each S3 path in ``paths`` in this session's Hadoop configuration."""
    buckets = {bucket for bucket in map(bucket_of, paths) if bucket}
    if not buckets:
        return
    root = store_root()
    if root is None:
        raise RuntimeError(f"s3:// paths need glueprint's object store folder in {ROOT_ENV} (reading {sorted(buckets)[0]!r})")
    hadoop = spark.sparkContext._jsc.hadoopConfiguration()
    for bucket in buckets:
        hadoop.set(*mount_setting(root, bucket))


def holds_objects(path: str) -> bool:
    """Whether an S3 path's folder in the store exists (any other path is taken to)."""
    bucket, root = bucket_of(path), store_root()
    if bucket is None or root is None:
        return True
    key = urlsplit(path).path.lstrip("/")
    return (Path(root) / bucket / key).exists()


def mount_store(spark) -> None:
    """Mount every bucket the object store holds now (its folders; the store's own start with a dot)."""
    root = store_root()
    if root is None or not os.path.isdir(root):
        return
    mount(spark, [f"s3://{entry.name}/" for entry in Path(root).iterdir() if entry.is_dir() and not entry.name.startswith(".")])
