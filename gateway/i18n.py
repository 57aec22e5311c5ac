"""Interface text in Simplified Chinese (default) and English, from gettext catalogues.

The catalogues are ``gateway/locale/<locale>/LC_MESSAGES/messages.po`` (``zh_CN``
and ``en``), edited as text and compiled in memory with Babel when the gateway
first needs them (a few milliseconds; no ``.mo`` file is committed, so the
source cannot drift from a compiled copy). Message ids are stable keys, not
English sentences: ``login``, ``reason.PANEL_LOCKED`` (an ErrorInfo or field
violation reason a service sends), ``enum.FLAG_LEVEL_WATCH`` (a proto enum
value's display name), ``criterion.<rubric series>.<id>`` and so on. Both
catalogues carry every key; ``tests/gateway/test_i18n.py`` fails when a key a
template or page uses, or a reason a service can raise, lacks either language.

Templates use Jinja2's i18n extension (``{{ _('key') }}``, ``{% trans %}``) or
the ``t(key, **values)`` helper (``str.format`` placeholders such as ``{n}``).
How to add a string: gateway/README.md.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from io import BytesIO
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "messages"
# Page language code → gettext locale directory.
LOCALES = {"zh": "zh_CN", "en": "en"}
DEFAULT = "zh"


def po_path(lang: str) -> Path:
    return LOCALE_DIR / LOCALES[lang] / "LC_MESSAGES" / f"{DOMAIN}.po"


@functools.cache
def catalogue(lang: str) -> dict[str, str]:
    """Every translated key of ``lang`` (untranslated and fuzzy entries left out)."""
    with po_path(lang).open("rb") as fh:
        cat = read_po(fh, locale=LOCALES[lang])
    return {
        str(m.id): str(m.string) for m in cat if m.id and isinstance(m.id, str) and m.string and not m.fuzzy
    }


@functools.cache
def translations(lang: str) -> Translations:
    """The compiled gettext catalogue of ``lang`` (compiled from the .po in memory)."""
    lang = lang if lang in LOCALES else DEFAULT
    with po_path(lang).open("rb") as fh:
        cat = read_po(fh, locale=LOCALES[lang])
    buf = BytesIO()
    write_mo(buf, cat)
    buf.seek(0)
    compiled = Translations(buf, domain=DOMAIN)
    if lang != DEFAULT:
        # A key missing in English falls back to the Chinese text, never to the bare key.
        compiled.add_fallback(translations(DEFAULT))
    return compiled


def known(lang: str, key: str) -> bool:
    return key in catalogue(lang if lang in LOCALES else DEFAULT)


def translator(lang: str) -> Callable[..., str]:
    """``t(key, **values)``: the text of ``key`` in ``lang`` with ``{name}`` placeholders filled."""
    gettext = translations(lang).gettext

    def t(key: str, **kw: object) -> str:
        text = gettext(key)
        return text.format(**kw) if kw else text

    return t


def enum_label(lang: str, value: str) -> str:
    """A proto enum value's display name (``FLAG_LEVEL_WATCH`` → 关注); unknown values as they are."""
    if not value:
        return ""
    key = f"enum.{value}"
    return translator(lang)(key) if known(lang, key) else value


def reason_text(lang: str, reason: str, fallback: str = "") -> str:
    """What a service's reason means for the person reading (``fallback`` when it is unknown)."""
    key = f"reason.{reason}"
    if reason and known(lang, key):
        return translator(lang)(key)
    return fallback or translator(lang)("error")


def add_strings(entries: list[tuple[str, str, str]]) -> None:
    """Add or replace ``(key, zh, en)`` entries in both catalogues (kept sorted by key)."""
    from babel.messages.pofile import write_po

    for lang, index in (("zh", 1), ("en", 2)):
        path = po_path(lang)
        with path.open("rb") as fh:
            cat = read_po(fh, locale=LOCALES[lang])
        for entry in entries:
            cat.add(entry[0], entry[index])
        buf = BytesIO()
        write_po(buf, cat, width=0, sort_output=True, omit_header=False)
        path.write_bytes(buf.getvalue())
    catalogue.cache_clear()
    translations.cache_clear()


def main(argv: list[str] | None = None) -> None:
    """``python -m gateway.i18n KEY ZH EN``: add one string to both catalogues."""
    import sys

    args = sys.argv[1:] if argv is None else argv
    if len(args) != 3:
        raise SystemExit("usage: python -m gateway.i18n KEY 中文 English")
    add_strings([(args[0], args[1], args[2])])


if __name__ == "__main__":
    main()
