"""Glue schedules: ``cron(<minutes> <hours> <day-of-month> <month> <day-of-week> <year>)``.

AWS's six-field cron (one of the two day fields must be ``?``) is checked by a maintained
validator of exactly that dialect; a bad one gets AWS's message.
"""

import re

from aws_cron_expression_validator.validator import AWSCronExpressionValidator

_WRAPPED = re.compile(r"cron\((.*)\)", re.DOTALL)


def schedule_problem(schedule: str) -> str | None:
    """AWS's message for an invalid schedule, or None when it is valid."""
    match = _WRAPPED.fullmatch(schedule.strip())
    try:
        if match is None:
            raise ValueError(schedule)
        AWSCronExpressionValidator.validate(match.group(1).strip())
    except ValueError:
        return f"The schedule {schedule} is invalid."
    return None
