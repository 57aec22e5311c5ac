"""Unified social credit codes (统一社会信用代码), GB 32100-2015.

18 characters: registration authority (1), organisation category (1),
administrative division (6 digits), organisation code with its own GB 11714
check character (9), and a final check character over the first 17.
"""

from __future__ import annotations

import random

CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # 31 characters: no I, O, S, V, Z
_VALUE = {c: i for i, c in enumerate(CHARSET)}
_WEIGHTS = [pow(3, i, 31) for i in range(17)]  # 1, 3, 9, 27, 19, 26, ...
_ORG_WEIGHTS = [3, 7, 9, 10, 5, 8, 4, 2]
_ORG_CHARS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def check_char(first17: str) -> str:
    total = sum(_VALUE[c] * w for c, w in zip(first17, _WEIGHTS, strict=True))
    return CHARSET[(31 - total % 31) % 31]


def org_check_char(body8: str) -> str:
    total = sum(_ORG_CHARS.index(c) * w for c, w in zip(body8, _ORG_WEIGHTS, strict=True))
    value = 11 - total % 11
    return {10: "X", 11: "0"}.get(value, str(value))


def problem(code: str) -> str | None:
    """Why ``code`` is not a valid credit code, or None when it is."""
    if len(code) != 18:
        return "must be 18 characters"
    if any(c not in _VALUE for c in code):
        return "may use only digits and the capitals of GB 32100 (no I, O, S, V, Z)"
    if not code[2:8].isdigit():
        return "characters 3-8 must be the administrative division code"
    if org_check_char(code[8:16]) != code[16]:
        return "the organisation code (characters 9-17) fails its GB 11714 check"
    if check_char(code[:17]) != code[17]:
        return "the check character (18th) does not match"
    return None


def synthesize(rng: random.Random, *, division: str = "441900", authority: str = "91") -> str:
    """A valid code for synthetic data (Dongguan's division 441900 by default)."""
    body = "".join(rng.choice("0123456789ABCDEFGHJKLMNPQRTUWXY") for _ in range(8))
    first17 = authority + division + body + org_check_char(body)
    if first17[16] not in _VALUE:  # GB 11714 may yield X: fine, X is in the charset
        return synthesize(rng, division=division, authority=authority)
    return first17 + check_char(first17)
