"""FilterLogEvents' filterPattern for unstructured events, read once per request.

Terms an event must all contain (``ERROR Exception``), quoted phrases (``"Job failed"``),
any-of terms (``?ERROR ?WARN``), terms it must not contain (``ERROR -retry``) and regular
expressions between percent signs (``%ab+c%``), all case-sensitive, as CloudWatch Logs
matches them. JSON (``{ $.x = 1 }``) and space-delimited (``[a, b]``) patterns are refused.
"""

import re
from collections.abc import Callable

import regex

from ..protocol import errors

# One word of a pattern: an optional ? or -, then a %regex% (spaces allowed), a "phrase"
# (backslash escapes), or a bare word.
_WORD = re.compile(r'[?-]?(?:%[^%]*%|"(?:[^"\\]|\\.)*"|[^\s"%]+)(?=\s|$)')
_ESCAPE = re.compile(r"\\(.)")


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
    required, any_of, excluded = [], [], []
    position = 0
    while position < len(stripped):
        found = _WORD.match(stripped, position)
        if found is None:
            raise _refuse(pattern, f"cannot read it from character {position + 1} (an unclosed quote or %?)")
        word = found.group()
        kind = {"?": any_of, "-": excluded}.get(word[0], required)
        word = word[1:] if kind is not required else word
        if word.startswith('"'):  # a phrase is matched as written, % signs too
            phrase = _ESCAPE.sub(r"\1", word[1:-1])
            kind.append(lambda message, phrase=phrase: phrase in message)
        else:
            kind.append(_term(pattern, word))
        position = found.end()
        while position < len(stripped) and stripped[position].isspace():
            position += 1

    def matches(message: str) -> bool:
        return (
            all(t(message) for t in required)
            and (not any_of or any(t(message) for t in any_of))
            and not any(t(message) for t in excluded)
        )

    return matches
