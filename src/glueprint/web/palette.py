"""One set of colours for every state the dashboard shows, in badges, graph nodes and legends,
so a state looks the same everywhere and no two states that mean different things share one."""

# state → (fill, ink): ink is the border of a graph node and the text of a badge.
STATES = {
    "SUCCEEDED": ("#c6f6d5", "#22543d"),
    "COMPLETED": ("#c6f6d5", "#22543d"),
    "ACTIVE": ("#c6f6d5", "#22543d"),
    "READY": ("#e2e8f0", "#2d3748"),
    "FAILED": ("#fed7d7", "#9b2c2c"),
    "ERROR": ("#fed7d7", "#9b2c2c"),
    "TIMEOUT": ("#feebc8", "#9c4221"),
    # A run that ended with some of its actions failed: done, but not a success.
    "COMPLETED_WITH_FAILURES": ("#feebc8", "#9c4221"),
    "STOPPED": ("#e2e8f0", "#4a5568"),
    "CANCELLED": ("#e2e8f0", "#4a5568"),
    "STOPPING": ("#e2e8f0", "#4a5568"),
    "STARTING": ("#bee3f8", "#2a4365"),
    "RUNNING": ("#bee3f8", "#2a4365"),
    "WAITING": ("#bee3f8", "#2a4365"),
    "CREATING": ("#bee3f8", "#2a4365"),
    "UPDATING": ("#bee3f8", "#2a4365"),
    "ROLLING_BACK": ("#fefcbf", "#744210"),
    "FIRED": ("#e9d8fd", "#553c9a"),
    "NOT RUN": ("#ffffff", "#718096"),
}
NODE_KINDS = {
    "TRIGGER": ("#fff4d6", "#975a16"),
    "JOB": ("#e0ecff", "#2a4365"),
    "CRAWLER": ("#def7ec", "#22543d"),
}
# What a workflow run's graph can show, in the order its legend lists them.
RUN_LEGEND = ("SUCCEEDED", "FAILED", "TIMEOUT", "STOPPED", "RUNNING", "FIRED", "NOT RUN")


def css_class(state: str) -> str:
    return "s-" + state.replace(" ", "_")


def stylesheet() -> str:
    """The badge rules for every state."""
    return "\n".join(
        f"  .{css_class(state)} {{ background: {fill}; color: {ink}; border: 1px solid {ink}33; }}"
        for state, (fill, ink) in STATES.items()
    )
