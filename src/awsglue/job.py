"""``Job``: a script's run, from ``init`` to ``commit``, with the job's bookmark.

``init`` reads the run's ``--job-bookmark-option`` and, unless bookmarks are disabled, the
state the job's earlier runs saved; sources with a ``transformation_ctx`` then read only what
is new to it (glueprint.etl.bookmarks). ``commit`` saves what the run read
(``job-bookmark-enable``).
"""

import sys

from glueprint.etl.bookmarks import JobBookmarks


class Job:
    def __init__(self, glue_context):
        self._context = glue_context
        self._name: str | None = None
        self._args: dict = {}
        self._bookmarks: JobBookmarks | None = None

    def init(self, job_name: str, args: dict | None = None) -> None:
        self._name, self._args = job_name, dict(args or {})
        self._bookmarks = JobBookmarks.for_job(job_name, sys.argv)
        self._context.job_bookmarks = self._bookmarks

    def commit(self) -> None:
        if self._name is None:
            raise RuntimeError("Job.commit() before Job.init()")
        self._bookmarks.commit()
