"""A jailed run's output as timed lines (sandbox/collect.TimedLines), the same however the
pipe cuts it into chunks."""

import pytest

from glueprint.sandbox.collect import LOG_BYTES, TimedLines


def read(data: bytes, chunk: int) -> list[str]:
    lines = TimedLines()
    for start in range(0, len(data), chunk):
        lines.add(data[start : start + chunk])
    lines.close()
    return [text for _, text in lines.take()]


@pytest.mark.parametrize("chunk", [333, 4096, 1 << 20])
def test_past_the_cap_every_byte_left_out_is_counted_once(chunk):
    line = b"x" * 999 + b"\n"
    data = line * 1100 + b"no newline at the end"
    kept = LOG_BYTES // len(line)
    got = read(data, chunk)
    assert got[:-1] == ["x" * 999] * kept
    assert got[-1] == f"[glueprint kept the first {LOG_BYTES} bytes: {len(data) - kept * len(line)} more were left out]"


@pytest.mark.parametrize("chunk", [1, 5, 100])
def test_lines_are_split_at_newlines_only(chunk):
    assert read("première\n\nlast without newline".encode(), chunk) == ["première", "", "last without newline"]
