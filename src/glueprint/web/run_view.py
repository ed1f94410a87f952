"""How a workflow run reads on the dashboard: the state of each node of its graph, the job
runs and crawls in the order they started, and the badge its status gets."""

FAILED_ACTIONS = ("FailedActions", "ErroredActions", "TimeoutActions", "StoppedActions")


def node_runs(graph: dict) -> tuple[dict[str, str], list[dict]]:
    """(node name → state, job runs and crawls oldest first) of a workflow run's graph.

    A trigger FIRED in this run when an action it starts ran in it: a job run names the
    trigger that started it, a crawl names none, so a crawl counts for every trigger that
    starts its crawler."""
    by_id = {node["UniqueId"]: node for node in graph["Nodes"]}
    states, runs = {}, []
    for node in graph["Nodes"]:
        details = (node.get("JobDetails") or {}).get("JobRuns", []) + (node.get("CrawlerDetails") or {}).get("Crawls", [])
        for item in details:
            state = item.get("JobRunState") or item.get("State")
            states[node["Name"]] = state  # runs are listed oldest first: the last one wins
            runs.append(
                {
                    "name": node["Name"],
                    "type": node["Type"],
                    "state": state,
                    "started": item.get("StartedOn"),
                    "trigger": item.get("TriggerName"),
                    "error": item.get("ErrorMessage"),
                    "output": item.get("Output"),
                    "logs": job_run_streams(item) if node["Type"] == "JOB" else crawl_streams(item),
                }
            )
    started_by = {(run["name"], run["trigger"]) for run in runs}
    for edge in graph["Edges"]:
        source, target = by_id.get(edge["SourceId"]), by_id.get(edge["DestinationId"])
        if not source or not target or source["Type"] != "TRIGGER" or target["Type"] == "TRIGGER":
            continue
        if (target["Name"], source["Name"]) in started_by or (target["Name"], None) in started_by:
            states[source["Name"]] = "FIRED"
    runs.sort(key=lambda run: run["started"] or 0)
    return states, runs


def workflow_badge(run: dict | None) -> tuple[str, str]:
    """(palette state, text) of a workflow run's status: COMPLETED with a failed, timed-out or
    stopped action is no success, so it is not green and says how many did not succeed."""
    if not run:
        return "NOT RUN", "never run"
    status = run.get("Status", "")
    statistics = run.get("Statistics") or {}
    failed = sum(statistics.get(key, 0) for key in FAILED_ACTIONS)
    if status == "COMPLETED" and failed:
        return "COMPLETED_WITH_FAILURES", f"COMPLETED · {failed} of {statistics.get('TotalActions', failed)} failed"
    return status, status


def job_run_streams(run: dict) -> list[tuple[str, str, str]]:
    """(label, log group, log stream) of a job run's logs: the output and error groups under its
    LogGroupName, in a stream named after the run."""
    base = run.get("LogGroupName")
    return [(kind, f"{base}/{kind}", run["Id"]) for kind in ("output", "error")] if base and run.get("Id") else []


def crawl_streams(crawl: dict) -> list[tuple[str, str, str]]:
    """(label, log group, log stream) of a crawl's log, if it names one."""
    return [("log", crawl["LogGroup"], crawl["LogStream"])] if crawl.get("LogGroup") and crawl.get("LogStream") else []
