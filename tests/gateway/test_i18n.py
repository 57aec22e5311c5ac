"""The gettext catalogues cover everything a person can be shown, in both languages.

Reasons are found by reading the services' and runtime's source (every
``DomainError`` subclass raised with a literal reason, every ``FieldViolation``
with one, every ``reason=`` keyword), so a new reason without a translation
fails here, not in front of a user.
"""

from __future__ import annotations

import ast
import re
import string
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from dgcp.assignment.v1 import assignment_pb2
from dgcp.scoring.v1 import scoring_pb2, standings_pb2
from dgcp.surveys.v1 import surveys_pb2
from gateway import i18n

ROOT = Path(__file__).resolve().parents[2]
ERRORS = {
    "DomainError",
    "InvalidArgument",
    "NotFound",
    "AlreadyExists",
    "FailedPrecondition",
    "PermissionDenied",
    "Unauthenticated",
    "Aborted",
    "Unavailable",
    "DeadlineExceeded",
    "ResourceExhausted",
    "OutOfRange",
    "Internal",
}
_UPPER = re.compile(r"^[A-Z][A-Z0-9_]+$")


def service_reasons() -> dict[str, set[str]]:
    """Every literal reason the services and the runtime can send, with where it is raised."""
    found: dict[str, set[str]] = {}
    for root in ("services", "runtime", "gateway"):
        for path in (ROOT / root).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if not isinstance(node, ast.Call):
                    continue
                func = node.func
                name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
                candidates: list[ast.expr] = []
                if (name in ERRORS or name.endswith(("Error", "Exhausted", "Failed"))) and node.args:
                    candidates.append(node.args[0])
                if name == "FieldViolation" and len(node.args) >= 3:
                    candidates.append(node.args[2])
                candidates += [kw.value for kw in node.keywords if kw.arg == "reason"]
                for c in candidates:
                    if isinstance(c, ast.Constant) and isinstance(c.value, str) and _UPPER.match(c.value):
                        found.setdefault(c.value, set()).add(str(path.relative_to(ROOT)))
    return found


def test_the_scan_finds_the_reasons_it_should() -> None:
    """The scan is not vacuous: reasons known to exist in each service are found."""
    found = service_reasons()
    for reason in (
        "PANEL_LOCKED",
        "COMMENT_REQUIRED",
        "INVALID_CREDIT_CODE",
        "INVITATION_USED",
        "TEXT_TOO_LONG",
    ):
        assert reason in found
    assert len(found) > 100


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_service_reason_has_text_in_both_languages(lang: str) -> None:
    missing = {r: sorted(w) for r, w in service_reasons().items() if not i18n.known(lang, f"reason.{r}")}
    assert not missing, f"add reason.<REASON> to gateway/locale/*/messages.po: {missing}"


def _enum_values() -> list[str]:
    out = []
    for module in (assignment_pb2, scoring_pb2, standings_pb2, surveys_pb2):
        for enum in module.DESCRIPTOR.enum_types_by_name.values():
            out += [v.name for v in enum.values if v.number != 0]
    return out


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_enum_value_has_a_display_name(lang: str) -> None:
    values = _enum_values()
    assert "FLAG_LEVEL_PROPOSE_NOTICE" in values
    missing = [v for v in values if not i18n.known(lang, f"enum.{v}")]
    assert not missing, f"add enum.<VALUE> to gateway/locale/*/messages.po: {missing}"


_KEY_USES = (
    re.compile(r"""\bt\(\s*['"]([a-z][\w.]*)['"]"""),
    re.compile(r"""\b_\(\s*['"]([a-z][\w.]*)['"]"""),
    re.compile(r"""\bmessage\(\s*request,\s*['"]([a-z][\w.]*)['"]"""),
)


def _used_keys() -> dict[str, str]:
    used: dict[str, str] = {}
    files = [*(ROOT / "gateway" / "templates").rglob("*.html"), *(ROOT / "gateway").glob("*.py")]
    files = [f for f in files if f.name != "i18n.py"]  # its docstring shows the syntax
    for path in files:
        text = path.read_text(encoding="utf-8")
        for pattern in _KEY_USES:
            for key in pattern.findall(text):
                if not key.endswith("."):  # a prefix joined with a value (``'grade.' ~ g``)
                    used[key] = str(path.relative_to(ROOT))
    return used


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_key_the_pages_use_is_in_both_catalogues(lang: str) -> None:
    used = _used_keys()
    assert "site" in used and "save_score" in used
    missing = {k: w for k, w in used.items() if not i18n.known(lang, k)}
    assert not missing, missing


def _fields(text: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(text) if f}


def test_catalogues_have_the_same_keys_and_placeholders_and_nothing_fuzzy() -> None:
    cats = {}
    for lang in i18n.LOCALES:
        with i18n.po_path(lang).open("rb") as fh:
            cat = read_po(fh)
        assert not [m.id for m in cat if m.id and m.fuzzy], f"{lang}: fuzzy entries"
        assert not [m.id for m in cat if m.id and not m.string], f"{lang}: untranslated entries"
        cats[lang] = {str(m.id): str(m.string) for m in cat if m.id}
    zh, en = cats["zh"], cats["en"]
    assert zh.keys() == en.keys(), zh.keys() ^ en.keys()
    for key in zh:
        assert _fields(zh[key]) == _fields(en[key]), key


def test_translator_fills_placeholders_and_enum_labels_and_reasons() -> None:
    assert i18n.translator("zh")("activate_intro", user="a", n=12).startswith("请为账户 a")
    assert i18n.enum_label("zh", "FLAG_LEVEL_PROPOSE_NOTICE") == "拟通报"
    assert i18n.enum_label("en", "NOTICE_STATE_APPROVED") == "approved"
    assert i18n.reason_text("zh", "STATEMENT_ALREADY_FILED") == "陈述申辩已提交，不能更改。"
    assert i18n.reason_text("en", "NO_SUCH_REASON", "fallback") == "fallback"
