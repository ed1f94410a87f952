"""Durable state: SQLAlchemy Core tables, Alembic migrations, and the SQL that reads and writes them."""
