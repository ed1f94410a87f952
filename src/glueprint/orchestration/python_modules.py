"""--additional-python-modules, installed offline from a local wheelhouse (--wheelhouse DIR).

AWS installs the modules with pip from PyPI (or the S3 wheels named) before the script
starts. glueprint reaches no index: each requirement that glueprint's own environment does
not already satisfy is installed from the wheelhouse, with pip, into a folder of its own
that the script's import path starts with; so are their dependencies, as far as the
environment lacks them (pip's --target would reinstall every dependency the environment has).
A set of modules is installed once, into ``<wheelhouse>/.installed/<digest>``, and reused by
every run that asks for the same set while the wheelhouse is unchanged.
"""

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from importlib import metadata
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

INSTALLED = ".installed"
PIP_TIMEOUT_S = 300
MAX_ROUNDS = 50  # dependency levels followed at most: a deeper chain is an error, not a hang


class ModulesUnavailable(Exception):
    """The modules cannot be installed offline; the message is the run's error."""


def _satisfied(requirement: Requirement, found: str | None) -> bool:
    return found is not None and requirement.specifier.contains(found, prereleases=True)


def _environment_version(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def _target_versions(target: Path) -> dict[str, metadata.Distribution]:
    return {canonicalize_name(d.metadata["Name"]): d for d in metadata.distributions(path=[str(target)])}


class PythonModules:
    def __init__(self, wheelhouse: str | None):
        self.wheelhouse = Path(wheelhouse).resolve() if wheelhouse else None

    @property
    def installed_root(self) -> Path | None:
        """The folder every installed set lives in (the jails see it, read-only)."""
        return self.wheelhouse / INSTALLED if self.wheelhouse else None

    def prepare(self) -> None:
        if self.installed_root is not None:
            self.installed_root.mkdir(parents=True, exist_ok=True)

    def folder_for(self, items: list[str], fetch) -> str | None:
        """The folder holding these modules (None when the environment has them all), or
        ModulesUnavailable. fetch(s3_location) -> bytes reads a wheel named by its S3 path."""
        wheels = {item: fetch(item) for item in items if item.startswith("s3://")}
        requirements = []
        for item in items:
            if item in wheels:
                continue
            try:
                requirements.append(Requirement(item))
            except InvalidRequirement as exc:
                raise ModulesUnavailable(f"--additional-python-modules: {item!r} is not a requirement: {exc}") from None
        missing = [r for r in requirements if not _satisfied(r, _environment_version(r.name))]
        if not missing and not wheels:
            return None
        if self.wheelhouse is None:
            names = ", ".join(str(r) for r in missing) or ", ".join(wheels)
            raise ModulesUnavailable(
                f"--additional-python-modules: {names} is not installed and glueprint installs modules offline only: "
                "start it with --wheelhouse DIR holding their wheels (pip download -d DIR NAME)"
            )
        folder = self.installed_root / self._digest(missing, wheels)
        if not folder.is_dir():
            self._install(folder, missing, wheels)
        return str(folder)

    def _digest(self, requirements: list[Requirement], wheels: dict[str, bytes]) -> str:
        h = hashlib.sha256()
        for text in sorted(str(r) for r in requirements):
            h.update(b"r" + text.encode() + b"\0")
        for location, data in sorted(wheels.items()):
            h.update(b"w" + location.encode() + b"\0" + hashlib.sha256(data).digest())
        for entry in sorted(os.scandir(self.wheelhouse), key=lambda e: e.name):  # a changed wheelhouse: a new set
            if entry.is_file():
                stat = entry.stat()
                h.update(f"f{entry.name}\0{stat.st_size}\0{stat.st_mtime_ns}\0".encode())
        h.update(f"{sys.version_info[0]}.{sys.version_info[1]}".encode())
        return h.hexdigest()[:32]

    def _install(self, folder: Path, requirements: list[Requirement], wheels: dict[str, bytes]) -> None:
        """Install into a fresh folder, then move it in place whole: a run never sees half a set,
        and two workers installing the same set at once both end with one."""
        building = Path(tempfile.mkdtemp(prefix="building-", dir=self.installed_root))
        try:
            with tempfile.TemporaryDirectory() as downloads:
                files = []
                for location, data in wheels.items():
                    path = Path(downloads) / location.rsplit("/", 1)[-1]
                    path.write_bytes(data)
                    files.append(str(path))
                if files:
                    self._pip(building, files, ", ".join(wheels))
                pending = [*requirements, *self._requirements_of(_target_versions(building).values())]
                self._resolve(building, pending)
            os.chmod(building, 0o755)  # readable by every run's uid
            try:
                os.rename(building, folder)
            except OSError:
                if not folder.is_dir():
                    raise
        finally:
            shutil.rmtree(building, ignore_errors=True)

    def _resolve(self, target: Path, pending: list[Requirement]) -> None:
        """Install what is pending and what it depends on, level by level, each requirement
        once: whatever the environment or the folder already satisfies is left as it is."""
        seen: set[str] = set()
        for _ in range(MAX_ROUNDS):
            wanted = []
            for requirement in pending:
                key = canonicalize_name(requirement.name)
                if key in seen or (requirement.marker and not requirement.marker.evaluate({"extra": ""})):
                    continue
                seen.add(key)
                present = _target_versions(target).get(key)
                found = present.version if present else _environment_version(requirement.name)
                if not _satisfied(requirement, found):
                    wanted.append(requirement)
            if not wanted:
                return
            self._pip(target, [str(r) for r in wanted], ", ".join(str(r) for r in wanted))
            installed = _target_versions(target)
            pending = self._requirements_of(installed[canonicalize_name(r.name)] for r in wanted)
        raise ModulesUnavailable(f"--additional-python-modules: dependencies nest deeper than {MAX_ROUNDS} levels")

    @staticmethod
    def _requirements_of(distributions) -> list[Requirement]:
        found = []
        for dist in distributions:
            for text in dist.requires or []:
                try:
                    found.append(Requirement(text))
                except InvalidRequirement:
                    continue  # a dependency pip itself would not read either
        return found

    def _pip(self, target: Path, items: list[str], shown: str) -> None:
        command = [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-input"]
        command += ["--no-index", "--find-links", str(self.wheelhouse), "--no-deps", "--upgrade", "--target", str(target)]
        try:
            done = subprocess.run(
                [*command, *items], capture_output=True, text=True, timeout=PIP_TIMEOUT_S, stdin=subprocess.DEVNULL
            )
        except subprocess.TimeoutExpired:
            raise ModulesUnavailable(f"--additional-python-modules: installing {shown} took over {PIP_TIMEOUT_S} s") from None
        if done.returncode != 0 and "No module named pip" in done.stderr:
            raise ModulesUnavailable(f"--additional-python-modules: installing {shown} needs pip in glueprint's environment")
        if done.returncode != 0:
            lines = [line for line in done.stderr.splitlines() if line.strip()] or [f"pip exited with status {done.returncode}"]
            raise ModulesUnavailable(
                f"--additional-python-modules: cannot install {shown} offline from the wheelhouse {self.wheelhouse}: {lines[-1]}"
            )
