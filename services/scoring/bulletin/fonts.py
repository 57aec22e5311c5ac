"""The TrueType fonts the PDFs embed (subset), closest to what GB/T 9704-2012 prescribes.

GB/T 9704 sets the title in 小标宋, the body in 仿宋 and first-level headings in 黑体; those
fonts are not free. The closest fonts Debian ships as TrueType (which reportlab embeds as subsets):

=========  ====================================  =========================  ====================
role       GB/T 9704                             font                       Debian package
=========  ====================================  =========================  ====================
title      小标宋 (bold Song)                    AR PL UMing CN (明/宋体)   fonts-arphic-uming
body       仿宋 (imitation Song)                 AR PL UKai CN (楷体)       fonts-arphic-ukai
heading    黑体 (sans)                           WenQuanYi Micro Hei        fonts-wqy-microhei
=========  ====================================  =========================  ====================

``make tools`` / ``make run`` install them (root) or say which package is missing. A role whose
font is absent takes another of the three; with none of them, publishing is refused
(``FONTS_MISSING``) instead of producing a PDF with unembedded fonts or replacement glyphs.
``DGCP_BULLETIN_FONT_DIR`` adds a folder searched first.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

PACKAGES = ("fonts-arphic-uming", "fonts-arphic-ukai", "fonts-wqy-microhei")

# (role, file name, subfont index in the .ttc, registered name)
_CANDIDATES: dict[str, tuple[tuple[str, int], ...]] = {
    "title": (("uming.ttc", 0), ("ukai.ttc", 0), ("wqy-microhei.ttc", 0)),
    "body": (("ukai.ttc", 0), ("uming.ttc", 0), ("wqy-microhei.ttc", 0)),
    "heading": (("wqy-microhei.ttc", 0), ("wqy-zenhei.ttc", 0), ("uming.ttc", 0), ("ukai.ttc", 0)),
}
_DIRS = (
    "/usr/share/fonts/truetype/arphic",
    "/usr/share/fonts/truetype/wqy",
    "/usr/share/fonts/truetype",
    "/usr/local/share/fonts",
)


class FontsMissingError(RuntimeError):
    """None of the CJK TrueType fonts is installed."""


@dataclass(frozen=True)
class FontSet:
    title: str
    body: str
    heading: str
    files: tuple[str, ...]

    def covers(self, text: str, role: str = "body") -> bool:
        face = pdfmetrics.getFont(getattr(self, role)).face  # type: ignore[attr-defined]
        return all(ord(c) in face.charToGlyph or c in "\n\r\t" for c in text)


def _find(name: str) -> Path | None:
    extra = os.environ.get("DGCP_BULLETIN_FONT_DIR", "").strip()
    for folder in ((extra,) if extra else ()) + _DIRS:
        path = Path(folder) / name
        if path.is_file():
            return path
    return None


@cache
def fonts() -> FontSet:
    """Register the three roles' fonts with reportlab (once) and name them."""
    chosen: dict[str, str] = {}
    files: list[str] = []
    for role, candidates in _CANDIDATES.items():
        for file_name, index in candidates:
            path = _find(file_name)
            if path is None:
                continue
            registered = f"dgcp-{path.stem}-{index}"
            if registered not in pdfmetrics.getRegisteredFontNames():
                pdfmetrics.registerFont(TTFont(registered, str(path), subfontIndex=index))
            chosen[role] = registered
            files.append(str(path))
            break
        else:
            raise FontsMissingError(
                "no CJK TrueType font for the bulletin PDF; install the Debian packages " + " ".join(PACKAGES)
            )
    return FontSet(chosen["title"], chosen["body"], chosen["heading"], tuple(dict.fromkeys(files)))
