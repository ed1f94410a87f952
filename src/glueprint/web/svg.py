"""A workflow graph (GetWorkflow's Nodes and Edges) drawn as SVG, left to right.

Each node sits in the column of its longest path from a node nothing points at, so every
edge runs rightwards; nodes in a column are stacked in the order the graph lists them.
"""

from html import escape

COLUMN, ROW, MARGIN = 226, 70, 16
WIDTH, HEIGHT = 192, 46
LINE_CHARS = 29  # a node shows its name on up to two lines; the whole name is its tooltip
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
    """The name on one or two lines, broken after the underscore that balances them best."""
    if len(name) <= LINE_CHARS:
        return [name]
    cuts = [i + 1 for i, c in enumerate(name) if c == "_" and i + 1 <= LINE_CHARS] or [LINE_CHARS]
    cut = min(cuts, key=lambda c: max(c, len(name) - c))
    rest = name[cut:]
    return [name[:cut], rest if len(rest) <= LINE_CHARS else rest[: LINE_CHARS - 1] + "…"]


def render(graph: dict) -> str:
    if not graph.get("Nodes"):
        return ""
    column = _columns(graph)
    rows: dict[int, int] = {}
    place = {}
    for node in graph["Nodes"]:
        c = column[node["UniqueId"]]
        place[node["UniqueId"]] = (MARGIN + c * COLUMN, MARGIN + rows.get(c, 0) * ROW)
        rows[c] = rows.get(c, 0) + 1
    width = MARGIN * 2 + (max(column.values()) * COLUMN) + WIDTH
    height = MARGIN * 2 + (max(rows.values()) - 1) * ROW + HEIGHT
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
        x1, y1, x2, y2 = x1 + WIDTH, y1 + HEIGHT / 2, x2, y2 + HEIGHT / 2
        bend = (x1 + x2) / 2
        parts.append(
            f'<path class="edge" d="M{x1},{y1} C{bend},{y1} {bend},{y2} {x2},{y2}" fill="none" stroke="#4a5568" stroke-width="1.5" marker-end="url(#arrow)"/>'
        )
    for node in graph["Nodes"]:
        x, y = place[node["UniqueId"]]
        fill, stroke = STYLE.get(node["Type"], ("#eee", "#555"))
        name = node["Name"]
        lines = _lines(name)
        radius = 18 if node["Type"] == "TRIGGER" else 6
        first_y = y + HEIGHT / 2 + 4 - 7 * (len(lines) - 1)
        text = "".join(
            f'<tspan x="{x + WIDTH / 2}" y="{first_y + 14 * i}">{escape(line)}</tspan>' for i, line in enumerate(lines)
        )
        parts.append(
            f'<g class="node {node["Type"].lower()}" data-name="{escape(name)}"><title>{escape(node["Type"].title())} {escape(name)}</title>'
            f'<rect x="{x}" y="{y}" width="{WIDTH}" height="{HEIGHT}" rx="{radius}" fill="{fill}" stroke="{stroke}" stroke-width="1.5"/>'
            f'<text text-anchor="middle" font-size="11" font-family="sans-serif">{text}</text></g>'
        )
    parts.append("</svg>")
    return "".join(parts)
