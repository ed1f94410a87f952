"""Blueprint folders as the ZIP archives AWS expects, and the example blueprints glueprint ships."""

import io
import zipfile
from pathlib import Path

from . import examples

SKIPPED = ("__pycache__", ".pyc", ".DS_Store")
# The example blueprints, shipped inside the package (glueprint.examples.path(name) names one).
EXAMPLES = examples.FOLDER


def zip_folder(folder: Path | str) -> bytes:
    """The archive AWS expects: the blueprint's folder at the root of the ZIP."""
    folder = Path(folder)
    if not folder.is_dir():  # an empty archive would only fail later, far from the cause
        raise FileNotFoundError(
            f"zip_folder: no blueprint folder at {folder.absolute()}"
            + (" (that is a file)" if folder.exists() else "")
            + "; for glueprint's own examples use glueprint.examples.path(name)"
        )
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(folder.rglob("*")):
            if path.is_file() and not any(part.endswith(SKIPPED) for part in path.parts):
                zf.write(path, f"{folder.name}/{path.relative_to(folder).as_posix()}")
    return buf.getvalue()
