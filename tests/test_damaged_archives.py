"""A blueprint archive whose ZIP directory lies is FAILED when it is checked, never ACTIVE."""

import struct
import zipfile

import pytest

from conftest import create_blueprint, zip_files

LAYOUT = "from awsglue.blueprint.workflow import *\nfrom b import helper\ndef generate_layout(u, s):\n    return helper()\n"
FILES = {
    "b/blueprint.cfg": '{"layoutGenerator": "b.layout.generate_layout"}',
    "b/__init__.py": "",
    "b/layout.py": LAYOUT,
    "b/helper.py": "def helper():\n    raise RuntimeError('not reached')\n" + "# padding\n" * 50,
}


def lying_about(member: str, field: str, delta: int, compression: int) -> bytes:
    """The archive, with the central directory's compressed or uncompressed size of one member changed."""
    data = bytearray(zip_files(FILES, compression))
    offset = data.index(b"PK\x01\x02")
    while True:  # walk the central directory to the member's entry
        name_length, extra_length, comment_length = struct.unpack_from("<HHH", data, offset + 28)
        if data[offset + 46 : offset + 46 + name_length].decode() == member:
            break
        offset = data.index(b"PK\x01\x02", offset + 46 + name_length + extra_length + comment_length)
    at = offset + (20 if field == "compressed" else 24)
    (size,) = struct.unpack_from("<I", data, at)
    struct.pack_into("<I", data, at, size + delta)
    return bytes(data)


@pytest.mark.parametrize(
    "field, delta, compression",
    [
        ("uncompressed", -7, zipfile.ZIP_DEFLATED),
        ("uncompressed", 7, zipfile.ZIP_DEFLATED),
        ("uncompressed", -7, zipfile.ZIP_STORED),
        ("compressed", -7, zipfile.ZIP_DEFLATED),
    ],
)
def test_a_member_whose_size_the_directory_misstates_fails_the_blueprint(glue, upload, name, field, delta, compression):
    location = upload(lying_about("b/helper.py", field, delta, compression))
    blueprint = create_blueprint(glue, Name=name, BlueprintLocation=location)
    assert blueprint["Status"] == "FAILED"
    assert "damaged" in blueprint["ErrorMessage"] and "b/helper.py" in blueprint["ErrorMessage"]


def test_the_same_archive_told_truly_is_active(glue, upload, name):
    blueprint = create_blueprint(glue, Name=name, BlueprintLocation=upload(zip_files(FILES, zipfile.ZIP_DEFLATED)))
    assert blueprint["Status"] == "ACTIVE"
