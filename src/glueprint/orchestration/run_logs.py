"""What Glue writes to CloudWatch Logs for its runs, in AWS's groups and streams:

- a Python shell job run: its standard output in /aws-glue/python-jobs/output and its
  standard error in /aws-glue/python-jobs/error, each in a stream named after the JobRunId;
- a Spark job run: /aws-glue/jobs/output and /aws-glue/jobs/error the same way (and, with
  continuous logging, /aws-glue/jobs/logs-v2); a simulated run writes its error message only;
- a crawl: /aws-glue/crawlers, in a stream named after the crawler, each line prefixed with
  the CrawlId in brackets (LastCrawl's MessagePrefix).

A job run's LogGroupName is the group's base (/aws-glue/python-jobs, /aws-glue/jobs), as
GetJobRun shows it. A script's lines are written as it runs (twice a second at most), the
rest with the run's end, in the transaction that ends it.
"""

from sqlalchemy import Connection

from ..store import logs as store

PYTHON_SHELL_LOGS = "/aws-glue/python-jobs"
SPARK_LOGS = "/aws-glue/jobs"
CRAWLER_LOGS = "/aws-glue/crawlers"
# An event holds at most 256 KiB of UTF-8 (AWS's limit, less its 26 bytes of overhead):
# a longer line is split, counted in characters of at most 4 bytes each.
MAX_EVENT_CHARS = (256 * 1024 - 26) // 4


def log_group_name(command_name: str | None) -> str:
    """A job run's LogGroupName, by its job's Command.Name."""
    return PYTHON_SHELL_LOGS if command_name == "pythonshell" else SPARK_LOGS


def _ms(seconds: float) -> int:
    return int(seconds * 1000)


def events(lines: list) -> list[tuple[int, str]]:
    """[epoch seconds, text] lines as (milliseconds, message) events: blank lines dropped (an
    event has a message), long ones split."""
    out = []
    for when, text in lines:
        text = text.rstrip("\r")
        for start in range(0, len(text), MAX_EVENT_CHARS):
            piece = text[start : start + MAX_EVENT_CHARS]
            if piece.strip():
                out.append((_ms(when), piece))
    return out


def write_lines(conn: Connection, doc: dict, stdout: list, stderr: list, now: float) -> None:
    """Lines a job run wrote ([epoch seconds, text]) to its standard output and error."""
    base = doc["wire"].get("LogGroupName") or (PYTHON_SHELL_LOGS if doc["plan"]["mode"] == "script" else SPARK_LOGS)
    store.append(conn, f"{base}/output", doc["run_id"], events(stdout), _ms(now))
    store.append(conn, f"{base}/error", doc["run_id"], events(stderr), _ms(now))


def write_job_run(conn: Connection, doc: dict, message: str | None, streams: tuple[list, list] | None, now: float) -> None:
    """A job run's last lines, as it ends; a run that was not executed, or was killed, has
    none: its error message is its error log."""
    stdout, stderr = streams or ([], [[now, message]] if message else [])
    write_lines(conn, doc, stdout, stderr, now)


def write_crawl(conn: Connection, doc: dict, state: str, message: str | None, metrics: dict | None, now: float) -> None:
    """A crawl's messages, as AWS prefixes them: ``[<CrawlId>] BENCHMARK : ...``."""
    crawler, crawl_id = doc["name"], doc["run_id"]
    lines = [(doc["wire"]["StartedOn"], f"BENCHMARK : Running Start Crawl for Crawler {crawler}")]
    if metrics:
        counts = ", ".join(
            f"{metrics.get(f'Tables{what}', 0)} tables {what.lower()}" for what in ("Created", "Updated", "Deleted")
        )
        lines.append((now, f"INFO : {counts}"))
        lines.append((now, "BENCHMARK : Finished writing to Catalog"))
    if message:
        lines.append((now, f"ERROR : {message}"))
    if state == "CANCELLED":
        lines.append((now, "INFO : The crawl was stopped"))
    lines.append((now, "BENCHMARK : Crawler has finished running and is in state READY"))
    store.append(conn, CRAWLER_LOGS, crawler, [(_ms(t), f"[{crawl_id}] {text}") for t, text in lines], _ms(now))
