"""CloudWatch Logs, the part Glue writes: DescribeLogGroups, DescribeLogStreams, GetLogEvents
and FilterLogEvents over the groups and streams job runs and crawls write (orchestration/run_logs.py).

Every page is a keyset scan; tokens are signed positions bound to their request, as Glue's are.
"""

from ..domain.context import ServiceContext
from ..protocol import errors
from ..protocol.model import member_limits
from ..store import logs as store
from .log_patterns import matcher
from .registry import operation

LOGS = "logs"
FILTER_SCAN_ROWS = 10_000  # events FilterLogEvents reads per call at most: a call that finds fewer matches says go on


def _invalid(message: str) -> errors.ServiceError:
    return errors.InvalidParameterException(message)


def _position(ctx: ServiceContext, op: str, scope: dict, token: str | None, types: tuple) -> list | None:
    return ctx.tokens.position(op, scope, token, types=types, error=errors.InvalidParameterException)


def _default_limit(request: str) -> int:
    return member_limits(request, "limit", LOGS)["max"]


def _group_name(p: dict) -> str:
    """logGroupName, or the name in logGroupIdentifier (a name or a log group ARN)."""
    name, identifier = p.get("logGroupName"), p.get("logGroupIdentifier")
    if name and identifier:
        raise _invalid("LogGroup name and LogGroup ARN are mutually exclusive parameters.")
    if identifier:
        if identifier.startswith("arn:"):
            parts = identifier.split(":")
            if len(parts) < 7 or parts[2] != "logs" or parts[5] != "log-group":
                raise _invalid(f"Invalid logGroupIdentifier {identifier!r}: expected a log group name or ARN.")
            return parts[6]
        return identifier
    if not name:
        raise _invalid("Either logGroupName or logGroupIdentifier must be given.")
    return name


def _existing_group(conn, name: str) -> dict:
    group = store.group(conn, name)
    if group is None:
        raise errors.ResourceNotFoundException("The specified log group does not exist.")
    return group


def _group_arn(ctx: ServiceContext, name: str) -> str:
    return f"arn:aws:logs:{ctx.region}:{ctx.account_id}:log-group:{name}"


@operation("DescribeLogGroups", read_only=True, service=LOGS)
def describe_log_groups(ctx: ServiceContext, p: dict) -> dict:
    if p.get("logGroupNamePrefix") and p.get("logGroupNamePattern"):
        raise _invalid("LogGroupNamePrefix and LogGroupNamePattern are mutually exclusive parameters.")
    limit = p.get("limit", _default_limit("DescribeLogGroupsRequest"))
    prefix, pattern = p.get("logGroupNamePrefix"), (p.get("logGroupNamePattern") or "").lower()
    wanted = {_group_name({"logGroupIdentifier": i}) for i in p.get("logGroupIdentifiers") or []}
    scope = {k: p.get(k) for k in ("logGroupNamePrefix", "logGroupNamePattern", "logGroupIdentifiers", "logGroupClass")}
    after = _position(ctx, "DescribeLogGroups", scope, p.get("nextToken"), (str,))
    page, last = [], after[0] if after else None
    with ctx.db.read() as conn:
        while len(page) <= limit:  # a pattern or identifiers filter in Python: a group per row, few of them
            rows = store.group_page(conn, prefix, last, limit + 1)
            for row in rows:
                keep = (not pattern or pattern in row["name"].lower()) and (not wanted or row["name"] in wanted)
                keep = keep and p.get("logGroupClass", "STANDARD") == "STANDARD"
                if keep:
                    page.append(row)
                last = row["name"]
            if len(rows) <= limit:
                break
    groups = [
        {
            "logGroupName": row["name"],
            "creationTime": row["created_on"],
            "metricFilterCount": 0,
            "arn": _group_arn(ctx, row["name"]) + ":*",
            "logGroupArn": _group_arn(ctx, row["name"]),
            "storedBytes": 0,
            "logGroupClass": "STANDARD",
        }
        for row in page[:limit]
    ]
    result = {"logGroups": groups}
    if len(page) > limit:
        result["nextToken"] = ctx.tokens.issue("DescribeLogGroups", scope, [page[limit - 1]["name"]])
    return result


@operation("DescribeLogStreams", read_only=True, service=LOGS)
def describe_log_streams(ctx: ServiceContext, p: dict) -> dict:
    group_name = _group_name(p)
    by_last_event = p.get("orderBy") == "LastEventTime"
    if by_last_event and p.get("logStreamNamePrefix"):
        raise _invalid("Cannot order by LastEventTime with a logStreamNamePrefix.")
    limit = p.get("limit", _default_limit("DescribeLogStreamsRequest"))
    scope = {
        "group": group_name,
        "prefix": p.get("logStreamNamePrefix"),
        "order": by_last_event,
        "desc": bool(p.get("descending")),
    }
    types = (int, str) if by_last_event else (str,)
    after = _position(ctx, "DescribeLogStreams", scope, p.get("nextToken"), types)
    with ctx.db.read() as conn:
        _existing_group(conn, group_name)
        rows = store.stream_page(
            conn, group_name, p.get("logStreamNamePrefix"), by_last_event, bool(p.get("descending")), after, limit + 1
        )
    arn = _group_arn(ctx, group_name)
    streams = [
        {
            "logStreamName": row["name"],
            "creationTime": row["created_on"],
            "firstEventTimestamp": row["first_event"],
            "lastEventTimestamp": row["last_event"],
            "lastIngestionTime": row["last_ingestion"],
            "arn": f"{arn}:log-stream:{row['name']}",
            "storedBytes": 0,  # AWS stopped reporting a stream's size: always 0
        }
        for row in rows[:limit]
    ]
    result = {"logStreams": streams}
    if len(rows) > limit:
        last = rows[limit - 1]
        result["nextToken"] = ctx.tokens.issue(
            "DescribeLogStreams", scope, [last["last_event"], last["name"]] if by_last_event else [last["name"]]
        )
    return result


@operation("GetLogEvents", read_only=True, service=LOGS)
def get_log_events(ctx: ServiceContext, p: dict) -> dict:
    """Forward tokens ("f/...") continue after the newest event returned, backward ones ("b/...")
    before the oldest; at either end the token returned is the one given, as AWS does."""
    group_name, stream_name = _group_name(p), p["logStreamName"]
    limit = p.get("limit", _default_limit("GetLogEventsRequest"))
    scope = {"group": group_name, "stream": stream_name}
    token = p.get("nextToken")
    direction, position = None, None
    if token is not None:
        direction, _, signed = token.partition("/")
        if direction not in ("f", "b"):
            raise _invalid("The specified nextToken is invalid.")
        position = tuple(_position(ctx, "GetLogEvents", scope, signed, (int, int)))
    forward = direction == "f" or (direction is None and p.get("startFromHead", False))
    with ctx.db.read() as conn:
        _existing_group(conn, group_name)
        if store.stream(conn, group_name, stream_name) is None:
            raise errors.ResourceNotFoundException("The specified log stream does not exist.")
        rows = store.stream_events(
            conn,
            group_name,
            stream_name,
            p.get("startTime"),
            p.get("endTime"),
            after=position if direction == "f" else None,
            before=position if direction == "b" else None,
            limit=limit,
            newest_first=not forward,
        )
    if not forward:
        rows.reverse()
    start = [-1, 0]  # before every event
    first = [rows[0]["timestamp"], rows[0]["seq"]] if rows else (list(position) if position else start)
    last = [rows[-1]["timestamp"], rows[-1]["seq"]] if rows else (list(position) if position else start)
    return {
        "events": [{"timestamp": r["timestamp"], "message": r["message"], "ingestionTime": r["ingestion_time"]} for r in rows],
        "nextForwardToken": "f/" + ctx.tokens.issue("GetLogEvents", scope, last),
        "nextBackwardToken": "b/" + ctx.tokens.issue("GetLogEvents", scope, first),
    }


@operation("FilterLogEvents", read_only=True, service=LOGS)
def filter_log_events(ctx: ServiceContext, p: dict) -> dict:
    """Reads at most FILTER_SCAN_ROWS events a call: a call that found fewer matches than its
    limit but has more to read returns a nextToken, as AWS's may."""
    group_name = _group_name(p)
    if p.get("logStreamNames") and p.get("logStreamNamePrefix"):
        raise _invalid("logStreamNames and logStreamNamePrefix are mutually exclusive parameters.")
    matches = matcher(p.get("filterPattern"))
    limit = p.get("limit", _default_limit("FilterLogEventsRequest"))
    keys = ("logStreamNames", "logStreamNamePrefix", "startTime", "endTime", "filterPattern")
    scope = {"group": group_name, **{k: p.get(k) for k in keys}}
    after = _position(ctx, "FilterLogEvents", scope, p.get("nextToken"), (int, int))
    found, scanned, more = [], 0, False
    position = tuple(after) if after else None
    with ctx.db.read() as conn:
        _existing_group(conn, group_name)
        while len(found) < limit and scanned < FILTER_SCAN_ROWS:
            batch = min(limit - len(found), FILTER_SCAN_ROWS - scanned) + 1
            rows = store.group_events(
                conn,
                group_name,
                p.get("logStreamNames"),
                p.get("logStreamNamePrefix"),
                p.get("startTime"),
                p.get("endTime"),
                position,
                batch,
            )
            more = len(rows) == batch
            for row in rows[: batch - 1]:
                position = (row["timestamp"], row["seq"])
                scanned += 1
                if matches(row["message"]):
                    found.append(row)
            if not more:
                break
    events = [
        {
            "logStreamName": r["log_stream"],
            "timestamp": r["timestamp"],
            "message": r["message"],
            "ingestionTime": r["ingestion_time"],
            "eventId": f"{r['seq']:056d}",
        }
        for r in found
    ]
    result = {"events": events, "searchedLogStreams": []}
    if more:
        result["nextToken"] = ctx.tokens.issue("FilterLogEvents", scope, list(position))
    return result
