"""Blueprint archives: fetching the ZIP from S3 (or a local folder), and checking blueprint.cfg."""

import ast
import io
import os
import posixpath
import re
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

import boto3
import orjson
from botocore import UNSIGNED
from botocore.config import Config as BotoConfig
from botocore.exceptions import BotoCoreError, ClientError

from glueprint import examples
from glueprint.layouts import params
from glueprint.packaging import EXAMPLES, zip_folder

# AWS's limits on a blueprint archive (BLUEPRINT_API.md §1).
MAX_ARCHIVE_BYTES = 1024 * 1024
MAX_SCRIPT_BYTES = 4 * 1024 * 1024
MAX_UNPACKED_BYTES = 5 * 1024 * 1024
_LOCATION = re.compile(r"s3://([^/]+)/(.+)")
# glueprint serves its own example blueprints from this bucket, without S3: s3://glueprint-examples/<name>.zip
EXAMPLES_BUCKET = "glueprint-examples"
_DOTTED = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)+")


class ArchiveError(Exception):
    """The archive cannot be used; the message tells a person what to fix."""


@dataclass(frozen=True)
class Definition:
    archive: bytes
    layout_generator: str
    parameter_spec: str  # the parameterSpec as JSON text, as GetBlueprint returns it


class ArchiveSource:
    """Reads ``s3://bucket/key``, and makes the S3 client crawls read their targets with.

    With glueprint's own S3 (``folder`` set), objects are read from the folder it serves,
    ``<folder>/bucket/key``, the same files its S3 API answers with; otherwise from the S3
    endpoint (None: AWS's own, where only an in-process mock such as moto's answers). Requests
    are signed with the given keys, never with whatever AWS credentials the server's
    environment holds; no keys: unsigned.
    """

    def __init__(
        self,
        s3_endpoint_url: str | None = None,
        folder: str | None = None,
        region: str = "us-east-1",
        keys: tuple[str, str] | None = None,
    ):
        self.s3_endpoint_url = s3_endpoint_url
        self.folder = Path(folder) if folder else None
        self.region = region
        self.keys = keys

    def fetch(self, location: str) -> bytes:
        """A blueprint archive, at most 1 MB."""
        return self._read(location, _check_size, "Invalid blueprint location {}: expected s3://bucket/key.zip", _example)

    def fetch_script(self, location: str) -> bytes:
        """A job's script (its ScriptLocation), at most MAX_SCRIPT_BYTES."""
        return self._read(location, _check_script_size, "Invalid script location {}: expected s3://bucket/key", _example_file)

    def _read(self, location: str, check_size, invalid: str, example) -> bytes:
        match = _LOCATION.fullmatch(location)
        if not match:
            raise ArchiveError(invalid.format(location))
        bucket, key = match.groups()
        if self.folder is not None:
            return self._read_file(location, bucket, key, check_size)
        if bucket == EXAMPLES_BUCKET:  # an external S3 does not hold glueprint's examples
            return example(location, key)
        return self._read_s3(location, bucket, key, check_size)

    def _read_file(self, location: str, bucket: str, key: str, check_size) -> bytes:
        root = self.folder.resolve()
        path = (root / bucket / key).resolve()
        if not path.is_relative_to(root) or not path.is_file():
            raise ArchiveError(f"Unable to access object at location {location}: NoSuchKey (no file {root}/{bucket}/{key})")
        check_size(location, path.stat().st_size)
        return path.read_bytes()

    def _read_s3(self, location: str, bucket: str, key: str, check_size) -> bytes:
        try:
            obj = self.s3_client().get_object(Bucket=bucket, Key=key)
            check_size(location, obj.get("ContentLength", 0))
            return obj["Body"].read(max(MAX_ARCHIVE_BYTES, MAX_SCRIPT_BYTES) + 1)
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "Error")
            raise ArchiveError(f"Unable to access object at location {location}: {code}") from None
        except BotoCoreError as exc:
            raise ArchiveError(f"Unable to access object at location {location}: {exc}") from None

    def s3_client(self):
        """A client for the S3 endpoint (crawls read their targets through it)."""
        config = BotoConfig(retries={"max_attempts": 2}, connect_timeout=5, read_timeout=30)
        if self.keys is None:
            config = config.merge(BotoConfig(signature_version=UNSIGNED))
        access_key, secret_key = self.keys or (None, None)
        return boto3.session.Session().client(
            "s3",
            endpoint_url=self.s3_endpoint_url,
            region_name=self.region,
            aws_access_key_id=access_key,
            aws_secret_access_key=secret_key,
            config=config,
        )


def _example_file(location: str, key: str) -> bytes:
    path = (EXAMPLES / key).resolve()
    if not path.is_relative_to(EXAMPLES.resolve()) or not path.is_file():
        raise ArchiveError(f"Unable to access object at location {location}: NoSuchKey")
    return path.read_bytes()


def _check_script_size(location: str, size: int) -> None:
    if size > MAX_SCRIPT_BYTES:
        raise ArchiveError(
            f"The script at {location} is {size} bytes; glueprint reads scripts of at most {MAX_SCRIPT_BYTES} bytes"
        )


def _example(location: str, key: str) -> bytes:
    name = key.removesuffix(".zip")
    if "/" in name or not (EXAMPLES / name / "blueprint.cfg").is_file():
        known = ", ".join(f"{n}.zip" for n in examples.names())
        raise ArchiveError(f"Unable to access object at location {location}: glueprint's examples are {known}")
    return zip_folder(EXAMPLES / name)


def _check_size(location: str, size: int) -> None:
    if size > MAX_ARCHIVE_BYTES:
        raise ArchiveError(
            f"The blueprint archive at {location} is {size} bytes; a blueprint archive may be at most 1 MB ({MAX_ARCHIVE_BYTES} bytes) compressed"
        )


def config_folder(names: list[str]) -> str:
    """The folder inside the ZIP that holds blueprint.cfg: the root, or one top-level folder."""
    if "blueprint.cfg" in names:
        return ""
    candidates = sorted(n for n in names if posixpath.basename(n) == "blueprint.cfg" and n.count("/") == 1)
    if len(candidates) != 1:
        found = "none" if not candidates else ", ".join(candidates)
        raise ArchiveError(f"The archive must hold blueprint.cfg at its root or in a single top-level folder (found: {found})")
    return posixpath.dirname(candidates[0]) + "/"


def resolve_module(names: set[str], module: str) -> tuple[str | None, str | None]:
    """Where Python finds module when the archive root is the only import entry, as on AWS:
    (the archive path of its file, None), or (None, why it cannot be imported). Per dotted
    part, as Python's path finder does: a package folder with __init__.py, then a module
    file, then a folder without __init__.py (a namespace package)."""
    parts = module.split(".")
    base = ""
    for depth, part in enumerate(parts, start=1):
        dotted, last = ".".join(parts[:depth]), depth == len(parts)
        if f"{base}{part}/__init__.py" in names:
            if last:
                return f"{base}{part}/__init__.py", None
        elif f"{base}{part}.py" in names:
            if last:
                return f"{base}{part}.py", None
            return None, (
                f"Python imports {base}{part}.py for '{dotted}', a module and not a package, "
                f"so '{module}' cannot be imported (put the layout in a folder named {part}/ beside blueprint.cfg)"
            )
        elif not any(n.startswith(f"{base}{part}/") for n in names):
            return (
                None,
                f"no module named '{dotted}': the archive root, the only import path entry, has no {base}{part}.py or {base}{part}/",
            )
        elif last:
            return None, f"'{module}' is a folder, not a module with a function in it"
        base = f"{base}{part}/"
    return None, None  # unreachable: the loop returns on its last part


def _naming_fix(folder: str, generator: str, names: set[str]) -> str:
    """The exact fix when the folder and layoutGenerator name the blueprint differently."""
    if not folder:
        return ""
    name, (first, _, rest) = folder[:-1], generator.partition(".")
    if first != name and resolve_module(names, f"{name}.{rest.rpartition('.')[0]}")[0]:
        return f"; the folder is named {name}/: rename it to {first}/, or set layoutGenerator to '{name}.{rest}'"
    if first != name and resolve_module(names, f"{name}.{generator.rpartition('.')[0]}")[0]:
        return f"; the files are in {name}/: set layoutGenerator to '{name}.{generator}'"
    return ""


def entry_point_problem(source: bytes, path: str, function: str) -> str | None:
    """Is the layout function defined at the top of its module? Read, never run. Untrusted
    source: the server calls this only through a sandbox (Sandbox.check_entry_point)."""
    try:
        tree = ast.parse(source, filename=path)
    except SyntaxError as exc:
        return f"{path}: line {exc.lineno}: {exc.msg}"
    except (MemoryError, RecursionError):
        return f"{path}: too large or too deeply nested for Python to parse"
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


def _damaged_member(zf: zipfile.ZipFile) -> str | None:
    """Read every member once, as a run unpacks them: a directory that lies about a size or a
    checksum fails the check, not every run. Streamed; reads stop at the sizes the directory
    declares (their sum was checked), so this costs what the archive holds."""
    for info in zf.infolist():
        size = 0
        try:
            with zf.open(info) as member:
                while chunk := member.read(1 << 16):
                    size += len(chunk)
        except (zipfile.BadZipFile, EOFError, zlib.error, NotImplementedError, RuntimeError, ValueError) as exc:
            return f"The blueprint archive is damaged: its member {info.filename} cannot be read ({exc})"
        if size != info.file_size:
            return (
                f"The blueprint archive is damaged: its member {info.filename} holds {size} bytes "
                f"where the ZIP's directory says {info.file_size}"
            )
    return None


def in_process(archive: bytes, path: str, function: str) -> str | None:
    """entry_point_problem for an archive in this process: for an author's own files (the
    authoring commands) and the pytest mock, never for an archive a server was sent."""
    with zipfile.ZipFile(io.BytesIO(archive)) as zf:
        return entry_point_problem(zf.read(path), path, function)


def problems(archive: bytes, check_entry_point) -> tuple[list[str], Definition | None]:
    """Every problem that keeps an archive from being a usable blueprint, each naming its file
    and key; and the definition when there are none. check_entry_point(archive, path,
    function) parses the layout module: a sandbox's, for an archive the server was sent."""
    try:
        zf = zipfile.ZipFile(io.BytesIO(archive))
        names = zf.namelist()
    except (zipfile.BadZipFile, ValueError):
        return ["The blueprint archive is not a valid ZIP file"], None
    # Sizes come from the ZIP's directory, before anything is read or unpacked; a member that
    # holds more than its entry says fails its CRC check instead of growing.
    if len(archive) > MAX_ARCHIVE_BYTES:
        return [
            f"The blueprint archive is {len(archive)} bytes; it may be at most 1 MB ({MAX_ARCHIVE_BYTES} bytes) compressed"
        ], None
    unpacked = sum(info.file_size for info in zf.infolist())
    if unpacked > MAX_UNPACKED_BYTES:
        return [
            f"The blueprint archive unpacks to {unpacked} bytes; it may be at most 5 MB ({MAX_UNPACKED_BYTES} bytes) uncompressed"
        ], None
    if any(n.startswith("/") or ".." in n.split("/") for n in names):
        return ["The blueprint archive holds paths outside its root (absolute or with '..')"], None
    if damaged := _damaged_member(zf):
        return [damaged], None
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
        module, function = generator.rsplit(".", 1)
        path, problem = resolve_module(set(names), module)
        if problem:
            found.append(f"{cfg_path}: layoutGenerator '{generator}': {problem}{_naming_fix(folder, generator, set(names))}")
        elif problem := check_entry_point(archive, path, function):
            found.append(problem)
    spec = cfg.get("parameterSpec", {})
    found += [f"{cfg_path}: {problem}" for problem in params.check_spec(spec)]
    unknown = sorted(set(cfg) - {"layoutGenerator", "parameterSpec"})
    if unknown:
        found.append(f"{cfg_path}: unknown keys {unknown}; expected layoutGenerator and parameterSpec")
    if found:
        return found, None
    return [], Definition(archive=archive, layout_generator=generator, parameter_spec=orjson.dumps(spec).decode())


def unpack(archive: bytes, root: str) -> None:
    """Unpack an archive (already checked by ``problems``) into root, refusing any entry that
    would land outside it."""
    with zipfile.ZipFile(io.BytesIO(archive)) as zf:
        for name in zf.namelist():
            if not os.path.realpath(os.path.join(root, name)).startswith(os.path.realpath(root) + os.sep):
                raise ArchiveError(f"The archive entry {name} points outside the archive root")
        zf.extractall(root)


def inspect(archive: bytes, check_entry_point) -> Definition:
    """Check that an archive is a usable blueprint; return its definition or raise ArchiveError."""
    found, definition = problems(archive, check_entry_point)
    if found:
        raise ArchiveError("; ".join(found))
    return definition
