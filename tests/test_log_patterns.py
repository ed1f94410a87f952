"""FilterLogEvents' filterPattern, read by service/log_patterns.py: terms, phrases, any-of,
exclusions and regular expressions, case-sensitive; structured patterns refused."""

import pytest

from glueprint.protocol import errors
from glueprint.service.log_patterns import matcher

MESSAGES = ["ERROR disk full", "WARN retrying the load", "error in lower case", "INFO Job failed after retry"]


@pytest.mark.parametrize(
    ("pattern", "matching"),
    [
        ("", MESSAGES),
        ("ERROR", ["ERROR disk full"]),
        ("retry load", ["WARN retrying the load"]),
        ('"Job failed"', ["INFO Job failed after retry"]),
        ("?ERROR ?WARN", ["ERROR disk full", "WARN retrying the load"]),
        ("retry -WARN", ["INFO Job failed after retry"]),
        ('-"disk full" -lower', ["WARN retrying the load", "INFO Job failed after retry"]),
        ("%[Ee]rror%", ["error in lower case"]),
        ("%^(ERROR|WARN) %", ["ERROR disk full", "WARN retrying the load"]),
        ('"%^ERROR%"', []),
    ],
)
def test_a_pattern_keeps_the_messages_it_matches(pattern, matching):
    assert [m for m in MESSAGES if matcher(pattern)(m)] == matching


@pytest.mark.parametrize("pattern", ['{ $.level = "ERROR" }', "[ip, user, status=500]", '"unclosed', "%(unbalanced%"])
def test_patterns_it_cannot_read_are_invalid_parameters(pattern):
    with pytest.raises(errors.InvalidParameterException):
        matcher(pattern)
