"""viewflow's pages in the project's one design and in Simplified Chinese: the project's templates override
viewflow's, the project's catalogue translates viewflow's strings (gettext contexts included), and no English word
of viewflow's interface is left on the zh-hans queue, task and dashboard pages."""

import ast
import re
from pathlib import Path

import pytest
import viewflow
from django.conf import settings
from django.template.loader import get_template
from django.test import Client
from django.utils import translation

from cases.constants import ReviewLevel, Role
from tests.auth import sign_in
from tests.conftest import make_user
from tests.lifecycle import advance, submitted
from tests.workflows.staff.pages import english_segments, visible_text
from workflows.engine import steps as flow_services

VIEWFLOW = Path(viewflow.__file__).parent
OVERRIDES = Path(settings.BASE_DIR) / "workflows" / "templates" / "viewflow"


def viewflow_english() -> set[str]:
    """viewflow's interface strings: every msgid of its catalogue, every {% trans %} of its templates and every
    _("...") of its workflow code, whitespace collapsed."""
    found: set[str] = set()
    po = (VIEWFLOW / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po").read_text(encoding="utf-8")
    for block in po.split("\n\n"):
        lines = [line for line in block.splitlines() if not line.startswith("#")]
        msgid, inside = [], False
        for line in lines:
            if line.startswith("msgid "):
                inside = True
                msgid.append(ast.literal_eval(line[6:]))
            elif line.startswith('"') and inside:
                msgid.append(ast.literal_eval(line))
            else:
                inside = False
        found.add("".join(msgid))
    for template in (VIEWFLOW / "templates").rglob("*.html"):
        found.update(re.findall(r"""\{%\s*trans(?:late)?\s+["']([^"']+)["']""", template.read_text(encoding="utf-8")))
    for module in (VIEWFLOW / "workflow").rglob("*.py"):
        found.update(re.findall(r"""\b_\(\s*["']([^"']+)["']""", module.read_text(encoding="utf-8")))
    return {" ".join(s.split()) for s in found if re.search(r"[A-Za-z]{2,}", s)}


def leftovers(html: str, english: set[str]) -> list[str]:
    """Visible segments that are (or contain the fixed words of) one of viewflow's English strings, and any
    segment that reads as English."""
    segments = visible_text(html)
    text = " | ".join(segments)
    hits = set(english_segments(segments))
    for source in english:
        for fragment in re.split(r"\{\w*\}|%\(\w+\)[sd]|%s", source):
            fragment = fragment.strip(" .:#")
            if re.search(r"[A-Za-z]{2,}", fragment) and re.search(rf"(?<![A-Za-z_\-]){re.escape(fragment)}(?![A-Za-z_\-])", text):
                hits.add(fragment)
    return sorted(hits)


def test_the_project_templates_override_viewflows():
    for name in (
        "viewflow/base_page.html",
        "viewflow/views/list.html",
        "viewflow/workflow/process_dashboard.html",
        "viewflow/workflow/task_detail.html",
        "viewflow/workflow/task_assign.html",
    ):
        assert Path(get_template(name).origin.name) == OVERRIDES / name.removeprefix("viewflow/"), name


def test_viewflow_strings_with_a_gettext_context_are_translated():
    with translation.override("zh-hans"):
        assert translation.pgettext("STATUS", "Done") == "已完成"
        assert translation.pgettext("STATUS", "New") == "待办"
        assert translation.gettext("Task {task} has been assigned.") == "任务 {task} 已认领。"
        assert translation.gettext("Queue") == "待认领队列"


@pytest.fixture
def waiting_at_town(programme, community, staff, rng):
    application, _ = submitted(programme=programme, community=community, rng=rng)
    return advance(application, staff, through=ReviewLevel.COMMUNITY)


@pytest.mark.django_db
def test_no_english_word_of_viewflow_on_the_chinese_queue_task_and_dashboard_pages(waiting_at_town, staff, community):
    english = viewflow_english()
    assert {"Queue", "Inbox", "Assign", "Dashboard", "Previous tasks"} <= english
    task = flow_services.open_task(application=waiting_at_town)
    base = f"/startup/{task.process_id}/{task.flow_task.name}/{task.pk}"
    client = Client()
    sign_in(client, staff.town[community.parent_id])
    pages = {}
    for path in (
        "/startup/",
        "/startup/queue/",
        "/startup/inbox/",
        "/startup/archive/",
        "/startup/flows/",
        "/startup/tasks/",
        f"/startup/{task.process_id}/",
        f"{base}/detail/",
        f"{base}/assign/",
    ):
        response = client.get(path)
        assert response.status_code == 200, path
        pages[path] = response.content.decode()
    claimed = client.post(f"{base}/assign/", {"_continue": "1"}, follow=True)
    pages["after claiming"] = claimed.content.decode()
    assert claimed.redirect_chain[-1][0] == f"{base}/execute/"
    for path in ("/startup/inbox/", f"{base}/execute/", f"{base}/detail/", f"{base}/unassign/"):
        pages[f"{path} (claimed)"] = client.get(path).content.decode()

    found = {path: leftovers(html, english) for path, html in pages.items()}
    assert {path: words for path, words in found.items() if words} == {}
    assert "待认领队列" in pages["/startup/queue/"] and "我的待办" in pages["/startup/inbox/"]
    assert '<html lang="zh-Hans">' in pages["/startup/queue/"]


@pytest.mark.django_db
def test_the_same_pages_read_in_english_after_the_switch(waiting_at_town, staff, community):
    client = Client()
    sign_in(client, staff.town[community.parent_id])
    client.post("/i18n/setlang/", {"language": "en", "next": "/startup/queue/"})
    page = client.get("/startup/queue/").content.decode()
    assert '<html lang="en">' in page
    assert "Work queue" in page and "Town review" in page and "待认领队列" not in page


@pytest.mark.django_db
def test_every_menu_entry_of_each_role_leads_to_its_pages(district, community, staff):
    from workflows.staff.menu import staff_menu

    def menu(user, path="/cases/"):
        client = Client()
        sign_in(client, user)
        response = client.get(path)
        with translation.override("en"):
            return [(entry.label, entry.url) for entry in staff_menu(response.wsgi_request)]

    assert menu(staff.finance_maker)[0] == ("Finance", "/finance/batches/")
    town = menu(staff.town[community.parent_id])
    assert [label for label, _ in town] == ["My tasks", "Work queue", "Archive", "Cases", "Loan book"]
    assert ("Statistics", "/statistics/") in menu(make_user("manager-1", Role.MANAGER, district))
    district_reviewer = menu(staff.district_reviewer)
    assert ("Publicity", "/publicity/") in district_reviewer
    assert ("Venture rounds", "/venture/rounds/") in district_reviewer
    bank = make_user("bank-1", Role.BANK_OFFICER, district)
    assert menu(bank, "/loans/book/") == [("Loan book", "/loans/book/")]
    expert = make_user("expert-1", Role.EXPERT, district)
    assert menu(expert, "/venture/rounds/") == [("Venture rounds", "/venture/rounds/")]


@pytest.mark.django_db
def test_an_anonymous_visitor_of_the_start_page_is_sent_to_the_login():
    response = Client().get("/")
    assert (response.status_code, response["Location"]) == (302, "/accounts/login/?next=/")
    login = Client().get("/accounts/login/").content.decode()
    assert '<html lang="zh-Hans">' in login and "登录" in login
