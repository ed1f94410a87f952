"""A workflow graph (GetWorkflow's Nodes and Edges) drawn as SVG, left to right.

Each node sits in the column of its longest path from a node nothing points at, so every
edge runs rightwards; nodes in a column are stacked in the order the graph lists them.
Names are shown whole, wrapped after ``_``, ``-`` or ``.`` (inside a word only when one word
is longer than a line). A trigger shows its type (and AND / ANY); an edge into a conditional
trigger shows the state it waits for, in the gap before the trigger, drawn over everything.
Given a workflow run's states, each node is coloured by the state of its latest run there.

The drawing has a viewBox and a width of 100%, capped at its natural size: it shrinks to fit
a narrow page and never scrolls sideways. A graph of more than ``BAND`` columns wraps into
bands of ``BAND`` columns stacked top to bottom, so that it need not shrink past reading: an
edge into a later band runs down the gap after its source's column, left along the gap above
the target's band, and down a lane at the left edge into its target. Jobs and crawlers link
to their own pages.
"""

from html import escape
from urllib.parse import quote

from .palette import NODE_KINDS, STATES

WIDTH, GAP_X, GAP_Y, MARGIN = 180, 76, 24, 16
COLUMN = WIDTH + GAP_X
BAND = 6  # columns per band: six fit 1 280 px at a scale still easy to read
BAND_GAP = 2 * GAP_Y
LINE, PAD = 14, 12
LINE_CHARS = 25  # at 11 px sans-serif, 25 characters stay inside a node's 180 px
BREAKS = "_-."
PAGES = {"JOB": "/ui/jobs/", "CRAWLER": "/ui/crawlers/"}


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


def lines(name: str) -> list[str]:
    """The whole name over as many lines as it needs, each ending after a separator where it can."""
    found = []
    while len(name) > LINE_CHARS:
        cut = max(name.rfind(c, 0, LINE_CHARS) for c in BREAKS) + 1 or LINE_CHARS
        found.append(name[:cut])
        name = name[cut:]
    return [*found, name]


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


def _curve_y(x1: float, y1: float, x2: float, y2: float, x: float) -> float:
    """The height of the edge's curve (control points at the middle x) where it passes x."""
    bend = (x1 + x2) / 2
    lo, hi = 0.0, 1.0
    for _ in range(30):  # x grows with t along this curve: halve towards x
        t = (lo + hi) / 2
        at = (1 - t) ** 3 * x1 + 3 * (1 - t) * t * bend + t**3 * x2
        lo, hi = (t, hi) if at < x else (lo, t)
    t = (lo + hi) / 2
    return (1 - t) ** 3 * y1 + 3 * (1 - t) ** 2 * t * y1 + 3 * (1 - t) * t**2 * y2 + t**3 * y2


def render(graph: dict, states: dict[str, str] | None = None) -> str:
    """states: node name → state of its latest run (or FIRED for a trigger), for a run's graph."""
    if not graph.get("Nodes"):
        return ""
    texts = {n["UniqueId"]: lines(n["Name"]) + ([sub] if (sub := _subtitle(n)) else []) for n in graph["Nodes"]}
    node_h = PAD * 2 + LINE * max(len(t) for t in texts.values())  # one height for every node
    row_h = node_h + GAP_Y
    by_id = {n["UniqueId"]: n for n in graph["Nodes"]}
    column = _columns(graph)
    wrapped = max(column.values()) >= BAND
    lane = GAP_X if wrapped else 0  # the left lane edges from an earlier band come down
    rows: dict[int, int] = {}
    for c in column.values():
        rows[c] = rows.get(c, 0) + 1
    bands = max(column.values()) // BAND + 1
    band_rows = [1] * bands  # each band as tall as its fullest column
    for c, n in rows.items():
        band_rows[c // BAND] = max(band_rows[c // BAND], n)
    band_top = [MARGIN + sum(n * row_h - GAP_Y + BAND_GAP for n in band_rows[:b]) for b in range(bands)]
    place, stacked = {}, {}
    for node in graph["Nodes"]:
        c = column[node["UniqueId"]]
        place[node["UniqueId"]] = (MARGIN + lane + (c % BAND) * COLUMN, band_top[c // BAND] + stacked.get(c, 0) * row_h)
        stacked[c] = stacked.get(c, 0) + 1
    shown = min(max(column.values()) + 1, BAND)
    width = MARGIN * 2 + lane + (shown - 1) * COLUMN + WIDTH + (GAP_X // 2 if wrapped else 0)
    height = band_top[-1] + band_rows[-1] * row_h - GAP_Y + MARGIN
    parts = [
        (
            f'<svg xmlns="http://www.w3.org/2000/svg" class="graph" width="100%" viewBox="0 0 {width} {height}" '
            f'style="max-width: {width}px" role="img" aria-label="workflow graph">'
        ),
        (
            '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto">'
            '<path d="M0,0 L10,5 L0,10 z" fill="#4a5568"/></marker></defs>'
        ),
    ]
    labels = []
    for edge in graph["Edges"]:
        if edge["SourceId"] not in place or edge["DestinationId"] not in place:
            continue
        (x1, y1), (x2, y2) = place[edge["SourceId"]], place[edge["DestinationId"]]
        x1, y1, x2, y2 = x1 + WIDTH, y1 + node_h / 2, x2, y2 + node_h / 2
        target_band = column[edge["DestinationId"]] // BAND
        if target_band == column[edge["SourceId"]] // BAND:
            bend = (x1 + x2) / 2
            d = f"M{x1},{y1} C{bend},{y1} {bend},{y2} {x2},{y2}"
            # In the gap just before the trigger, where no node can be, on the curve.
            label_x, label_y = x2 - GAP_X / 2, _curve_y(x1, y1, x2, y2, x2 - GAP_X / 2) - 4
        else:
            down, across, left = x1 + GAP_X / 2, band_top[target_band] - BAND_GAP / 2, MARGIN + lane / 2
            d = f"M{x1},{y1} H{down} V{across} H{left} V{y2} H{x2}"
            label_x, label_y = left, y2 - 4  # in the left lane, above where the edge turns in
        parts.append(f'<path class="edge" d="{d}" fill="none" stroke="#4a5568" stroke-width="1.5" marker-end="url(#arrow)"/>')
        if label := _edge_label(by_id, edge):
            labels.append(
                f'<text class="condition" x="{label_x}" y="{label_y:.1f}" text-anchor="middle" font-size="9" '
                f'font-family="sans-serif" fill="#2d3748" stroke="#ffffff" stroke-width="3" paint-order="stroke">{escape(label)}</text>'
            )
    for node in graph["Nodes"]:
        x, y = place[node["UniqueId"]]
        name = node["Name"]
        state = None if states is None else states.get(name, "NOT RUN")
        fill, stroke = STATES[state] if state in STATES else NODE_KINDS.get(node["Type"], ("#eeeeee", "#555555"))
        text_lines = texts[node["UniqueId"]]
        names = len(lines(name))
        radius = 18 if node["Type"] == "TRIGGER" else 6
        dash = ' stroke-dasharray="4 3"' if state == "NOT RUN" else ""
        first_y = y + node_h / 2 + 4 - LINE / 2 * (len(text_lines) - 1)
        text = "".join(
            f'<tspan x="{x + WIDTH / 2}" y="{first_y + LINE * i}">{escape(line)}</tspan>'
            for i, line in enumerate(text_lines[:names])
        )
        sub = "".join(
            f'<text class="kind" x="{x + WIDTH / 2}" y="{first_y + LINE * names}" text-anchor="middle" font-size="9" '
            f'font-family="sans-serif" fill="#4a5568">{escape(line)}</text>'
            for line in text_lines[names:]
        )
        state_attr = f' data-state="{escape(state)}"' if state else ""
        tooltip = f"{node['Type'].title()} {name}" + (f": {state}" if state else "")
        drawn = (
            f"<title>{escape(tooltip)}</title>"
            f'<rect x="{x}" y="{y}" width="{WIDTH}" height="{node_h}" rx="{radius}" fill="{fill}" stroke="{stroke}" stroke-width="1.5"{dash}/>'
            f'<text class="name" text-anchor="middle" font-size="11" font-family="sans-serif">{text}</text>{sub}'
        )
        if node["Type"] in PAGES:
            drawn = f'<a href="{PAGES[node["Type"]]}{quote(name, safe="")}">{drawn}</a>'
        parts.append(f'<g class="node {node["Type"].lower()}" data-name="{escape(name)}"{state_attr}>{drawn}</g>')
    parts.extend(labels)
    parts.append("</svg>")
    return "".join(parts)
