"""The custom classifiers a crawler names: what a crawl applies (orchestration/crawl.py) and
what Create/UpdateCrawler and a blueprint run's crawlers must name (a missing one is refused)."""

from sqlalchemy import Connection

from ..store import entities as store


def of_crawler(conn: Connection, crawler: dict) -> tuple[list[dict], list[str]]:
    """The crawler's custom classifiers in its order, and the names it lists that are none."""
    names = crawler.get("Classifiers") or []
    found = store.get_many(conn, "classifier", names) if names else {}
    return [found[n] for n in names if n in found], [n for n in names if n not in found]


def missing_message(name: str) -> str:
    return f"Classifier {name} does not exist."
