"""Copy the google/api protos from the googleapis-common-protos wheel into
``third_party/`` for buf (lint ignores that tree; it is not committed)."""

from __future__ import annotations

import shutil
from pathlib import Path

from google.api import annotations_pb2

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    src = Path(annotations_pb2.__file__).resolve().parent
    dst = ROOT / "third_party" / "google" / "api"
    dst.mkdir(parents=True, exist_ok=True)
    for proto in src.glob("*.proto"):
        shutil.copyfile(proto, dst / proto.name)


if __name__ == "__main__":
    main()
