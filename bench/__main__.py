"""Run every benchmark and print the figures beside their targets.

    make bench                 # everything, full sizes
    make bench ARGS=--quick    # smaller sizes (a few minutes)
    python -m bench --only assignment,bulletin

Each benchmark prints its own figures as ratios to a baseline measured in the
same run; this runner keeps each one's output under ``bench/out/`` and ends
with the lines that carry a target, plus the machine they ran on. Benchmarks
never assert: a missed target is a figure to read, not a failure.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import platform
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"

# name -> (issue that set the figure, full-size args, quick args)
BENCHES: dict[str, tuple[str, list[str], list[str]]] = {
    "assignment": ("#3 draw vs raw solver and exact optimum", [], ["--quick"]),
    "submit_score": ("#4 SubmitScore vs raw echo, PostgreSQL", [], ["--requests", "1500"]),
    "surveys": ("#5 surveys throughput", [], ["--cases", "300"]),
    "bulletin": ("#6 province month: standing + model + 4 formats", [], []),
    "gateway": ("#7 gateway vs direct gRPC", [], []),
    "request_limits": ("#15 oversized SubmitScore refused cheaply", [], ["--items", "300000"]),
}

# Lines worth a summary: ratios, totals, targets.
KEY = re.compile(r"ratio|target|TOTAL|peak RSS|deterministic|randomised|floor model|baseline", re.I)


def machine() -> str:
    cpu = ""
    with contextlib.suppress(OSError), open("/proc/cpuinfo") as info:
        cpu = next((ln.split(":", 1)[1].strip() for ln in info if ln.startswith("model name")), "")
    return f"{os.cpu_count()} cores {cpu}, Python {platform.python_version()}, {platform.system()}"


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--only", default="", help="comma-separated subset of " + ",".join(BENCHES))
    args = parser.parse_args()
    chosen = [b for b in args.only.split(",") if b] or list(BENCHES)
    OUT.mkdir(parents=True, exist_ok=True)
    summary = [f"# Benchmarks ({time.strftime('%Y-%m-%d')}, {machine()})", ""]
    for name in chosen:
        issue, full, quick = BENCHES[name]
        cmd = [sys.executable, "-m", f"bench.{name}", *(quick if args.quick else full)]
        print(f"\n### {name} — {issue}\n$ {' '.join(cmd[1:])}", flush=True)
        started = time.perf_counter()
        proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
        took = time.perf_counter() - started
        text = proc.stdout + (f"\n[stderr]\n{proc.stderr[-3000:]}" if proc.returncode else "")
        (OUT / f"{name}.txt").write_text(text)
        print(text, flush=True)
        summary += [f"## {name} — {issue} ({took:.0f} s, exit {proc.returncode})", "```"]
        summary += [ln.rstrip() for ln in proc.stdout.splitlines() if KEY.search(ln)] or ["(no figures)"]
        summary += ["```", ""]
    (OUT / "summary.md").write_text("\n".join(summary))
    print("\n".join(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
