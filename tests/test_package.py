"""glueprint as a real package: the built wheel carries the examples, the templates, the
migrations and the license, installs into an empty venv, and runs its demo from an empty folder."""

import os
import subprocess
import sys
import zipfile
from pathlib import Path

from glueprint import __version__

REPO = Path(__file__).resolve().parent.parent


def test_the_built_wheel_installs_and_runs_the_demo_from_an_empty_folder(tmp_path):
    dist = tmp_path / "dist"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(dist), str(REPO)], check=True, timeout=600
    )
    (wheel,) = dist.glob(f"glueprint-{__version__}-*.whl")  # pyproject reads it from glueprint/__init__.py
    names = zipfile.ZipFile(wheel).namelist()
    for expected in (
        "glueprint/examples/crawl_chain/blueprint.cfg",
        "glueprint/web/templates/base.html",
        "glueprint/store/migrations/versions/0005_orchestration.py",
        "glueprint/web/templates/workflow_run.html",
        "awsglue/blueprint/workflow.py",
        "awsglue/utils.py",
    ):
        assert expected in names, expected
    assert any(n.endswith("licenses/LICENSE") for n in names)
    assert any(n.endswith("entry_points.txt") for n in names)

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)  # uv installs into it
    # uv installs the wheel's dependencies from its cache in a second, where pip took 30 s of
    # the suite's longest part; pip's own install is the README's first command (test_readme).
    install = [sys.executable, "-m", "uv", "pip", "install", "--quiet", "--python", str(venv / "bin" / "python"), str(wheel)]
    subprocess.run(install, check=True, timeout=900)
    empty = tmp_path / "empty"
    empty.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "GLUEPRINT_"))}
    env.update(HOME=str(tmp_path), TMPDIR=str(empty))
    for command in (["glueprint", "demo", "--exit"], ["python", "-m", "glueprint", "--version"]):
        result = subprocess.run(
            [str(venv / "bin" / command[0]), *command[1:]], cwd=empty, env=env, capture_output=True, text=True, timeout=300
        )
        assert result.returncode == 0, result.stderr
    assert os.listdir(empty) == []  # the demo left nothing behind
