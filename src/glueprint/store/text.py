"""Text that untrusted code or archives produce (error messages, tracebacks), made storable.

PostgreSQL refuses the NUL character in text; SQLite keeps it. Both store it as the four
characters ``\\x00``, so a layout that raises or prints one fails its run with its own error
on either backend, and reads back the same.
"""

MESSAGE_COLUMNS = ("error_message", "rollback_error_message")


def storable(text: str | None) -> str | None:
    return text.replace("\x00", "\\x00") if text else text


def storable_messages(values: dict) -> dict:
    """values with its message columns made storable."""
    return {k: storable(v) if k in MESSAGE_COLUMNS and isinstance(v, str) else v for k, v in values.items()}
