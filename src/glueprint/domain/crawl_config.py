"""A crawler's settings as its crawls read them: the versioned ``Configuration`` JSON
(developer guide, "Setting crawler configuration options"), its schema change and recrawl
policies, and the checks CreateCrawler/UpdateCrawler make on them.
"""

import json
from dataclasses import dataclass


class InvalidCrawler(ValueError):
    """A crawler definition AWS refuses; the message is the InvalidInputException's."""


NEW_FOLDERS_ONLY_MESSAGE = (
    'The SchemaChangePolicy for "Crawl new folders only" Amazon S3 target can have only LOG DeleteBehavior value '
    "and LOG UpdateBehavior value."
)
# The developer guide: "The crawler can crawl only catalog tables in a single run; it can't mix
# in other source types." AWS's message is not published.
MIXED_CATALOG_TARGETS_MESSAGE = "A crawler with catalog targets cannot have targets of other types."
NEW_FOLDERS_ONLY_S3_MESSAGE = 'RecrawlBehavior "Crawl new folders only" can only apply to Amazon S3 target.'


@dataclass(frozen=True)
class Settings:
    update_behavior: str  # SchemaChangePolicy.UpdateBehavior
    delete_behavior: str
    new_folders_only: bool
    merge_new_columns: bool  # CrawlerOutput.Tables.AddOrUpdateBehavior
    partitions_inherit: bool  # CrawlerOutput.Partitions.AddOrUpdateBehavior
    combine_schemas: bool  # Grouping.TableGroupingPolicy
    table_level: int | None  # Grouping.TableLevelConfiguration
    table_threshold: int | None  # CrawlerOutput.Tables.TableThreshold


def configuration(text: str | None) -> dict:
    if not text:
        return {}
    try:
        parsed = json.loads(text)
    except ValueError as exc:
        raise InvalidCrawler(f"Crawler configuration not valid: it is not JSON ({exc})") from None
    if not isinstance(parsed, dict):
        raise InvalidCrawler("Crawler configuration not valid: it must be a JSON object")
    return parsed


def _level(grouping: dict) -> int | None:
    level = grouping.get("TableLevelConfiguration")
    if level is None:
        return None
    if isinstance(level, bool) or not isinstance(level, int) or level < 1:
        raise InvalidCrawler("Crawler configuration not valid: TableLevelConfiguration must be a positive integer")
    return level


def settings(crawler: dict) -> Settings:
    config = configuration(crawler.get("Configuration"))
    output = config.get("CrawlerOutput") or {}
    grouping = config.get("Grouping") or {}
    policy = crawler.get("SchemaChangePolicy") or {}
    recrawl = (crawler.get("RecrawlPolicy") or {}).get("RecrawlBehavior", "CRAWL_EVERYTHING")
    threshold = (output.get("Tables") or {}).get("TableThreshold")
    return Settings(
        update_behavior=policy.get("UpdateBehavior", "UPDATE_IN_DATABASE"),
        delete_behavior=policy.get("DeleteBehavior", "DEPRECATE_IN_DATABASE"),
        new_folders_only=recrawl == "CRAWL_NEW_FOLDERS_ONLY",
        merge_new_columns=(output.get("Tables") or {}).get("AddOrUpdateBehavior") == "MergeNewColumns",
        partitions_inherit=(output.get("Partitions") or {}).get("AddOrUpdateBehavior") == "InheritFromTable",
        combine_schemas=grouping.get("TableGroupingPolicy") == "CombineCompatibleSchemas",
        table_level=_level(grouping),
        table_threshold=threshold if isinstance(threshold, int) and not isinstance(threshold, bool) else None,
    )


def check(crawler: dict) -> None:
    """What CreateCrawler and UpdateCrawler refuse, with AWS's messages."""
    found = settings(crawler)
    given = {kind for kind, targets in (crawler.get("Targets") or {}).items() if targets}
    if "CatalogTargets" in given and len(given) > 1:
        raise InvalidCrawler(MIXED_CATALOG_TARGETS_MESSAGE)
    if not found.new_folders_only:
        return
    if given - {"S3Targets"}:
        raise InvalidCrawler(NEW_FOLDERS_ONLY_S3_MESSAGE)
    if (found.update_behavior, found.delete_behavior) != ("LOG", "LOG"):
        raise InvalidCrawler(NEW_FOLDERS_ONLY_MESSAGE)
