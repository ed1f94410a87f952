"""The parts scripts/test runs side by side hold every test of the suite exactly once."""

from types import SimpleNamespace

import pytest

import conftest


def _items(count: int) -> list:
    """Half per-backend (a databases parameter), half not, interleaved; every third marked spark."""
    return [
        SimpleNamespace(
            name=f"t{i}",
            nodeid=f"tests/test_m{i // 4}.py::t{i}",
            callspec=SimpleNamespace(params={"databases": "sqlite"} if i % 2 else {}),
            get_closest_marker=lambda name, i=i: "spark" if name == "spark" and i % 3 == 0 else None,
        )
        for i in range(count)
    ]


def _kept(monkeypatch, items: list, part: str, shard: str | None) -> list[str]:
    monkeypatch.setenv("GLUEPRINT_TEST_PART", part)
    if shard is None:
        monkeypatch.delenv("GLUEPRINT_TEST_SHARD", raising=False)
    else:
        monkeypatch.setenv("GLUEPRINT_TEST_SHARD", shard)
    deselected = []
    config = SimpleNamespace(hook=SimpleNamespace(pytest_deselected=lambda items: deselected.extend(items)))
    kept = list(items)
    conftest.pytest_collection_modifyitems(config, kept)
    assert sorted(i.name for i in kept + deselected) == sorted(i.name for i in items)
    return [item.name for item in kept]


def test_the_shards_of_a_part_hold_each_of_its_tests_once(monkeypatch):
    items = _items(11)
    whole = _kept(monkeypatch, items, "backend", None)
    halves = [_kept(monkeypatch, items, "backend", f"{i}/2") for i in range(2)]
    assert sorted(halves[0] + halves[1]) == sorted(whole) and not set(halves[0]) & set(halves[1])
    assert abs(len(halves[0]) - len(halves[1])) <= 1
    shared = _kept(monkeypatch, items, "shared", "0/1")
    spark = _kept(monkeypatch, items, "spark", "0/1")
    assert sorted(whole + shared + spark) == sorted(i.name for i in items)
    assert spark == ["t0", "t6"]  # the spark-marked tests that use no backend; t3 and t9 run per backend


def test_the_shards_of_the_shared_part_keep_each_module_whole(monkeypatch):
    items = _items(24)
    halves = [_kept(monkeypatch, items, "shared", f"{i}/2") for i in range(2)]
    assert sorted(halves[0] + halves[1]) == sorted(_kept(monkeypatch, items, "shared", None))
    modules = [{f"m{int(name[1:]) // 4}" for name in half} for half in halves]
    assert modules[0] and modules[1] and not modules[0] & modules[1]


@pytest.mark.parametrize("shard", ["2/2", "1", "a/b", "-1/2"])
def test_a_malformed_shard_is_refused_before_any_test_runs(monkeypatch, shard):
    with pytest.raises(pytest.UsageError, match="GLUEPRINT_TEST_SHARD"):
        _kept(monkeypatch, _items(3), "backend", shard)
