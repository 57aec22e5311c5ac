"""Regenerate the Python code for every contract under ``protos/``.

One command (``make protos``) writes ``dgcp/...`` (the importable package ``dgcp``) with message modules,
gRPC stubs and ``.pyi`` stubs. ``--check`` regenerates into a temporary folder
and fails when ``dgcp/`` differs, so stale generated code cannot land.
"""

from __future__ import annotations

import argparse
import filecmp
import sys
import tempfile
from importlib import resources
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROTOS = ROOT / "protos"
GEN = ROOT  # protoc writes dgcp/<svc>/v1/*.py under the repository root


def _include_dirs() -> list[str]:
    from google.api import annotations_pb2  # the wheel ships google/api/*.proto too

    googleapis = Path(annotations_pb2.__file__).resolve().parent.parent.parent
    well_known = resources.files("grpc_tools") / "_proto"
    return [str(PROTOS), str(googleapis), str(well_known)]


def generate(out: Path) -> None:
    from grpc_tools import protoc

    sources = sorted(str(p.relative_to(PROTOS)) for p in PROTOS.rglob("*.proto"))
    out.mkdir(parents=True, exist_ok=True)
    args = [
        "grpc_tools.protoc",
        *(f"-I{d}" for d in _include_dirs()),
        f"--python_out={out}",
        f"--pyi_out={out}",
        f"--grpc_python_out={out}",
        *sources,
    ]
    if protoc.main(args) != 0:
        raise SystemExit("protoc failed")
    for d in [out / "dgcp", *(p for p in (out / "dgcp").rglob("*") if p.is_dir())]:
        (d / "__init__.py").touch()


def _differences(a: Path, b: Path) -> list[str]:
    cmp = filecmp.dircmp(a, b, ignore=["__pycache__"])
    diffs = [*cmp.left_only, *cmp.right_only, *cmp.diff_files]
    out = [str(a / name) for name in diffs]
    for sub in cmp.common_dirs:
        out += _differences(a / sub, b / sub)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="fail if dgcp/ is stale")
    args = parser.parse_args()
    if not args.check:
        generate(GEN)
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        generate(Path(tmp))
        stale = _differences(GEN / "dgcp", Path(tmp) / "dgcp")
    if stale:
        print("dgcp/ is stale; run `make protos`:", *stale, sep="\n  ", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
