"""How AWS runs a Python shell job's script, as far as glueprint follows it: the Python
version its Command names, and the library set and extra modules its arguments ask for.

PythonVersion "3.9" runs Python 3.9; "3" is Python 3.6, the first Python 3 Python shell had
(AWS ended its support on 1 March 2026); a job that names none gets 3.9, the default AWS
documents. glueprint runs every script on its own interpreter, parsing it first with the
grammar of the job's version: syntax newer than that version fails the run as the older
interpreter would. Python 2 cannot be run here at all.
"""

PYTHON_VERSIONS = {"3.9": (3, 9), "3": (3, 6)}
DEFAULT_PYTHON_VERSION = "3.9"


class UnsupportedPython(Exception):
    """The job names a Python glueprint cannot run; the message is the run's error."""


def python_version(command: dict) -> tuple[int, int]:
    """The (major, minor) Python version a Python shell job's Command runs its script with."""
    named = command.get("PythonVersion") or DEFAULT_PYTHON_VERSION
    if named not in PYTHON_VERSIONS:
        allowed = ", ".join(f'"{v}"' for v in PYTHON_VERSIONS)
        raise UnsupportedPython(f"PythonVersion {named!r} cannot run here: a Python shell job runs {allowed}")
    return PYTHON_VERSIONS[named]


def additional_modules(arguments: dict) -> list[str]:
    """The items of --additional-python-modules: requirements (name, name==1.0) or S3 paths of wheels."""
    given = arguments.get("--additional-python-modules") or ""
    return [item.strip() for item in given.split(",") if item.strip()]
