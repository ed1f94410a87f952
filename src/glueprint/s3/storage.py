"""Buckets as folders, objects as plain files: ``<root>/<bucket>/<key>``.

A file put into that tree by hand is an object too (this is how ``--archive-root`` folders
are served). What S3 keeps beside the bytes (ETag, Content-Type, user metadata) is an
extended attribute of the file, written before the file is renamed into place, so an object
and its metadata appear together or not at all. Every write goes to a temporary file under
``<root>/.glueprint-s3/`` (no bucket name starts with a dot), is fsynced, renamed over its
key and its folder fsynced: once a PUT is answered, a crash loses nothing.

A key ending in ``/`` (an empty "folder" object, as consoles and Hadoop make them) is a
folder with a marker attribute. Keys a file system cannot hold are refused (README,
"Differences from AWS"): empty, ``.`` or ``..`` segments, or a key that is both an object
and a folder of others (``a`` and ``a/b``).
"""

import base64
import hashlib
import os
import re
import shutil
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import orjson

from .errors import S3Error, no_such_bucket, no_such_key, no_such_upload
from .folder_index import FolderIndex, start_at

META_ATTR = "user.glueprint.s3"
FOLDER_ATTR = "user.glueprint.s3-folder"
INTERNAL = ".glueprint-s3"
MAX_KEY_BYTES = 1024
MIN_PART_BYTES = 5 * 1024 * 1024  # every part but the last, as on AWS
MAX_PART_NUMBER = 10000
_BUCKET = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")
_COPY_CHUNK = 1024 * 1024


@dataclass
class ObjectInfo:
    key: str
    path: Path
    size: int
    modified: float
    etag: str  # without quotes
    headers: dict = field(default_factory=dict)  # Content-Type, Cache-Control, ... as stored
    metadata: dict = field(default_factory=dict)  # x-amz-meta-* without the prefix


@dataclass
class Listing:
    contents: list[ObjectInfo]
    prefixes: list[str]
    truncated: bool
    last: str | None  # the last key or prefix returned: where the next page starts after


def bucket_name_problem(name: str) -> str | None:
    """Why a name cannot be a new bucket (AWS's general purpose bucket naming rules), or None."""
    if not _BUCKET.fullmatch(name) or ".." in name or re.fullmatch(r"\d+\.\d+\.\d+\.\d+", name):
        return "The specified bucket is not valid."
    return None


def _read_meta(path: Path) -> dict | None:
    try:
        return orjson.loads(os.getxattr(path, META_ATTR))
    except (OSError, orjson.JSONDecodeError):
        return None  # a file put there by hand, or a file system without user attributes


def _write_meta(fd: int, meta: dict) -> None:
    try:
        os.setxattr(fd, META_ATTR, orjson.dumps(meta))
    except OSError:
        pass  # no user attributes here: the ETag is computed from the bytes instead


def _md5_of(path: Path) -> str:
    digest = hashlib.md5(usedforsecurity=False)
    with open(path, "rb") as f:
        while chunk := f.read(_COPY_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class Writer:
    """Bytes on their way to becoming an object: a temporary file and its running MD5."""

    def __init__(self, store: "ObjectStore"):
        self.store = store
        self.path = store.tmp / uuid.uuid4().hex
        self.file = open(self.path, "xb")  # noqa: SIM115  (closed by commit or discard)
        self.md5 = hashlib.md5(usedforsecurity=False)
        self.size = 0

    def write(self, data: bytes) -> None:
        self.file.write(data)
        self.md5.update(data)
        self.size += len(data)

    def finish(self, meta: dict) -> None:
        """Flush the bytes and their metadata to disk (before the rename that publishes them)."""
        self.file.flush()
        _write_meta(self.file.fileno(), meta)
        os.fsync(self.file.fileno())
        self.file.close()

    def discard(self) -> None:
        self.file.close()
        self.path.unlink(missing_ok=True)


class ObjectStore:
    def __init__(self, root: str | Path):
        self.root = Path(root)
        self.tmp = self.root / INTERNAL / "tmp"
        self.uploads = self.root / INTERNAL / "uploads"
        self.tmp.mkdir(parents=True, exist_ok=True)
        self.uploads.mkdir(parents=True, exist_ok=True)
        # Creating a key's folders and removing emptied ones must not interleave.
        self._tree_lock = threading.Lock()
        self._folders = FolderIndex()  # listing pages continue from a folder's kept order
        for leftover in self.tmp.iterdir():  # from writes a crash interrupted: never acknowledged
            leftover.unlink(missing_ok=True)

    # -- buckets ---------------------------------------------------------------------------

    def _bucket(self, name: str) -> Path:
        path = self.root / name
        if not name or name.startswith(".") or "/" in name or not path.is_dir():
            raise no_such_bucket(name)
        return path

    def buckets(self) -> list[tuple[str, float]]:
        return sorted(
            (entry.name, entry.stat().st_mtime)
            for entry in os.scandir(self.root)
            if entry.is_dir() and not entry.name.startswith(".")
        )

    def has_bucket(self, name: str) -> bool:
        try:
            self._bucket(name)
            return True
        except S3Error:
            return False

    def create_bucket(self, name: str) -> bool:
        """Make the bucket's folder; False when it was there already."""
        if problem := bucket_name_problem(name):
            raise S3Error("InvalidBucketName", problem, BucketName=name)
        try:
            (self.root / name).mkdir()
        except FileExistsError:
            return False
        _fsync_dir(self.root)
        return True

    def delete_bucket(self, name: str) -> None:
        path = self._bucket(name)
        if any(self._walk(path, "", None)):
            raise S3Error("BucketNotEmpty", "The bucket you tried to delete is not empty", BucketName=name)
        shutil.rmtree(path)  # only empty folders are left in it
        _fsync_dir(self.root)

    # -- objects ---------------------------------------------------------------------------

    def _key_path(self, bucket: Path, key: str) -> Path:
        if len(key.encode()) > MAX_KEY_BYTES:
            raise S3Error("KeyTooLongError", "Your key is too long", Key=key)
        parts = key.removesuffix("/").split("/")
        if not key or "\0" in key or any(p in ("", ".", "..") or len(p.encode()) > 255 for p in parts):
            raise S3Error(
                "InvalidArgument",
                "glueprint keeps objects as files: a key may not be empty or have empty, '.' or '..' "
                "segments, or a segment longer than 255 bytes",
                Key=key,
            )
        return bucket.joinpath(*parts)

    def writer(self) -> Writer:
        return Writer(self)

    def commit(self, writer: Writer, bucket: str, key: str, headers: dict, metadata: dict, etag: str | None = None) -> ObjectInfo:
        """Publish a writer's bytes as bucket/key (replacing any object there)."""
        try:
            root = self._bucket(bucket)
            path = self._key_path(root, key)
            meta = {"etag": etag or writer.md5.hexdigest(), "headers": headers, "metadata": metadata}
            if key.endswith("/"):
                if writer.size:
                    raise S3Error("InvalidArgument", "glueprint keeps a key ending in '/' as a folder: it must be empty", Key=key)
                writer.discard()
                return self._make_folder(root, path, key, meta)
            writer.finish(meta)
            with self._tree_lock:
                self._make_parents(root, path, key)
                if path.is_dir():
                    raise self._conflict(key)
                os.replace(writer.path, path)
            _fsync_dir(path.parent)
        except BaseException:
            writer.discard()
            raise
        return self.stat(bucket, key)

    def _conflict(self, key: str) -> S3Error:
        return S3Error(
            "InvalidArgument",
            f"glueprint keeps objects as files: {key!r} cannot be both an object and a folder of other objects",
            Key=key,
        )

    def _make_parents(self, root: Path, path: Path, key: str) -> None:
        folder = path.parent
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except (FileExistsError, NotADirectoryError):
            raise self._conflict(key) from None
        if not folder.resolve().is_relative_to(root.resolve()):
            raise self._conflict(key)

    def _make_folder(self, root: Path, path: Path, key: str, meta: dict) -> ObjectInfo:
        with self._tree_lock:
            self._make_parents(root, path, key)
            try:
                path.mkdir(exist_ok=True)
            except FileExistsError:
                raise self._conflict(key) from None
            os.setxattr(path, FOLDER_ATTR, orjson.dumps(meta))
        _fsync_dir(path.parent)
        return self.stat(root.name, key)

    def stat(self, bucket: str, key: str) -> ObjectInfo:
        path = self._key_path(self._bucket(bucket), key)
        try:
            st = path.stat()
        except (FileNotFoundError, NotADirectoryError):
            raise no_such_key(key) from None
        if key.endswith("/"):
            meta = _folder_meta(path)
            if meta is None:
                raise no_such_key(key)
            return ObjectInfo(key, path, 0, st.st_mtime, meta["etag"], meta["headers"], meta["metadata"])
        if not path.is_file():
            raise no_such_key(key)
        return self._info(key, path, st)

    def _info(self, key: str, path: Path, st: os.stat_result) -> ObjectInfo:
        meta = _read_meta(path)
        if meta is None:
            return ObjectInfo(key, path, st.st_size, st.st_mtime, _md5_of(path))
        return ObjectInfo(key, path, st.st_size, st.st_mtime, meta["etag"], meta["headers"], meta["metadata"])

    def delete(self, bucket: str, key: str) -> None:
        """Remove an object; a missing one is no error, as on AWS."""
        root = self._bucket(bucket)
        path = self._key_path(root, key)
        with self._tree_lock:
            try:
                if key.endswith("/"):
                    if _folder_meta(path) is None:
                        return
                    os.removexattr(path, FOLDER_ATTR)
                    if any(path.iterdir()):
                        return
                    path.rmdir()
                elif path.is_file():
                    path.unlink()
                else:
                    return
            except (FileNotFoundError, NotADirectoryError):
                return
            # Emptied folders go too (S3 has no folders), except those that are objects themselves.
            folder = path.parent
            while folder != root and _folder_meta(folder) is None:
                try:
                    folder.rmdir()
                except OSError:
                    break
                folder = folder.parent
            _fsync_dir(folder)

    def copy(self, bucket: str, key: str, to_bucket: str, to_key: str, headers: dict | None, metadata: dict | None) -> ObjectInfo:
        """Copy an object; headers and metadata None keep the source's (MetadataDirective COPY)."""
        source = self.stat(bucket, key)
        self._bucket(to_bucket)
        writer = self.writer()
        try:
            if source.size:
                with open(source.path, "rb") as f:
                    while chunk := f.read(_COPY_CHUNK):
                        writer.write(chunk)
        except BaseException:
            writer.discard()
            raise
        etag = source.etag if headers is None else None  # same bytes: a multipart ETag stays one
        return self.commit(
            writer,
            to_bucket,
            to_key,
            source.headers if headers is None else headers,
            source.metadata if metadata is None else metadata,
            etag=etag if etag and "-" in etag else None,
        )

    # -- listing ---------------------------------------------------------------------------

    def _walk(
        self, folder: Path, key_prefix: str, after: str | None, name_prefix: str = "", shallow: bool = False
    ) -> Iterator[tuple[str, Path | None]]:
        """(key, path) of every object under folder, in key order, skipping keys <= after.
        shallow: a folder holding objects is one (folder key, None), not its keys."""
        try:
            listing = self._folders.entries(str(folder))
        except (FileNotFoundError, NotADirectoryError):
            return
        for index in range(start_at(listing, name_prefix, key_prefix, after), len(listing.entries)):
            entry = listing.entries[index]  # by index: a slice would copy the folder for every page
            if not entry.order.startswith(name_prefix):
                return  # the names with this prefix are behind
            key = key_prefix + entry.name
            path = folder / entry.name
            if entry.is_dir:
                folder_key = key + "/"
                if shallow:
                    if any(self._walk(path, folder_key, None)) or _folder_meta(path):
                        yield folder_key, None
                    continue
                if (after is None or folder_key > after) and _folder_meta(path) is not None:
                    yield folder_key, path
                yield from self._walk(path, folder_key, after)
            else:
                yield key, path

    def listing(
        self, bucket: str, prefix: str = "", delimiter: str = "", after: str | None = None, max_keys: int = 1000
    ) -> Listing:
        root = self._bucket(bucket)
        folder_key, _, name_prefix = prefix.rpartition("/")
        folder_key = folder_key + "/" if "/" in prefix else ""
        try:
            folder = self._key_path(root, folder_key) if folder_key else root
        except S3Error:
            return Listing([], [], False, None)  # no file can have such a key
        contents, prefixes, last = [], [], None
        if max_keys <= 0:
            return Listing(contents, prefixes, False, None)
        # With "/" as the delimiter, a folder is one common prefix: it is not walked through.
        for key, path in self._walk(folder, folder_key, after, name_prefix, shallow=delimiter == "/"):
            cut = key.find(delimiter, len(prefix)) if delimiter else -1
            if cut >= 0:
                common = key[: cut + len(delimiter)]
                if common == last or (after is not None and common <= after):
                    continue  # a group already returned, on this page or an earlier one
                if len(contents) + len(prefixes) == max_keys:
                    return Listing(contents, prefixes, True, last)
                prefixes.append(common)
                last = common
                continue
            if len(contents) + len(prefixes) == max_keys:
                return Listing(contents, prefixes, True, last)
            if key.endswith("/"):
                contents.append(self.stat(bucket, key))
            else:
                try:
                    contents.append(self._info(key, path, path.stat()))
                except FileNotFoundError:
                    continue  # deleted since its folder was read
            last = key
        return Listing(contents, prefixes, False, last)

    # -- multipart uploads -----------------------------------------------------------------

    def create_upload(self, bucket: str, key: str, headers: dict, metadata: dict) -> str:
        self._key_path(self._bucket(bucket), key)
        upload_id = base64.urlsafe_b64encode(uuid.uuid4().bytes + uuid.uuid4().bytes).decode().rstrip("=")
        folder = self.uploads / upload_id
        folder.mkdir()
        about = {"bucket": bucket, "key": key, "headers": headers, "metadata": metadata, "initiated": time.time()}
        (folder / "upload.json").write_bytes(orjson.dumps(about))
        _fsync_dir(self.uploads)
        return upload_id

    def upload(self, bucket: str, key: str, upload_id: str) -> dict:
        self._bucket(bucket)
        if not re.fullmatch(r"[A-Za-z0-9_-]{43}", upload_id):
            raise no_such_upload(upload_id)
        try:
            about = orjson.loads((self.uploads / upload_id / "upload.json").read_bytes())
        except FileNotFoundError:
            raise no_such_upload(upload_id) from None
        if (about["bucket"], about["key"]) != (bucket, key):
            raise no_such_upload(upload_id)
        return about

    def commit_part(self, writer: Writer, bucket: str, key: str, upload_id: str, number: int) -> str:
        try:
            self.upload(bucket, key, upload_id)
            etag = writer.md5.hexdigest()
            writer.finish({"etag": etag})
            os.replace(writer.path, self.uploads / upload_id / f"{number:05d}")
        except BaseException:
            writer.discard()
            raise
        _fsync_dir(self.uploads / upload_id)
        return etag

    def parts(self, bucket: str, key: str, upload_id: str) -> list[tuple[int, str, int, float]]:
        """(number, etag, size, modified) of every uploaded part, in order."""
        self.upload(bucket, key, upload_id)
        found = []
        for entry in sorted(os.scandir(self.uploads / upload_id), key=lambda e: e.name):
            if entry.name.isdigit():
                st = entry.stat()
                etag = (_read_meta(Path(entry.path)) or {}).get("etag") or _md5_of(Path(entry.path))
                found.append((int(entry.name), etag, st.st_size, st.st_mtime))
        return found

    def complete(self, bucket: str, key: str, upload_id: str, chosen: list[tuple[int, str]]) -> ObjectInfo:
        about = self.upload(bucket, key, upload_id)
        if not chosen:
            raise S3Error(
                "MalformedXML", "The XML you provided was not well-formed or did not validate against our published schema"
            )
        numbers = [n for n, _ in chosen]
        if numbers != sorted(set(numbers)):
            raise S3Error(
                "InvalidPartOrder",
                "The list of parts was not in ascending order. The parts list must be specified in order by part number.",
            )
        uploaded = {n: (etag, size) for n, etag, size, _ in self.parts(bucket, key, upload_id)}
        for index, (number, etag) in enumerate(chosen):
            if number not in uploaded or uploaded[number][0] != etag.strip('"'):
                raise S3Error(
                    "InvalidPart",
                    "One or more of the specified parts could not be found. The part may not have been uploaded, "
                    "or the specified entity tag may not match the part's entity tag.",
                    PartNumber=str(number),
                    ETag=etag,
                )
            if index < len(chosen) - 1 and uploaded[number][1] < MIN_PART_BYTES:
                raise S3Error(
                    "EntityTooSmall",
                    "Your proposed upload is smaller than the minimum allowed object size.",
                    PartNumber=str(number),
                    MinSizeAllowed=str(MIN_PART_BYTES),
                    ProposedSize=str(uploaded[number][1]),
                )
        writer = self.writer()
        digests = hashlib.md5(usedforsecurity=False)
        try:
            for number, etag in chosen:
                digests.update(bytes.fromhex(etag.strip('"')))
                with open(self.uploads / upload_id / f"{number:05d}", "rb") as f:
                    while chunk := f.read(_COPY_CHUNK):
                        writer.write(chunk)
        except BaseException:
            writer.discard()
            raise
        etag = f"{digests.hexdigest()}-{len(chosen)}"
        info = self.commit(writer, bucket, key, about["headers"], about["metadata"], etag=etag)
        shutil.rmtree(self.uploads / upload_id, ignore_errors=True)
        return info

    def abort(self, bucket: str, key: str, upload_id: str) -> None:
        self.upload(bucket, key, upload_id)
        shutil.rmtree(self.uploads / upload_id, ignore_errors=True)

    def open_uploads(self, bucket: str) -> list[tuple[str, str, float]]:
        """(key, upload id, initiated) of the bucket's multipart uploads in progress."""
        self._bucket(bucket)
        found = []
        for entry in os.scandir(self.uploads):
            try:
                about = orjson.loads((Path(entry.path) / "upload.json").read_bytes())
            except (OSError, orjson.JSONDecodeError):
                continue
            if about["bucket"] == bucket:
                found.append((about["key"], entry.name, about["initiated"]))
        return sorted(found)


def _folder_meta(path: Path) -> dict | None:
    try:
        return orjson.loads(os.getxattr(path, FOLDER_ATTR))
    except (OSError, orjson.JSONDecodeError):
        return None
