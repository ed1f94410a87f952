"""A workflow graph (GetWorkflow's Nodes and Edges) drawn as SVG, left to right.

Each node sits in the column of its longest path from a node nothing points at, so every
edge runs rightwards; nodes in a column are stacked in the order the graph lists them.
Names are shown whole, wrapped over as many lines as they need. A trigger shows its type
(and AND / ANY); an edge into a conditional trigger shows the state it waits for. Given a
workflow run's states, each node is coloured by the state of its latest run there.
"""

from html import escape

COLUMN, GAP, MARGIN = 236, 24, 16
WIDTH, LINE, PAD = 192, 14, 12
LINE_CHARS = 29
STATE_STYLE = {
    "SUCCEEDED": ("#c6f6d5", "#2f855a"),
    "FAILED": ("#fed7d7", "#c53030"),
    "ERROR": ("#fed7d7", "#c53030"),
    "TIMEOUT": ("#feebc8", "#c05621"),
    "STOPPED": ("#e2e8f0", "#4a5568"),
    "CANCELLED": ("#e2e8f0", "#4a5568"),
    "STARTING": ("#bee3f8", "#2b6cb0"),
    "RUNNING": ("#bee3f8", "#2b6cb0"),
    "STOPPING": ("#bee3f8", "#4a5568"),
    "FIRED": ("#fefcbf", "#b7791f"),
    "NOT RUN": ("#ffffff", "#a0aec0"),
}
STYLE = {
    "TRIGGER": ("#fff4d6", "#b7791f"),
    "JOB": ("#e0ecff", "#2b6cb0"),
    "CRAWLER": ("#def7ec", "#2f855a"),
}


def _columns(graph: dict) -> dict[str, int]:
    ids = [n["UniqueId"] for n in graph["Nodes"]]
    incoming = {i: [] for i in ids}
    for edge in graph["Edges"]:
        if edge["DestinationId"] in incoming and edge["SourceId"] in incoming:
            incoming[edge["DestinationId"]].append(edge["SourceId"])
    column: dict[str, int] = {}

    def depth(node: str, path: frozenset) -> int:
        if node not in column:
            parents = [p for p in incoming[node] if p not in path]  # a cycle must not recurse forever
            column[node] = 1 + max((depth(p, path | {node}) for p in parents), default=-1)
        return column[node]

    for node in ids:
        depth(node, frozenset())
    return column


def _lines(name: str) -> list[str]:
    """The whole name over as many lines as it needs, broken after underscores where it can."""
    lines = []
    while len(name) > LINE_CHARS:
        cut = name.rfind("_", 0, LINE_CHARS) + 1 or LINE_CHARS
        lines.append(name[:cut])
        name = name[cut:]
    return [*lines, name]


def _subtitle(node: dict) -> str | None:
    trigger = (node.get("TriggerDetails") or {}).get("Trigger")
    if not trigger:
        return None
    kind = trigger.get("Type", "")
    if kind == "CONDITIONAL":
        return f"CONDITIONAL · {(trigger.get('Predicate') or {}).get('Logical', 'AND')}"
    if kind == "SCHEDULED":
        return f"SCHEDULED {trigger.get('Schedule', '')}"
    return kind


def _edge_label(graph_nodes: dict, edge: dict) -> str | None:
    """The state a conditional trigger waits for on this edge, if it is one."""
    source, target = graph_nodes.get(edge["SourceId"]), graph_nodes.get(edge["DestinationId"])
    trigger = ((target or {}).get("TriggerDetails") or {}).get("Trigger") or {}
    for condition in (trigger.get("Predicate") or {}).get("Conditions") or []:
        if source and source["Name"] in (condition.get("JobName"), condition.get("CrawlerName")):
            return condition.get("State") or condition.get("CrawlState")
    return None


def render(graph: dict, states: dict[str, str] | None = None) -> str:
    """states: node name → state of its latest run (or FIRED for a trigger), for a run's graph."""
    if not graph.get("Nodes"):
        return ""
    texts = {n["UniqueId"]: _lines(n["Name"]) + ([sub] if (sub := _subtitle(n)) else []) for n in graph["Nodes"]}
    node_h = PAD * 2 + LINE * max(len(t) for t in texts.values())  # one height for every node
    row_h = node_h + GAP
    by_id = {n["UniqueId"]: n for n in graph["Nodes"]}
    column = _columns(graph)
    rows: dict[int, int] = {}
    place = {}
    for node in graph["Nodes"]:
        c = column[node["UniqueId"]]
        place[node["UniqueId"]] = (MARGIN + c * COLUMN, MARGIN + rows.get(c, 0) * row_h)
        rows[c] = rows.get(c, 0) + 1
    width = MARGIN * 2 + (max(column.values()) * COLUMN) + WIDTH
    height = MARGIN * 2 + (max(rows.values()) - 1) * row_h + node_h
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="graph" width="{width}" height="{height}" viewBox="0 0 {width} {height}">',
        (
            '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto">'
            '<path d="M0,0 L10,5 L0,10 z" fill="#4a5568"/></marker></defs>'
        ),
    ]
    for edge in graph["Edges"]:
        if edge["SourceId"] not in place or edge["DestinationId"] not in place:
            continue
        (x1, y1), (x2, y2) = place[edge["SourceId"]], place[edge["DestinationId"]]
        x1, y1, x2, y2 = x1 + WIDTH, y1 + node_h / 2, x2, y2 + node_h / 2
        bend = (x1 + x2) / 2
        parts.append(
            f'<path class="edge" d="M{x1},{y1} C{bend},{y1} {bend},{y2} {x2},{y2}" fill="none" stroke="#4a5568" stroke-width="1.5" marker-end="url(#arrow)"/>'
        )
        if label := _edge_label(by_id, edge):
            parts.append(
                f'<text class="condition" x="{bend}" y="{(y1 + y2) / 2 - 4}" text-anchor="middle" font-size="9" '
                f'font-family="sans-serif" fill="#4a5568">{escape(label)}</text>'
            )
    for node in graph["Nodes"]:
        x, y = place[node["UniqueId"]]
        name = node["Name"]
        state = None if states is None else states.get(name, "NOT RUN")
        fill, stroke = STATE_STYLE[state] if state else STYLE.get(node["Type"], ("#eee", "#555"))
        lines = texts[node["UniqueId"]]
        names = len(_lines(name))
        radius = 18 if node["Type"] == "TRIGGER" else 6
        first_y = y + node_h / 2 + 4 - LINE / 2 * (len(lines) - 1)
        text = "".join(
            f'<tspan x="{x + WIDTH / 2}" y="{first_y + LINE * i}">{escape(line)}</tspan>' for i, line in enumerate(lines[:names])
        )
        sub = "".join(
            f'<text class="kind" x="{x + WIDTH / 2}" y="{first_y + LINE * names}" text-anchor="middle" font-size="9" '
            f'font-family="sans-serif" fill="#718096">{escape(line)}</text>'
            for line in lines[names:]
        )
        state_attr = f' data-state="{escape(state)}"' if state else ""
        tooltip = f"{node['Type'].title()} {name}" + (f": {state}" if state else "")
        parts.append(
            f'<g class="node {node["Type"].lower()}" data-name="{escape(name)}"{state_attr}><title>{escape(tooltip)}</title>'
            f'<rect x="{x}" y="{y}" width="{WIDTH}" height="{node_h}" rx="{radius}" fill="{fill}" stroke="{stroke}" stroke-width="1.5"/>'
            f'<text class="name" text-anchor="middle" font-size="11" font-family="sans-serif">{text}</text>{sub}</g>'
        )
    parts.append("</svg>")
    return "".join(parts)
