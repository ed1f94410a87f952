"""``Job``: a script's run, from ``init`` to ``commit``.

glueprint keeps no job bookmarks yet: every run reads all of its input, as a job run with
``--job-bookmark-option job-bookmark-disable`` does on AWS, and ``commit`` has nothing to save.
"""


class Job:
    def __init__(self, glue_context):
        self._context = glue_context
        self._name: str | None = None
        self._args: dict = {}

    def init(self, job_name: str, args: dict | None = None) -> None:
        self._name, self._args = job_name, dict(args or {})

    def commit(self) -> None:
        if self._name is None:
            raise RuntimeError("Job.commit() before Job.init()")
