"""What a crawler names besides its targets: its custom classifiers (what a crawl applies,
orchestration/crawl.py) and its security configuration. CreateCrawler, UpdateCrawler and a
blueprint run's crawlers are refused when one of them does not exist."""

from sqlalchemy import Connection

from ..store import entities as store

SECURITY_CONFIGURATION = "security_config"  # the entity kind of security configurations


def of_crawler(conn: Connection, crawler: dict) -> tuple[list[dict], list[str]]:
    """The crawler's custom classifiers in its order, and the names it lists that are none."""
    names = crawler.get("Classifiers") or []
    found = store.get_many(conn, "classifier", names) if names else {}
    return [found[n] for n in names if n in found], [n for n in names if n not in found]


def refusal(conn: Connection, crawler: dict) -> str | None:
    """Why a crawler with these fields is refused; None when what it names exists. Classifiers:
    undocumented, the one input error the model lists. The security configuration: AWS
    retrieves it on create and update (its words as terraform-provider-aws#50018 quotes them)."""
    if missing := of_crawler(conn, crawler)[1]:
        return f"Classifier {missing[0]} does not exist."
    name = crawler.get("CrawlerSecurityConfiguration")
    if name and not store.exists(conn, SECURITY_CONFIGURATION, name):
        return f"Error trying to retrieve security config, error message: Security configuration {name} not found."
    return None
