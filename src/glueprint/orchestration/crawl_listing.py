"""Listing a crawler's S3 include path into a tree of folders and files.

Hidden objects (a name component starting with ``_`` or ``.``, as Spark's ``_SUCCESS`` and
``_temporary``) and excluded ones are left out. One listing of the prefix, paged: the cost is
linear in the objects under it.
"""

import re
from dataclasses import dataclass, field

from .crawl_exclusions import BadPattern, excluded


class BadTarget(ValueError):
    pass


@dataclass
class S3File:
    bucket: str
    key: str
    size: int


@dataclass
class Folder:
    location: str  # s3://bucket/prefix/ with a trailing slash
    name: str
    level: int  # folders below the bucket: the bucket is 0
    children: dict[str, "Folder"] = field(default_factory=dict)
    files: list[S3File] = field(default_factory=list)

    def child(self, name: str) -> "Folder":
        if name not in self.children:
            self.children[name] = Folder(f"{self.location}{name}/", name, self.level + 1)
        return self.children[name]

    def walk(self):
        yield self
        for child in self.children.values():
            yield from child.walk()


def split(path: str) -> tuple[str, str]:
    """Bucket and key prefix (empty, or ending in a slash) of an s3:// path."""
    match = re.fullmatch(r"s3://([^/]+)/?(.*)", path)
    if not match:
        raise BadTarget(f"Invalid S3 path {path}: an S3 target path is s3://bucket/prefix")
    bucket, prefix = match.groups()
    return bucket, (prefix.rstrip("/") + "/") if prefix.strip("/") else ""


def _hidden(part: str) -> bool:
    return part.startswith(("_", "."))


def list_target(client, path: str, exclusions: list[str], skip_folders: set[str] = frozenset()) -> Folder:
    """The tree under an include path; folders whose location is in skip_folders (already
    crawled, for CRAWL_NEW_FOLDERS_ONLY) are left out with everything under them."""
    bucket, prefix = split(path)
    parts = prefix.rstrip("/").split("/") if prefix else []
    root = Folder(f"s3://{bucket}/{prefix}", parts[-1] if parts else bucket, len(parts))
    pages = client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
    try:
        for page in pages:
            for obj in page.get("Contents", []):
                _place(root, bucket, obj, obj["Key"][len(prefix) :], exclusions, skip_folders)
    except BadPattern as exc:
        raise BadTarget(f"Invalid exclude pattern for {path}: {exc}") from None
    return root


def _place(root: Folder, bucket: str, obj: dict, relative: str, exclusions: list[str], skip: set[str]) -> None:
    parts = relative.split("/")
    if not relative or relative.endswith("/") or any(_hidden(p) for p in parts):
        return
    if excluded(relative, exclusions):
        return
    if skip and any(root.location + "/".join(parts[: i + 1]) + "/" in skip for i in range(len(parts) - 1)):
        return
    folder = root
    for name in parts[:-1]:
        folder = folder.child(name)
    folder.files.append(S3File(bucket, obj["Key"], obj.get("Size", 0)))
