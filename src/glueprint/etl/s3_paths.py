"""``s3://``, ``s3a://`` and ``s3n://`` paths as folders of glueprint's object store, with
Hadoop's own ``ViewFileSystemOverloadScheme``: each bucket is a mount table whose fallback
link is ``<root>/<bucket>`` (the store keeps a bucket as a folder there). No hadoop-aws jar is
needed, and ``input_file_name()`` still shows the ``s3://`` path.

The mount tables are Hadoop configuration files (``MountTables``), not settings of a running
JVM: Hadoop reads the newest ``mount-table.<n>.xml`` of ``fs.viewfs.mounttable.path`` whenever
it opens a bucket it has not opened yet, so a new file, written when the store's buckets
change, makes buckets created after the JVM started work too. Whoever runs the JVM writes them
(the Connect server's host side, or the process of a local session): a script's own process,
a Spark Connect client, needs no access to the store folder.
"""

import os
import threading
from pathlib import Path
from urllib.parse import urlsplit
from xml.sax.saxutils import escape

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


class MountTables:
    """A folder of Hadoop mount-table files mounting every bucket of the store at ``root``;
    ``refresh()`` writes a new one when the store's folder changed (a bucket came or went)."""

    FILE = "mount-table.{}.xml"

    def __init__(self, root: str, folder: str):
        self.root, self.folder = os.path.abspath(root), Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        for old in self.folder.iterdir():  # an earlier JVM's table may hold a higher number
            old.unlink()
        self._lock = threading.Lock()
        self._version, self._seen = 0, None

    def setting(self) -> tuple[str, str]:
        return "fs.viewfs.mounttable.path", f"file://{self.folder}"

    def refresh(self) -> None:
        with self._lock:
            try:
                changed = os.stat(self.root).st_mtime_ns
            except FileNotFoundError:
                changed = None
            if self._version and changed == self._seen:
                return
            self._seen, self._version = changed, self._version + 1
            path = self.folder / self.FILE.format(self._version)
            partial = self.folder / "next.partial"
            partial.write_text(self.table())
            partial.rename(path)  # whole or not there: Hadoop may read it at any time
            stale = self.folder / self.FILE.format(self._version - 2)
            stale.unlink(missing_ok=True)  # the one before stays for a reader that just listed it

    def table(self) -> str:
        """The configuration mounting each bucket folder (the store's own folders start with a dot)."""
        lines = ["<configuration>"]
        buckets = (
            sorted(e.name for e in os.scandir(self.root) if e.is_dir() and not e.name.startswith("."))
            if os.path.isdir(self.root)
            else []
        )
        for bucket in buckets:
            name, value = (escape(part) for part in mount_setting(self.root, bucket))
            lines.append(f"<property><name>{name}</name><value>{value}</value></property>")
        return "\n".join([*lines, "</configuration>\n"])


_local_tables: MountTables | None = None  # this process's, when it runs a local session


def use_local_tables(tables: MountTables) -> None:
    global _local_tables
    _local_tables = tables


def refresh() -> None:
    """In a process running a local session: bring its mount tables up to date (a Connect
    server's host side keeps its own so)."""
    if _local_tables is not None:
        _local_tables.refresh()


def mount(paths: list[str]) -> None:
    """Before the library reads or writes ``paths``: their buckets mounted, and a bucket the
    store lacks named as S3 names it."""
    buckets = {bucket for bucket in map(bucket_of, paths) if bucket}
    for bucket in sorted(buckets):
        if not _bucket_exists(bucket):
            raise FileNotFoundError(f"NoSuchBucket: The specified bucket does not exist (s3://{bucket}/)")
    if buckets:
        refresh()


def _bucket_exists(bucket: str) -> bool:
    """In the store folder, where this process sees it; else, in a Spark Connect client (a job
    run's script, whose server would otherwise fail on a class it lacks), through the S3 API
    the script's own calls use. A local session on other S3 settings leaves it to Hadoop."""
    if (root := store_root()) is not None:
        return os.path.isdir(os.path.join(root, bucket))
    if not os.environ.get("SPARK_REMOTE"):
        return True
    import boto3
    from botocore.exceptions import ClientError

    try:
        boto3.client("s3").head_bucket(Bucket=bucket)
    except ClientError as exc:
        if exc.response["Error"]["Code"] in ("404", "NoSuchBucket"):
            return False
    return True


def holds_objects(path: str) -> bool:
    """Whether anything is stored under an S3 path: its folder in the store, or, where the store
    folder is not this process's to see (a Spark Connect client), an object under its key
    through the S3 API the script's own calls use. Any other path is taken to."""
    bucket = bucket_of(path)
    if bucket is None:
        return True
    key, root = urlsplit(path).path.lstrip("/"), store_root()
    if root is not None:
        return (Path(root) / bucket / key).exists()
    import boto3

    return boto3.client("s3").list_objects_v2(Bucket=bucket, Prefix=key, MaxKeys=1)["KeyCount"] > 0
