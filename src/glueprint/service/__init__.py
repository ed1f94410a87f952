"""Domain rules, one function per Glue operation. Never sees HTTP, headers or JSON text."""
