"""``make image``: build the one container image, with docker where a daemon answers, else buildah.

    python -m scripts.image [--tag dgcp:local] [--pip-index-url URL] [--extra-ca FILE]
                            [--base-image IMAGE]

- docker when ``docker info`` answers (a client without a daemon does not count);
- else buildah (Debian's package ``buildah``), daemonless, from the same Dockerfile;
- else it stops and says why, exit code 2.

Build arguments: ``--pip-index-url`` (or ``PIP_INDEX_URL``) is the package index pip installs
from; ``--extra-ca`` (or ``EXTRA_CA``) a PEM file trusted besides Debian's CAs (a proxy's or a
mirror's). ``--base-image`` (or ``BASE_IMAGE``) is a local image that stands in for
``python:3.11-slim-bookworm`` where registries cannot be reached (for example one made with
debootstrap): it is tagged under that name and the build never pulls.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BASE = "python:3.11-slim-bookworm"


def builder() -> tuple[str | None, str]:
    """(tool, why): the builder to use, or None and the reason there is none."""
    docker = shutil.which("docker")
    if docker:
        try:
            answered = (
                subprocess.run([docker, "info"], capture_output=True, timeout=20, check=False).returncode == 0
            )
        except (OSError, subprocess.TimeoutExpired):
            answered = False
        if answered:
            return "docker", "a Docker daemon answers"
    if shutil.which("buildah"):
        return "buildah", "no Docker daemon; buildah builds without one"
    where = "the docker client is installed but no daemon answers" if docker else "docker is not installed"
    return None, f"no image builder: {where}, and buildah is not installed (apt-get install buildah)"


def build_command(
    tool: str, tag: str, *, pip_index_url: str = "", extra_ca: str = "", pull: bool = True
) -> list[str]:
    args: list[str] = []
    if pip_index_url:
        args += ["--build-arg", f"PIP_INDEX_URL={pip_index_url}"]
    if extra_ca:
        args += ["--build-arg", f"EXTRA_CA_CERT={Path(extra_ca).read_text()}"]
    if tool == "docker":
        return [
            "docker",
            "build",
            *args,
            *([] if pull else ["--pull=false"]),
            "-t",
            tag,
            "-f",
            "Dockerfile",
            ".",
        ]
    return [
        "buildah",
        "bud",
        "--layers",
        *args,
        *([] if pull else ["--pull-never"]),
        "-t",
        tag,
        "-f",
        "Dockerfile",
        ".",
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tag", default=os.environ.get("IMAGE", "dgcp:local"))
    parser.add_argument("--pip-index-url", default=os.environ.get("PIP_INDEX_URL", ""))
    parser.add_argument("--extra-ca", default=os.environ.get("EXTRA_CA", ""))
    parser.add_argument("--base-image", default=os.environ.get("BASE_IMAGE", ""))
    args = parser.parse_args(argv)
    tool, why = builder()
    if tool is None:
        print(f"make image: {why}", file=sys.stderr)
        return 2
    print(f"make image: {tool} ({why})", flush=True)
    if args.base_image:
        subprocess.run([tool, "tag", args.base_image, BASE], check=True)
    command = build_command(
        tool,
        args.tag,
        pip_index_url=args.pip_index_url,
        extra_ca=args.extra_ca,
        pull=not args.base_image,
    )
    return subprocess.run(command, cwd=ROOT, check=False).returncode


if __name__ == "__main__":
    sys.exit(main())
