"""What an oversized request costs the scoring service (prints, never asserts).

    .venv/bin/python -m bench.request_limits            # 1,000,000 score items, 4 at once

The scoring service runs in its own process (``python -m services.scoring`` on SQLite). The
baseline is a small SubmitScore the service refuses after its checks (a caller that is no
expert), measured in the same run. Then: one SubmitScore with ``--items`` items (about 14 MB),
refused as REQUEST_TOO_LARGE before decoding; the server CPU and RSS it cost; and the latency of a
normal call while ``--parallel`` such requests are in flight (issue 15 measured 16.7 s of CPU,
0.5 -> 1.2 GB and a 19.6 s wait before the limits).
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import grpc

from bench.common import cpu_seconds
from dgcp.scoring.v1 import scoring_pb2 as pb
from dgcp.scoring.v1 import scoring_pb2_grpc as pb_grpc
from runtime.errors import details_of
from tests.support import md

ROOT = Path(__file__).resolve().parent.parent


def _rss_mib(pid: int) -> float:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=1_000_000)
    parser.add_argument("--parallel", type=int, default=4)
    parser.add_argument("--calls", type=int, default=200, help="baseline calls")
    args = parser.parse_args(argv)
    data = tempfile.mkdtemp(prefix="dgcp-limits-")
    port = _free_port()
    env = {**os.environ, "DGCP_DATA_DIR": data, "DGCP_SCORING_PORT": str(port), "DGCP_LOG_LEVEL": "WARNING"}
    env["DGCP_JWT_SECRET"] = env.get("DGCP_JWT_SECRET") or "bench-secret-" + "x" * 40
    os.environ["DGCP_JWT_SECRET"] = env["DGCP_JWT_SECRET"]
    proc = subprocess.Popen(
        [sys.executable, "-m", "services.scoring"], cwd=ROOT, env=env, stdout=subprocess.PIPE
    )
    try:
        assert proc.stdout is not None
        proc.stdout.readline()  # "scoring listening on ..."
        channel = grpc.insecure_channel(f"127.0.0.1:{port}", options=[("grpc.max_send_message_length", -1)])
        stub = pb_grpc.ScoringServiceStub(channel)
        who = md("reviewer", subject="not-an-expert")
        small = pb.SubmitScoreRequest(
            case="cases/x", items=[pb.CriterionScore(criterion_id="c", points=1)] * 20
        )

        def call(request: pb.SubmitScoreRequest) -> tuple[float, str]:
            started = time.perf_counter()
            try:
                stub.SubmitScore(request, metadata=who, timeout=120)
                reason = "OK"
            except grpc.RpcError as err:
                reason = details_of(err).reason
            return time.perf_counter() - started, reason

        for _ in range(20):
            call(small)
        cpu0 = cpu_seconds(proc.pid)
        base = [call(small)[0] for _ in range(args.calls)]
        base_cpu = (cpu_seconds(proc.pid) - cpu0) / args.calls
        print(
            f"baseline: small SubmitScore refused ({call(small)[1]}): "
            f"p50 {statistics.median(base) * 1000:.2f} ms, "
            f"server CPU {base_cpu * 1000:.3f} ms per call"
        )

        big = pb.SubmitScoreRequest(case="cases/x")
        big.items.extend([pb.CriterionScore(criterion_id="c", points=1.5)] * args.items)
        size = big.ByteSize()
        rss0, cpu0 = _rss_mib(proc.pid), cpu_seconds(proc.pid)
        took, reason = call(big)
        cpu = cpu_seconds(proc.pid) - cpu0
        print(
            f"{args.items:,} items ({size / 1e6:.1f} MB): {reason} in {took * 1000:.0f} ms, server CPU "
            f"{cpu * 1000:.0f} ms ({cpu / base_cpu:.0f}x the baseline call), RSS {rss0:.0f} -> "
            f"{_rss_mib(proc.pid):.0f} MiB"
        )

        stop = threading.Event()
        raw = channel.unary_unary("/dgcp.scoring.v1.ScoringService/SubmitScore")  # bytes as they are
        encoded = big.SerializeToString()  # once: the client's own encoding is not the server's cost
        floods = [0]

        def flood() -> None:
            while not stop.is_set():
                try:
                    raw(encoded, metadata=who, timeout=120)
                except grpc.RpcError:
                    floods[0] += 1

        threads = [threading.Thread(target=flood) for _ in range(args.parallel)]
        for t in threads:
            t.start()
        time.sleep(0.5)
        during = [call(small)[0] for _ in range(50)]
        stop.set()
        for t in threads:
            t.join()
        print(
            f"with {args.parallel} such requests in flight: a normal call p50 "
            f"{statistics.median(during) * 1000:.1f} ms, max {max(during) * 1000:.1f} ms "
            f"(ratio of p50 to baseline {statistics.median(during) / statistics.median(base):.1f}); "
            f"peak RSS {_rss_mib(proc.pid):.0f} MiB"
        )
        channel.close()
    finally:
        proc.terminate()
        proc.wait(10)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
