"""NUL characters in text that untrusted code or archives produce: both backends give the
same clean failure, promptly, with the real error kept (PostgreSQL refuses NUL in text)."""

import json

from conftest import ROLE, create_blueprint, start_and_wait, zip_files


def blueprint_with(layout: str, spec: dict | None = None) -> bytes:
    cfg = {"layoutGenerator": "nul.layout.generate_layout", **({"parameterSpec": spec} if spec is not None else {})}
    return zip_files({"nul/blueprint.cfg": json.dumps(cfg), "nul/layout.py": layout})


RAISING = "def generate_layout(u, s):\n    raise RuntimeError('before\\x00after')\n"


def test_a_bad_parameter_spec_entry_whose_key_holds_nul_fails_the_blueprint_at_once(glue, upload, name):
    location = upload(blueprint_with(RAISING, {"a\u0000b": {"type": "Text"}}))
    blueprint = create_blueprint(glue, Name=name, BlueprintLocation=location)
    assert blueprint["Status"] == "FAILED"
    assert "parameterSpec.a\\x00b.type must be one of" in blueprint["ErrorMessage"]


def test_a_layout_raising_nul_fails_its_run_with_its_own_error(glue, upload, name):
    assert create_blueprint(glue, Name=name, BlueprintLocation=upload(blueprint_with(RAISING)))["Status"] == "ACTIVE"
    run = start_and_wait(glue, name, {}, ROLE)
    assert run["State"] == "FAILED"
    assert "RuntimeError: before\\x00after" in run["ErrorMessage"], run["ErrorMessage"]


def test_a_layout_printing_nul_fails_its_run_with_its_own_error(glue, upload, name):
    layout = "def generate_layout(u, s):\n    print('noise\\x00' * 10)\n    raise ValueError('the real one')\n"
    assert create_blueprint(glue, Name=name, BlueprintLocation=upload(blueprint_with(layout)))["Status"] == "ACTIVE"
    run = start_and_wait(glue, name, {}, ROLE)
    assert run["State"] == "FAILED"
    assert "ValueError: the real one" in run["ErrorMessage"]
    assert "\x00" not in run["ErrorMessage"]
