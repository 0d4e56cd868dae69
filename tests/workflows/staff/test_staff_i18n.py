"""The one Simplified Chinese catalogue is complete: every string of the code and templates has a translation, and
the committed .mo matches the .po."""

import ast
import gettext
import re
import shutil
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from django.utils import translation

from cases.constants import Status
from cases.exceptions import PermissionDenied
from tests.auth import sign_in

LOCALE = Path(settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES"


def po_entries(path: Path) -> dict[str, str]:
    """msgid -> msgstr of a .po file; of a plural entry, the singular msgid and its one form (Chinese has one). An
    entry with a gettext context (msgctxt) is keyed "context\x04msgid", as gettext stores it in the .mo."""
    entries, key, current = {}, None, {}
    for line in path.read_text(encoding="utf-8").splitlines() + [""]:
        field, _, rest = line.partition(" ")
        if field in ("msgctxt", "msgid", "msgid_plural", "msgstr", "msgstr[0]"):
            if field == "msgctxt" or (field == "msgid" and key != "msgctxt"):
                current = {}
            key = field
            current.setdefault(key, []).append(ast.literal_eval(rest))
        elif line.startswith('"') and key:
            current[key].append(ast.literal_eval(line))
        elif not line.strip() and key:
            msgstr = current.get("msgstr", current.get("msgstr[0]", []))
            context = "".join(current["msgctxt"]) + "\x04" if "msgctxt" in current else ""
            entries[context + "".join(current["msgid"])] = "".join(msgstr)
            key = None
    entries.pop("", None)  # the header
    return entries


def translated(catalog: gettext.GNUTranslations, key: str) -> str:
    context, _, msgid = key.rpartition("\x04")
    return catalog.pgettext(context, msgid) if context else catalog.gettext(msgid)


def test_every_string_has_a_translation_and_the_mo_is_current():
    entries = po_entries(LOCALE / "django.po")
    assert len(entries) > 300
    assert [msgid for msgid, msgstr in entries.items() if not msgstr] == []
    assert "#, fuzzy" not in (LOCALE / "django.po").read_text(encoding="utf-8")
    with open(LOCALE / "django.mo", "rb") as mo:
        catalog = gettext.GNUTranslations(mo)
    stale = [msgid for msgid, msgstr in entries.items() if translated(catalog, msgid) != msgstr]
    assert stale == [], "run: manage.py compilemessages -l zh_Hans"
    # placeholders survive translation
    for msgid, msgstr in entries.items():
        assert sorted(re.findall(r"%\(\w+\)\w|%s", msgid)) == sorted(re.findall(r"%\(\w+\)\w|%s", msgstr)), msgid


def test_makemessages_finds_nothing_new_untranslated_or_fuzzy(tmp_path, settings, monkeypatch):
    """Extract every string of the code and templates (as `makemessages -l zh_Hans` does) into a copy of the
    catalogue: a string the catalogue lacks comes out untranslated, one close to a known string comes out fuzzy."""
    root = Path(settings.BASE_DIR)
    for package in ("cases", "documents", "workflows", "config"):
        (tmp_path / package).symlink_to(root / package, target_is_directory=True)
    shutil.copytree(root / "locale", tmp_path / "locale")
    settings.LOCALE_PATHS = [tmp_path / "locale"]
    monkeypatch.chdir(tmp_path)
    call_command("makemessages", locale=["zh_Hans"], symlinks=True, verbosity=0)
    po = tmp_path / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
    extracted = po_entries(po)
    assert len(extracted) > 1000
    assert [msgid for msgid, msgstr in extracted.items() if not msgstr] == []
    fuzzy = [line for line in po.read_text(encoding="utf-8").splitlines() if line.startswith("#,") and "fuzzy" in line]
    assert fuzzy == []
    assert set(extracted) <= set(po_entries(LOCALE / "django.po"))


def test_domain_errors_and_labels_follow_the_language():
    with translation.override("zh-hans"):
        assert (str(PermissionDenied().message), str(Status.IN_PUBLICITY.label)) == ("您无权办理此案件。", "公示中")
    with translation.override("en"):
        assert (str(PermissionDenied().message), str(Status.IN_PUBLICITY.label)) == (
            "You may not act on this case.",
            "In publicity",
        )


@pytest.mark.django_db
def test_staff_pages_are_chinese_by_default_and_english_on_request(staff):
    client = Client()
    sign_in(client, staff.district_reviewer)
    assert "待公示的已审批案件" in client.get("/publicity/").content.decode()
    client.post("/i18n/setlang/", {"language": "en", "next": "/publicity/"})
    assert "Approved cases awaiting publicity" in client.get("/publicity/").content.decode()


@pytest.mark.django_db
def test_viewflow_pages_show_our_flow_in_chinese(programme, community, staff, rng):
    from cases.constants import ReviewLevel
    from tests.lifecycle import advance, submitted

    application, _ = submitted(programme=programme, community=community, rng=rng)
    advance(application, staff, through=ReviewLevel.COMMUNITY)
    client = Client()
    sign_in(client, staff.town[community.parent_id])
    page = client.get("/startup/queue/").content.decode()
    assert "镇街审核" in page and "创业补贴" in page
