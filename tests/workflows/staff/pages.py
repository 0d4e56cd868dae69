"""The visible text of a staff page, as a reader of the zh-hans page meets it: text nodes and the labels a screen
reader announces (aria-label, title, alt, placeholder, button values), without scripts, styles, and without the
parts marked as another language (lang="en": the language switch's "English") or as keys (<kbd>)."""

import re
from html.parser import HTMLParser

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
ANNOUNCED = ("aria-label", "title", "alt", "placeholder")


class _VisibleText(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[bool] = []  # per open element: is its subtree hidden from this check?
        self.segments: list[str] = []

    def _hidden(self) -> bool:
        return bool(self.stack) and self.stack[-1]

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        hidden = self._hidden() or tag in ("script", "style", "kbd") or (attrs.get("lang") or "").startswith("en")
        if not hidden:
            for name in ANNOUNCED:
                if attrs.get(name):
                    self.segments.append(attrs[name])
            if tag == "input" and attrs.get("type") in ("submit", "button") and attrs.get("value"):
                self.segments.append(attrs["value"])
        if tag not in VOID:
            self.stack.append(hidden)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.stack.pop()

    def handle_endtag(self, tag):
        if tag not in VOID and self.stack:
            self.stack.pop()

    def handle_data(self, data):
        if not self._hidden() and data.strip():
            self.segments.append(" ".join(data.split()))


def visible_text(html: str) -> list[str]:
    parser = _VisibleText()
    parser.feed(html)
    return parser.segments


def english_segments(segments: list[str]) -> list[str]:
    """Segments that read as English words: letters and spaces only (a user name, a file name or a case number has
    digits, dots, hyphens or underscores and is data, not interface)."""
    return [
        s
        for s in segments
        if re.fullmatch(r"[A-Za-z][A-Za-z ,.!?'’:]*", s) and re.search(r"[A-Za-z]{2,}", s) and not re.search(r"\.[A-Za-z]", s)
    ]
