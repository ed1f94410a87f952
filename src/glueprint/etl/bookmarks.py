"""Job bookmarks as a job script keeps them ("Tracking processed data using job bookmarks" in
the AWS Glue developer guide).

``--job-bookmark-option`` says what a run does: ``job-bookmark-enable`` reads only what the
job's earlier runs did not and saves the new state at ``Job.commit()``; ``job-bookmark-pause``
reads from the saved state but saves nothing; ``job-bookmark-disable`` (the default) reads
everything. State is kept per ``transformation_ctx``: for S3 sources, the newest modification
time read and the objects read at that time (an object written or rewritten later is new);
for JDBC sources, the last value of the ``jobBookmarkKeys`` columns in
``jobBookmarkKeysSortOrder``.

The state is read with GetJobBookmark and saved through glueprint's private endpoint, both
signed with the run's own credentials (there is no public operation to save one).
"""

import json
import os
import urllib.request
from datetime import UTC, datetime
from urllib.parse import urlsplit

OPTION = "--job-bookmark-option"
ENABLE, DISABLE, PAUSE = "job-bookmark-enable", "job-bookmark-disable", "job-bookmark-pause"
# glueprint's private endpoint (glueprint.protocol.private: the same path and target prefix).
PRIVATE_PATH = "/_glueprint/private"
SAVE_TARGET = "GlueprintPrivate.SaveJobBookmark"


class BookmarkError(ValueError):
    pass


def _argument(argv: list[str], name: str) -> str | None:
    for i, arg in enumerate(argv):
        if arg == name and i + 1 < len(argv):
            return argv[i + 1]
        if arg.startswith(name + "="):
            return arg.split("=", 1)[1]
    return None


class JobBookmarks:
    """A run's bookmark: the state its job saved, and what this run's sources read."""

    def __init__(self, job_name: str, run_id: str | None, option: str, saved: dict, glue=None):
        self.job_name, self.run_id, self.option = job_name, run_id, option
        self._saved = saved
        self._read: dict = {}  # transformation_ctx -> the state after this run's read
        self._glue = glue

    @classmethod
    def for_job(cls, job_name: str, argv: list[str], glue=None) -> "JobBookmarks":
        option = _argument(argv, OPTION) or DISABLE
        if option not in (ENABLE, DISABLE, PAUSE):
            raise BookmarkError(f"{OPTION} must be {ENABLE}, {DISABLE} or {PAUSE}, not {option!r}")
        bookmarks = cls(job_name, _argument(argv, "--JOB_RUN_ID"), option, {}, glue)
        if option != DISABLE:
            bookmarks._saved = bookmarks._load()
        return bookmarks

    @property
    def glue(self):
        if self._glue is None:
            import boto3

            self._glue = boto3.client("glue")
        return self._glue

    def _load(self) -> dict:
        try:
            entry = self.glue.get_job_bookmark(JobName=self.job_name)["JobBookmarkEntry"]
        except self.glue.exceptions.EntityNotFoundException:
            return {}  # no run of the job committed yet (or the job is not glueprint's)
        return json.loads(entry.get("JobBookmark") or "{}")

    def state(self, ctx: str) -> dict | None:
        """The saved state of a source, or None when bookmarks do not apply to it."""
        if self.option == DISABLE or not ctx:
            return None
        return self._saved.get(ctx, {})

    def record(self, ctx: str, state: dict) -> None:
        if self.option != DISABLE and ctx:
            self._read[ctx] = state

    def commit(self) -> None:
        """Save what this run read (job-bookmark-enable only; a run outside a job run has
        nothing to save to)."""
        if self.option != ENABLE or not self.run_id:
            return
        _save(json.dumps({**self._saved, **self._read}, sort_keys=True))


def _save(bookmark: str) -> None:
    import boto3
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest

    session = boto3.session.Session()
    credentials = session.get_credentials()
    endpoint = os.environ.get("AWS_ENDPOINT_URL_GLUE") or os.environ.get("AWS_ENDPOINT_URL")
    if credentials is None or not endpoint:
        raise BookmarkError("saving a job bookmark needs the run's credentials and AWS_ENDPOINT_URL_GLUE")
    request = AWSRequest(
        method="POST",
        url=endpoint.rstrip("/") + PRIVATE_PATH,
        data=json.dumps({"JobBookmark": bookmark}).encode(),
        headers={"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": SAVE_TARGET},
    )
    SigV4Auth(credentials.get_frozen_credentials(), "glue", session.region_name or "us-east-1").add_auth(request)
    prepared = request.prepare()
    call = urllib.request.Request(prepared.url, data=prepared.body, headers=dict(prepared.headers), method="POST")
    try:
        with urllib.request.urlopen(call, timeout=60) as answer:
            answer.read()
    except urllib.error.HTTPError as error:
        raise BookmarkError(f"saving the job bookmark failed: {error.code} {error.read().decode(errors='replace')}") from None


# S3 sources


def _listing(s3, path: str, recurse: bool) -> list[tuple[str, datetime]]:
    """The data objects under an s3:// path (as Spark reads a folder: not names starting
    with _ or ., below it only key=value folders unless ``recurse``), with their times."""
    parts = urlsplit(path)
    prefix = parts.path.lstrip("/")
    found = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=parts.netloc, Prefix=prefix):
        for obj in page.get("Contents", []):
            rest = obj["Key"][len(prefix) :].lstrip("/") if prefix.endswith("/") or obj["Key"] != prefix else ""
            segments = rest.split("/") if rest else [obj["Key"].rsplit("/", 1)[-1]]
            if any(s.startswith(("_", ".")) for s in segments) or obj["Key"].endswith("/"):
                continue
            if not recurse and not all("=" in s for s in segments[:-1]):
                continue
            found.append((f"s3://{parts.netloc}/{obj['Key']}", obj["LastModified"]))
    return found


def new_s3_objects(saved: dict, paths: list[str], recurse: bool, s3=None) -> tuple[list[str], dict]:
    """The objects under ``paths`` a source has not read yet, and its state after reading them."""
    if s3 is None:
        import boto3

        s3 = boto3.client("s3")
    mark = saved.get("mark")
    at_mark = set(saved.get("at_mark", []))
    listed = [item for path in paths for item in _listing(s3, path, recurse)]
    fresh = []
    for key, modified in listed:
        stamp = modified.astimezone(UTC).timestamp()
        if mark is None or stamp > mark or (stamp == mark and key not in at_mark):
            fresh.append(key)
    if not listed:
        return fresh, saved
    newest = max(modified.astimezone(UTC).timestamp() for _, modified in listed)
    if mark is not None and newest < mark:
        newest = mark
    kept = sorted({k for k, m in listed if m.astimezone(UTC).timestamp() == newest} | (at_mark if newest == mark else set()))
    return fresh, {"mark": newest, "at_mark": kept}


# JDBC sources


def _bookmark_keys(options: dict) -> list[str]:
    keys = options.get("jobBookmarkKeys") or []
    if isinstance(keys, str):
        keys = json.loads(keys) if keys.startswith("[") else [keys]
    return [str(k) for k in keys]


def new_rows(df, options: dict, saved: dict):
    """The rows after the saved last ``jobBookmarkKeys`` value (in ``jobBookmarkKeysSortOrder``),
    and the state after reading them; the frame unchanged when the source names no keys."""
    from pyspark.sql import functions as F

    keys = _bookmark_keys(options)
    if not keys:
        return df, saved
    order = str(options.get("jobBookmarkKeysSortOrder", "asc")).lower()
    if order not in ("asc", "desc"):
        raise BookmarkError(f"jobBookmarkKeysSortOrder must be asc or desc, not {order!r}")
    missing = [k for k in keys if k not in df.columns]
    if missing:
        raise BookmarkError(f"jobBookmarkKeys {missing} are not columns of the source")
    last = saved.get("last") if saved.get("keys") == keys else None
    if last is not None:
        after = None
        for i in reversed(range(len(keys))):
            column, value = F.col(keys[i]), F.lit(last[i])
            beyond = column > value if order == "asc" else column < value
            after = beyond if after is None else beyond | ((column == value) & after)
        df = df.filter(after)
    pick = F.max if order == "asc" else F.min
    newest = df.select(pick(F.struct(*keys)).alias("m")).first()["m"]
    if newest is None:
        return df, saved
    return df, {"keys": keys, "last": [_plain(v) for v in newest]}


def _plain(value):
    """A key value as JSON keeps it (Spark compares it back to the column, casting text)."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if hasattr(value, "isoformat"):
        return value.isoformat(sep=" ") if isinstance(value, datetime) else value.isoformat()
    return str(value)
