"""The words errors use for workflows, jobs, crawlers and triggers, one place for the API and
the engines alike (AWS's where they are public: BLUEPRINT_API.md §2, GetCrawler's answers)."""

LABELS = {"workflow": "Workflow", "job": "Job", "crawler": "Crawler", "trigger": "Trigger"}


def not_found(kind: str, name: str) -> str:
    """EntityNotFoundException's text for a missing one, whichever operation found it missing."""
    if kind == "crawler":
        return f"Crawler entry with name {name} does not exist"
    return f"{LABELS[kind]} {name} not found."


def already_exists(kind: str, name: str) -> str:
    """AlreadyExistsException's text (IdempotentParameterMismatchException's for a trigger)."""
    if kind == "workflow":
        return f"Workflow with name: {name} already exists."
    if kind == "trigger":
        return f"Trigger with name '{name}' already submitted with different configuration"
    return f"{LABELS[kind]} with name: {name} already exists."
