"""Helpers of the paged List and Get operations (their NextTokens: domain/tokens.py)."""


def filtered_page(fetch, key, keep, limit: int, after):
    """Scan items in key order after ``after`` and keep those ``keep`` accepts, up to ``limit``.

    ``fetch(after, n)`` returns up to n items in key order. Returns the page and the key to
    continue after, or None when nothing is left.
    """
    page = []
    while True:
        batch = fetch(after, limit + 1)
        for item in batch:
            if len(page) == limit:
                return page, after
            after = key(item)
            if keep(item):
                page.append(item)
        if len(batch) <= limit:
            return page, None


def has_tags(tags: dict, wanted: dict) -> bool:
    """The Tags filter of the List operations: every wanted key with its value."""
    return all(tags.get(k) == v for k, v in wanted.items())
