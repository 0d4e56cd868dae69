"""Names a person types (applicants, businesses, account holders, objectors, shareholders): printed on official
notices, so they carry no markup and nothing that changes how the text around them is shown.

Refused, each with its own reason:
- `<` and `>`: no HTML tag (templates escape anyway; a name with a tag is never a real name).
- Bidirectional controls (U+202A-U+202E, U+2066-U+2069, U+200E, U+200F, U+061C): a right-to-left override
  reorders the rest of a line, so "王五 ¥3000" could print as a different amount.
- Every other control or format character (Unicode categories Cc, Cf, Cs, Zl, Zp): tabs, line breaks, zero-width
  spaces and joiners, soft hyphens, byte-order marks. Chinese names need none of them; a zero-width character makes
  two names that look the same compare different. The zero-width joiner is refused too (it only joins emoji).

Accepted: every assigned or not-yet-known character of any other category, so CJK Extension B-H ideographs
(𠀀 U+20000, 𪚥 U+2A6A5) and ideographic variation selectors (U+E0100-U+E01EF, category Mn) pass.
"""

import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

MARKUP = frozenset("<>")
BIDI_CONTROLS = frozenset(
    [chr(c) for c in range(0x202A, 0x202F)] + [chr(c) for c in range(0x2066, 0x206A)] + ["\u200e", "\u200f", "\u061c"]
)
REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})


def validate_name(value: str) -> None:
    """Raise ValidationError naming the first refused character of a name (see the module docstring)."""
    for char in value or "":
        if char in MARKUP:
            raise ValidationError(_("A name may not contain “<” or “>” (no markup)."), code="markup")
        if char in BIDI_CONTROLS:
            raise ValidationError(
                _("A name may not contain a text direction control character (U+%(code)s): it changes the order of the text."),
                code="bidi",
                params={"code": f"{ord(char):04X}"},
            )
        if unicodedata.category(char) in REFUSED_CATEGORIES:
            raise ValidationError(
                _("A name may not contain a control or invisible formatting character (U+%(code)s)."),
                code="control",
                params={"code": f"{ord(char):04X}"},
            )
