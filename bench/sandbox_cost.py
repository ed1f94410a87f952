"""What the kernel sandbox costs a layout run, against the same run without it, in one process.

Both columns go through the same zygote and supervisor; the baseline only skips the jail
(namespaces, the read-only root, the uid change, seccomp), as --unsafe-sandbox does on
machines that refuse namespaces. A trivial three-entity layout isolates the sandbox's cost.
"""

import argparse
import io
import json
import time
import zipfile

from glueprint.sandbox.host import Limits, Sandbox

from common import THREE_ENTITY_LAYOUT, median, percentile, table


def archive() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("three/blueprint.cfg", json.dumps({"layoutGenerator": "three.layout.generate_layout"}))
        zf.writestr("three/layout.py", THREE_ENTITY_LAYOUT)
    return buf.getvalue()


def timings(sandbox: Sandbox, runs: int) -> list[float]:
    data, took = archive(), []
    sandbox.run_layout(data, "three.layout.generate_layout", {"WorkflowName": "w"}, {"region": "us-east-1"}, "warm")
    for i in range(runs):
        start = time.perf_counter()
        sandbox.run_layout(data, "three.layout.generate_layout", {"WorkflowName": f"w{i}"}, {"region": "us-east-1"}, "s")
        took.append((time.perf_counter() - start) * 1000)
    return took


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()
    urls = {"glue": "http://127.0.0.1:9"}
    jailed = Sandbox(urls, "us-east-1", Limits())
    if not jailed.jailed:
        print(f"the jail is not available here ({jailed.refusal}): nothing to compare")
        return
    bare = Sandbox(urls, "us-east-1", Limits(), unsafe=True)
    bare.refusal = "measured without the jail, as --unsafe-sandbox runs"  # the baseline: same path, no jail
    try:
        rows = []
        for label, sandbox in (("without the jail (baseline)", bare), ("in the jail", jailed)):
            took = timings(sandbox, args.runs)
            rows.append((label, f"{median(took):.1f}", f"{percentile(took, 95):.1f}"))
        ratio = float(rows[1][1]) / float(rows[0][1])
        print(table(rows + [("jail / baseline (p50)", f"{ratio:.2f}x", "")], ("layout run", "p50 ms", "p95 ms")))
    finally:
        jailed.stop()
        bare.stop()


if __name__ == "__main__":
    main()
