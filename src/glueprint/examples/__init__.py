"""glueprint's example blueprints, shipped inside the package, so a test anywhere can use one:
``zip_folder(glueprint.examples.path("crawl_chain"))`` is the archive of that blueprint."""

from pathlib import Path

FOLDER = Path(__file__).resolve().parent


def names() -> list[str]:
    """Every example blueprint: the folders here holding a blueprint.cfg."""
    return sorted(p.name for p in FOLDER.iterdir() if (p / "blueprint.cfg").is_file())


def path(name: str) -> Path:
    """The folder of the example blueprint ``name``."""
    if name not in names():
        raise ValueError(f"glueprint has no example blueprint {name!r}; its examples are {', '.join(names())}")
    return FOLDER / name
