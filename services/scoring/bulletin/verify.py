"""Verify downloaded bulletins offline with only the authority's public key.

    python -m services.scoring.bulletin.verify FOLDER --public-key authority.pub.pem

FOLDER is one version (``manifest.json``, ``manifest.json.sig`` and the files) or a tree of
versions, e.g. the published ``bulletins/`` folder with ``2026-10/v1/``, ``2026-10/v2/``, ...
For each version it checks that the signature over ``manifest.json`` verifies with the given key,
that the manifest names that key's fingerprint, that every listed file is there with its SHA-256
and that nothing unlisted lies beside them. Across versions it checks the hash chain: sequences
1..n without a gap, each manifest naming the SHA-256 of the one before. Every problem is printed
with its reason; the exit status is 0 only when nothing is wrong.

The same checks with plain tools (OpenSSL 3 and coreutils), per version folder::

    openssl pkeyutl -verify -pubin -inkey authority.pub.pem -rawin \\
        -in manifest.json -sigfile manifest.json.sig          # "Signature Verified Successfully"
    sha256sum bulletin.zh-CN.pdf                             # equals files[...].sha256 in manifest.json
    sha256sum manifest.json      # equals previous_manifest_sha256 in the next version's manifest

Only the standard library and ``cryptography`` are needed.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from services.scoring.bulletin.manifest import GENESIS, MANIFEST, SIGNATURE, parse_manifest, sha256
from services.scoring.bulletin.signing import fingerprint, load_public_key, verify_signature


@dataclass
class Checked:
    """One version as found: its manifest (if readable), its SHA-256 and what is wrong with it."""

    where: str
    sha256: str = ""
    manifest: dict[str, Any] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


def check_version(
    files: Mapping[str, bytes],
    public: Ed25519PublicKey,
    where: str = "",
    expected_sha256: str | None = None,
    *,
    check_files: bool = True,
) -> Checked:
    """Signature, key fingerprint and (with ``check_files``) every file of one version."""
    out = Checked(where)
    data = files.get(MANIFEST)
    if data is None:
        out.problems.append(f"{where}{MANIFEST} missing")
        return out
    out.sha256 = sha256(data)
    if expected_sha256 is not None and out.sha256 != expected_sha256:
        out.problems.append(f"{where}{MANIFEST} does not match the published SHA-256 {expected_sha256}")
    sig = files.get(SIGNATURE)
    if sig is None:
        out.problems.append(f"{where}{SIGNATURE} missing: the manifest is not signed")
    elif not verify_signature(public, data, sig):
        out.problems.append(f"{where}signature does not verify with the authority's public key")
    try:
        out.manifest = parse_manifest(data)
    except ValueError as err:
        out.problems.append(f"{where}{err}")
        return out
    if out.manifest["signing_key_fingerprint"] != fingerprint(public):
        out.problems.append(
            f"{where}manifest names key {out.manifest['signing_key_fingerprint']}, not this one"
        )
    if not check_files:
        return out
    listed = out.manifest["files"]
    for name, meta in sorted(listed.items()):
        if name not in files:
            out.problems.append(f"{where}{name} missing")
        elif sha256(files[name]) != meta.get("sha256"):
            out.problems.append(f"{where}{name} changed (SHA-256 differs from the manifest)")
    out.problems.extend(
        f"{where}{name} is not in the manifest"
        for name in sorted(files)
        if name not in listed and name not in (MANIFEST, SIGNATURE)
    )
    return out


def check_chain(versions: list[Checked], *, complete_from_genesis: bool = True) -> list[str]:
    """The hash chain over versions (any order): no gap, each link naming its predecessor."""
    problems: list[str] = []
    usable = sorted((v for v in versions if v.manifest), key=lambda v: int(v.manifest["sequence"]))
    if not usable:
        return problems
    by_seq: dict[int, Checked] = {}
    for v in usable:
        seq = int(v.manifest["sequence"])
        if seq in by_seq:
            problems.append(f"sequence {seq} appears twice ({by_seq[seq].where} and {v.where})")
        by_seq[seq] = v
    first = min(by_seq) if not complete_from_genesis else 1
    for seq in range(first, max(by_seq) + 1):
        link = by_seq.get(seq)
        if link is None:
            problems.append(f"version with sequence {seq} missing: the chain is broken there")
            continue
        v = link
        prev_sha = v.manifest["previous_manifest_sha256"]
        if seq == 1:
            if prev_sha != GENESIS:
                problems.append(f"{v.where}the first version must name no predecessor")
            continue
        before = by_seq.get(seq - 1)
        if before is not None and before.sha256 != prev_sha:
            problems.append(
                f"{v.where}names previous manifest {prev_sha[:16]}..., but sequence {seq - 1} "
                f"({before.where}) has {before.sha256[:16]}..."
            )
    return problems


def read_folder(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` by its path relative to it (POSIX separators)."""
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def version_folders(root: Path) -> list[Path]:
    if (root / MANIFEST).is_file():
        return [root]
    return sorted(p.parent for p in root.rglob(MANIFEST) if p.is_file())


def verify_tree(root: Path, public: Ed25519PublicKey) -> tuple[list[Checked], list[str]]:
    """Every version under ``root`` and the chain among them."""
    folders = version_folders(root)
    if not folders:
        return [], [f"no {MANIFEST} under {root}"]
    checked = []
    for folder in folders:
        rel = folder.relative_to(root).as_posix()
        where = "" if rel == "." else f"{rel}/"
        nested = {sub for sub in folders if sub != folder and folder in sub.parents}
        files = {
            name: data
            for name, data in read_folder(folder).items()
            if not any((folder / name).is_relative_to(sub) for sub in nested)
        }
        checked.append(check_version(files, public, where))
    problems = [p for c in checked for p in c.problems]
    problems += check_chain(checked, complete_from_genesis=len(folders) > 1)
    return checked, problems


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m services.scoring.bulletin.verify",
        description="Verify downloaded bulletin versions (signature, files, hash chain) offline.",
    )
    ap.add_argument("folder", type=Path, help="one version folder or a tree of them")
    ap.add_argument("--public-key", type=Path, required=True, help="the authority's public key (PEM)")
    args = ap.parse_args(argv)
    try:
        public = load_public_key(args.public_key.read_bytes())
    except (OSError, ValueError) as err:
        print(f"cannot read the public key: {err}", file=sys.stderr)
        return 2
    checked, problems = verify_tree(args.folder, public)
    print(f"public key {fingerprint(public)}")
    for c in sorted(checked, key=lambda c: int(c.manifest.get("sequence", 0) or 0)):
        m = c.manifest
        label = f"{m.get('period', '?')} v{m.get('version', '?')} ({m.get('kind', '?')})" if m else c.where
        state = "FAILED" if c.problems else "ok"
        print(f"  #{m.get('sequence', '?')} {label} sha256={c.sha256} {state}")
    for p in problems:
        print(f"PROBLEM: {p}")
    print("verified" if not problems else f"{len(problems)} problem(s)")
    return 0 if not problems else 1


if __name__ == "__main__":
    sys.exit(main())
