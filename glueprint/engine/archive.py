"""Blueprint archives: fetching the ZIP from S3 (or a local folder), and checking blueprint.cfg."""

import io
import posixpath
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

import boto3
import orjson
from botocore.config import Config as BotoConfig
from botocore.exceptions import BotoCoreError, ClientError

from . import params

MAX_ARCHIVE_BYTES = 64 * 1024 * 1024
_LOCATION = re.compile(r"s3://([^/]+)/(.+)")
_DOTTED = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)+")


class ArchiveError(Exception):
    """The archive cannot be used; the message tells a person what to fix."""


@dataclass(frozen=True)
class Definition:
    archive: bytes
    layout_generator: str
    parameter_spec: str  # the parameterSpec as JSON text, as GetBlueprint returns it


class ArchiveSource:
    """Reads ``s3://bucket/key`` from S3, or from ``<archive_root>/bucket/key`` when one is set."""

    def __init__(self, s3_endpoint_url: str | None = None, archive_root: str | None = None, region: str = "us-east-1"):
        self.s3_endpoint_url = s3_endpoint_url
        self.archive_root = Path(archive_root) if archive_root else None
        self.region = region

    def fetch(self, location: str) -> bytes:
        match = _LOCATION.fullmatch(location)
        if not match:
            raise ArchiveError(f"Invalid blueprint location {location}: expected s3://bucket/key.zip")
        bucket, key = match.groups()
        if self.archive_root is not None:
            return self._read_file(location, bucket, key)
        return self._read_s3(location, bucket, key)

    def _read_file(self, location: str, bucket: str, key: str) -> bytes:
        root = self.archive_root.resolve()
        path = (root / bucket / key).resolve()
        if not path.is_relative_to(root) or not path.is_file():
            raise ArchiveError(f"Unable to access object at location {location}: no file {root}/{bucket}/{key}")
        if path.stat().st_size > MAX_ARCHIVE_BYTES:
            raise ArchiveError(f"The blueprint archive at {location} is larger than {MAX_ARCHIVE_BYTES} bytes")
        return path.read_bytes()

    def _read_s3(self, location: str, bucket: str, key: str) -> bytes:
        client = boto3.session.Session().client(
            "s3",
            endpoint_url=self.s3_endpoint_url,
            region_name=self.region,
            config=BotoConfig(retries={"max_attempts": 2}, connect_timeout=5, read_timeout=30),
        )
        try:
            obj = client.get_object(Bucket=bucket, Key=key)
            if obj.get("ContentLength", 0) > MAX_ARCHIVE_BYTES:
                raise ArchiveError(f"The blueprint archive at {location} is larger than {MAX_ARCHIVE_BYTES} bytes")
            return obj["Body"].read()
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "Error")
            raise ArchiveError(f"Unable to access object at location {location}: {code}") from None
        except BotoCoreError as exc:
            raise ArchiveError(f"Unable to access object at location {location}: {exc}") from None


def config_folder(names: list[str]) -> str:
    """The folder inside the ZIP that holds blueprint.cfg: the root, or one top-level folder."""
    if "blueprint.cfg" in names:
        return ""
    candidates = sorted(n for n in names if posixpath.basename(n) == "blueprint.cfg" and n.count("/") == 1)
    if len(candidates) != 1:
        found = "none" if not candidates else ", ".join(candidates)
        raise ArchiveError(f"The archive must hold blueprint.cfg at its root or in a single top-level folder (found: {found})")
    return posixpath.dirname(candidates[0]) + "/"


def module_candidates(folder: str, layout_generator: str) -> list[str]:
    """Archive paths where the layout module may live: from the archive root, or its folder."""
    module_path = "/".join(layout_generator.split(".")[:-1])
    bases = [""] if not folder else ["", folder]
    return [base + module_path + suffix for base in bases for suffix in (".py", "/__init__.py")]


def inspect(archive: bytes) -> Definition:
    """Check that an archive is a usable blueprint; return its definition or raise ArchiveError."""
    try:
        zf = zipfile.ZipFile(io.BytesIO(archive))
        names = zf.namelist()
    except (zipfile.BadZipFile, ValueError):
        raise ArchiveError("The blueprint archive is not a valid ZIP file") from None
    if any(n.startswith("/") or ".." in n.split("/") for n in names):
        raise ArchiveError("The blueprint archive holds paths outside its root (absolute or with '..')")
    folder = config_folder(names)
    try:
        cfg = orjson.loads(zf.read(folder + "blueprint.cfg"))
    except orjson.JSONDecodeError as exc:
        raise ArchiveError(f"{folder}blueprint.cfg is not valid JSON: {exc}") from None
    if not isinstance(cfg, dict):
        raise ArchiveError(f"{folder}blueprint.cfg must be a JSON object")
    generator = cfg.get("layoutGenerator")
    if not isinstance(generator, str) or not _DOTTED.fullmatch(generator):
        raise ArchiveError(
            f"{folder}blueprint.cfg: layoutGenerator must name a function as 'module.function' "
            f"(for example 'my_blueprint.layout.generate_layout'), got {orjson.dumps(generator).decode()}"
        )
    candidates = module_candidates(folder, generator)
    if not any(c in names for c in candidates):
        raise ArchiveError(
            f"{folder}blueprint.cfg: layoutGenerator '{generator}' names a module that is not in the archive "
            f"(looked for {', '.join(candidates)})"
        )
    spec = cfg.get("parameterSpec", {})
    problems = params.check_spec(spec)
    if problems:
        raise ArchiveError(f"{folder}blueprint.cfg: " + "; ".join(problems))
    return Definition(archive=archive, layout_generator=generator, parameter_spec=orjson.dumps(spec).decode())
