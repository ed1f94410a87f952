"""FilterLogEvents' filterPattern for unstructured events, read once per request.

Terms an event must all contain (``ERROR Exception``), quoted phrases (``"Job failed"``),
any-of terms (``?ERROR ?WARN``), terms it must not contain (``ERROR -retry``) and regular
expressions between percent signs (``%ab+c%``), all case-sensitive, as CloudWatch Logs
matches them. JSON (``{ $.x = 1 }``) and space-delimited (``[a, b]``) patterns are refused.
"""

import shlex
from collections.abc import Callable

import regex

from ..protocol import errors


def _refuse(pattern: str, why: str) -> errors.ServiceError:
    return errors.InvalidParameterException(f"Invalid filter pattern {pattern!r}: {why}")


def _term(pattern: str, text: str) -> Callable[[str], bool]:
    if len(text) > 1 and text.startswith("%") and text.endswith("%"):
        try:
            compiled = regex.compile(text[1:-1])
        except regex.error as exc:
            raise _refuse(pattern, f"the regular expression {text} does not compile: {exc}") from None
        return lambda message: compiled.search(message) is not None
    return lambda message: text in message


def matcher(pattern: str | None) -> Callable[[str], bool]:
    """A test for an event's message; every message matches an empty pattern."""
    if not pattern or not pattern.strip():
        return lambda _message: True
    stripped = pattern.strip()
    if stripped[0] in "{[":
        raise _refuse(pattern, "glueprint matches terms, phrases and %regular expressions%, not JSON or space-delimited patterns")
    try:
        words = shlex.split(stripped, posix=True)
    except ValueError as exc:
        raise _refuse(pattern, str(exc)) from None
    required, any_of, excluded = [], [], []
    for word in words:
        if word.startswith("?") and len(word) > 1:
            any_of.append(_term(pattern, word[1:]))
        elif word.startswith("-") and len(word) > 1:
            excluded.append(_term(pattern, word[1:]))
        else:
            required.append(_term(pattern, word))

    def matches(message: str) -> bool:
        return (
            all(t(message) for t in required)
            and (not any_of or any(t(message) for t in any_of))
            and not any(t(message) for t in excluded)
        )

    return matches
