"""glueprint demo: a whole tour without S3 or set-up, ending with the dashboard's address."""

import re
import subprocess
import sys


def test_demo_registers_runs_and_reports_the_examples():
    result = subprocess.run([sys.executable, "-m", "glueprint", "demo", "--exit"], capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    for name in ("catalog_bootstrap", "crawl_chain", "etl_schedule"):
        assert f"registered blueprint {name}: ACTIVE" in out
    assert out.count("SUCCEEDED") == 3 and out.count("FAILED") == 1
    assert "is not one of the" in out  # the run meant to fail says why
    assert "workflow demo_etl: 6 nodes, 5 edges" in out
    assert re.search(r"dashboard: http://127\.0\.0\.1:\d+/ui", out)
