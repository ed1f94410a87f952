"""Blueprint folders as ZIPs, and the examples glueprint ships: usable from any folder."""

import zipfile
from io import BytesIO

import pytest

from glueprint import examples
from glueprint.packaging import zip_folder


def test_an_example_is_found_by_name_wherever_the_caller_is(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    folder = examples.path("crawl_chain")
    assert folder.is_absolute() and (folder / "blueprint.cfg").is_file()
    names = zipfile.ZipFile(BytesIO(zip_folder(folder))).namelist()
    assert sorted(names) == ["crawl_chain/blueprint.cfg", "crawl_chain/layout.py"]


def test_the_examples_are_the_blueprint_folders_only():
    assert examples.names() == [
        "catalog_bootstrap",
        "charset_conversion",
        "crawl_chain",
        "date_partitioning",
        "etl_schedule",
        "parquet_conversion",
        "partition_compaction",
    ]


def test_an_unknown_example_names_the_ones_there_are():
    with pytest.raises(
        ValueError,
        match="no example blueprint 'crawl_chains'; its examples are catalog_bootstrap, charset_conversion, crawl_chain",
    ):
        examples.path("crawl_chains")


def test_zip_folder_refuses_a_missing_folder_instead_of_an_empty_zip(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(FileNotFoundError, match=f"no blueprint folder at {tmp_path}/src/glueprint/examples/crawl_chain;"):
        zip_folder("src/glueprint/examples/crawl_chain")
    (tmp_path / "blueprint.zip").write_bytes(b"PK")
    with pytest.raises(FileNotFoundError, match=r"blueprint.zip \(that is a file\)"):
        zip_folder("blueprint.zip")
