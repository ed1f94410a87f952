"""Blueprint archives: fetching the ZIP from S3 (or a local folder), and checking blueprint.cfg."""

import ast
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


def _entry_point_problem(zf: zipfile.ZipFile, path: str, function: str) -> str | None:
    """Is the layout function defined at the top of its module? Read, never run."""
    try:
        tree = ast.parse(zf.read(path), filename=path)
    except SyntaxError as exc:
        return f"{path}: line {exc.lineno}: {exc.msg}"
    defined = {node.name for node in tree.body if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)}
    defined |= {
        target.id
        for node in tree.body
        if isinstance(node, ast.Assign | ast.ImportFrom | ast.Import)
        for target in getattr(node, "targets", [])
        + [ast.Name(alias.asname or alias.name) for alias in getattr(node, "names", [])]
        if isinstance(target, ast.Name)
    }
    if function not in defined:
        return f"{path}: defines no function {function}(user_params, system_params), which layoutGenerator names"
    return None


def problems(archive: bytes) -> tuple[list[str], Definition | None]:
    """Every problem that keeps an archive from being a usable blueprint, each naming its file
    and key; and the definition when there are none."""
    try:
        zf = zipfile.ZipFile(io.BytesIO(archive))
        names = zf.namelist()
    except (zipfile.BadZipFile, ValueError):
        return ["The blueprint archive is not a valid ZIP file"], None
    if any(n.startswith("/") or ".." in n.split("/") for n in names):
        return ["The blueprint archive holds paths outside its root (absolute or with '..')"], None
    try:
        folder = config_folder(names)
    except ArchiveError as exc:
        return [str(exc)], None
    cfg_path = folder + "blueprint.cfg"
    try:
        cfg = orjson.loads(zf.read(cfg_path))
    except orjson.JSONDecodeError as exc:
        return [f"{cfg_path} is not valid JSON: {exc}"], None
    if not isinstance(cfg, dict):
        return [f"{cfg_path} must be a JSON object"], None
    found = []
    generator = cfg.get("layoutGenerator")
    if not isinstance(generator, str) or not _DOTTED.fullmatch(generator):
        found.append(
            f"{cfg_path}: layoutGenerator must name a function as 'module.function' "
            f"(for example 'my_blueprint.layout.generate_layout'), got {orjson.dumps(generator).decode()}"
        )
    else:
        candidates = module_candidates(folder, generator)
        present = [c for c in candidates if c in names]
        if not present:
            found.append(
                f"{cfg_path}: layoutGenerator '{generator}' names a module that is not in the archive "
                f"(looked for {', '.join(candidates)})"
            )
        else:
            problem = _entry_point_problem(zf, present[0], generator.rsplit(".", 1)[1])
            if problem:
                found.append(problem)
    spec = cfg.get("parameterSpec", {})
    found += [f"{cfg_path}: {problem}" for problem in params.check_spec(spec)]
    unknown = sorted(set(cfg) - {"layoutGenerator", "parameterSpec"})
    if unknown:
        found.append(f"{cfg_path}: unknown keys {unknown}; expected layoutGenerator and parameterSpec")
    if found:
        return found, None
    return [], Definition(archive=archive, layout_generator=generator, parameter_spec=orjson.dumps(spec).decode())


def inspect(archive: bytes) -> Definition:
    """Check that an archive is a usable blueprint; return its definition or raise ArchiveError."""
    found, definition = problems(archive)
    if found:
        raise ArchiveError("; ".join(found))
    return definition
