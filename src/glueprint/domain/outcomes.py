"""How a job run or crawl ends when glueprint cannot (or should not) really execute it.

Spark jobs that cannot run here end SUCCEEDED after ``default_seconds``: gluestreaming and
glueray always, glueetl when Spark is not available (``spark_runs`` false). A rule names jobs or crawlers by a glob pattern and says how their runs
end instead of executing them, so a test can make any node fail, time out or take a while:

    load_*=FAILED:2:disk full     state, then optional seconds and error message
    crawl_raw_*=SUCCEEDED:0.5

The first matching rule wins. Pythonshell jobs, glueetl jobs (with Spark) and crawlers
without a rule really run.
"""

import fnmatch
from dataclasses import dataclass

JOB_ENDINGS = ("SUCCEEDED", "FAILED", "TIMEOUT", "STOPPED", "ERROR")
CRAWL_ENDINGS = ("SUCCEEDED", "FAILED", "CANCELLED")


class OutcomeError(ValueError):
    """A rule that cannot be read; the message says why."""


@dataclass(frozen=True)
class Outcome:
    state: str = "SUCCEEDED"
    seconds: float = 0.0
    message: str | None = None


@dataclass(frozen=True)
class Rule:
    pattern: str
    outcome: Outcome


def parse_rule(text: str) -> Rule:
    pattern, sep, rest = text.partition("=")
    if not sep or not pattern.strip():
        raise OutcomeError(f"{text!r}: expected PATTERN=STATE[:SECONDS[:MESSAGE]]")
    state, _, tail = rest.partition(":")
    seconds_text, _, message = tail.partition(":")
    state = state.strip().upper()
    if state not in set(JOB_ENDINGS) | set(CRAWL_ENDINGS):
        raise OutcomeError(f"{text!r}: the state must be one of {', '.join(sorted(set(JOB_ENDINGS) | set(CRAWL_ENDINGS)))}")
    try:
        seconds = float(seconds_text) if seconds_text.strip() else 0.0
    except ValueError:
        raise OutcomeError(f"{text!r}: {seconds_text!r} is not a number of seconds") from None
    if seconds < 0:
        raise OutcomeError(f"{text!r}: seconds cannot be negative")
    return Rule(pattern.strip(), Outcome(state, seconds, message or None))


def as_rules(given) -> tuple[Rule, ...]:
    """Rules from ``["pat=STATE:s:msg", ...]`` or ``{"pat": "STATE" | Outcome}``."""
    if isinstance(given, dict):
        rules = []
        for pattern, value in given.items():
            rules.append(Rule(pattern, value) if isinstance(value, Outcome) else parse_rule(f"{pattern}={value}"))
        return tuple(rules)
    return tuple(parse_rule(text) for text in given or ())


@dataclass(frozen=True)
class Outcomes:
    rules: tuple[Rule, ...] = ()
    default_seconds: float = 1.0
    spark_runs: bool = False  # glueetl runs execute on Spark

    def for_name(self, name: str, kind: str) -> Outcome | None:
        endings = JOB_ENDINGS if kind == "job" else CRAWL_ENDINGS
        for rule in self.rules:
            if fnmatch.fnmatchcase(name, rule.pattern) and rule.outcome.state in endings:
                return rule.outcome
        return None

    def spark(self) -> Outcome:
        return Outcome("SUCCEEDED", self.default_seconds)
