"""Print a signed caller token for local use: ``python -m scripts.mint_token authority [subject]``."""

from __future__ import annotations

import sys

from runtime import auth, config


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in set(auth.Role):
        roles = "|".join(auth.Role)
        print(f"usage: python -m scripts.mint_token {{{roles}}} [subject] [org]", file=sys.stderr)
        return 2
    role = auth.Role(argv[0])
    subject = argv[1] if len(argv) > 1 else f"local/{role}"
    org = argv[2] if len(argv) > 2 else ""
    print(auth.issue_token(config.jwt_secret(), subject=subject, role=role, org=org, ttl_seconds=8 * 3600))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
