"""Reading Glue's option values, which scripts give as booleans or as text."""


def flag(value) -> bool:
    """True for ``True`` and ``"true"`` in any case; anything else is off."""
    return value is True or str(value).lower() == "true"
