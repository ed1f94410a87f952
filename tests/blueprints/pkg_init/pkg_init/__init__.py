"""A blueprint folder that is a regular package (it has an __init__.py)."""
