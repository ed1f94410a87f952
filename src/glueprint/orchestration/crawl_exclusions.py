"""A crawler's exclude patterns, with AWS's glob semantics (developer guide, "Include and
exclude patterns"), matched against paths relative to the include path.

``*`` matches any characters within one path component, ``**`` any characters across
components, ``?`` one character, ``[...]``/``[!...]`` a class, ``{a,b}`` a group of
subpatterns, and ``\\`` escapes the next character. Python's fnmatch and glob libraries lack
``**`` crossing component boundaries inside a component (``**.csv``) and ``{a,b}`` groups,
so the pattern is translated to a regular expression here.
"""

import re
from functools import lru_cache


class BadPattern(ValueError):
    pass


def _translate(pattern: str, at: int = 0, in_group: bool = False) -> tuple[str, int]:
    out = []
    while at < len(pattern):
        char = pattern[at]
        if char == "\\" and at + 1 < len(pattern):
            out.append(re.escape(pattern[at + 1]))
            at += 2
            continue
        if char == "*":
            if pattern.startswith("**", at):
                out.append(".*")
                at += 2
            else:
                out.append("[^/]*")
                at += 1
            continue
        if char == "?":
            out.append("[^/]")
        elif char == "[":
            end = pattern.find("]", at + 2 if pattern.startswith("[!", at) else at + 1)
            if end == -1:
                raise BadPattern(f"unclosed [ in {pattern!r}")
            body = pattern[at + 1 : end]
            body = "^" + re.escape(body[1:]).replace("\\-", "-") if body.startswith("!") else re.escape(body).replace("\\-", "-")
            out.append(f"[{body}]")
            at = end
        elif char == "{":
            alternatives, at = [], at + 1
            while True:
                part, at = _translate(pattern, at, in_group=True)
                alternatives.append(part)
                if at >= len(pattern):
                    raise BadPattern(f"unclosed {{ in {pattern!r}")
                if pattern[at] == "}":
                    break
                at += 1  # past the comma
            out.append("(?:" + "|".join(alternatives) + ")")
        elif in_group and char in ",}":
            return "".join(out), at
        else:
            out.append(re.escape(char))
        at += 1
    return "".join(out), at


@lru_cache(maxsize=256)
def compile_pattern(pattern: str) -> re.Pattern:
    regex, _ = _translate(pattern)
    return re.compile(regex, re.DOTALL)


def excluded(relative_key: str, patterns: list[str]) -> bool:
    """A file is excluded when a pattern matches its path or the path of a folder holding it."""
    if not patterns:
        return False
    parts = relative_key.split("/")
    candidates = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    compiled = [compile_pattern(p) for p in patterns]
    return any(c.fullmatch(path) for c in compiled for path in candidates)
