"""Lock contention and domain errors on the staff pages: translated message, the right status, nothing changed."""

from json import loads

import pytest
from django.test import Client, RequestFactory
from django.utils import translation
from viewflow.workflow.exceptions import FlowLockFailed

from cases.constants import ReviewLevel
from cases.exceptions import PermissionDenied, TaskAlreadyCompleted
from tests.auth import sign_in
from tests.lifecycle import advance, submitted
from workflows.engine import steps as flow_services
from workflows.middleware import DomainErrorMiddleware

pytestmark = pytest.mark.django_db


def respond(exception, language: str, accept: str = "text/html"):
    request = RequestFactory().post("/startup/1/town_review/2/execute/", HTTP_ACCEPT=accept)
    with translation.override(language):
        return DomainErrorMiddleware(lambda r: None).process_exception(request, exception)


@pytest.mark.parametrize(("language", "fragment"), [("en", "Someone else is working on this case"), ("zh-hans", "正由他人处理")])
def test_flow_lock_contention_is_a_translated_409(language, fragment):
    response = respond(FlowLockFailed("lock timeout"), language)
    assert response.status_code == 409
    assert fragment in response.content.decode()


@pytest.mark.parametrize(
    ("exception", "status", "english", "chinese"),
    [
        (PermissionDenied(), 403, "You may not act on this case.", "您无权办理此案件。"),
        (TaskAlreadyCompleted(), 409, "This task has already been completed.", "此任务已办结。"),
    ],
)
def test_domain_errors_are_translated_with_their_status(exception, status, english, chinese):
    for language, text in (("en", english), ("zh-hans", chinese)):
        html = respond(exception, language)
        assert (html.status_code, text in html.content.decode()) == (status, True)
        json = respond(exception, language, accept="application/json")
        assert (json.status_code, loads(json.content)["error"]) == (status, text)


def test_a_second_decision_on_a_done_task_answers_409_in_the_users_language(programme, community, staff, rng):
    application, _ = submitted(programme=programme, community=community, rng=rng)
    task = flow_services.open_task(application=application)
    advance(application, staff, through=ReviewLevel.COMMUNITY)
    client = Client()
    sign_in(client, staff.community[community.pk])
    url = f"/startup/{task.process_id}/accept/{task.pk}/execute/"
    form = {"decision": "pass", "opinion": "ok"}
    response = client.post(url, form, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 409
    assert "此任务已办结。" in response.content.decode()
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    response = client.post(url, form)
    assert response.status_code == 409
    assert "This task has already been completed." in response.content.decode()


@pytest.mark.parametrize(
    ("path", "login"),
    [("/", "/accounts/login/"), ("/startup/queue/", "/accounts/login/"), ("/portal/loans/", "/portal/login/")],
)
def test_an_anonymous_visitor_is_sent_to_the_login_page_and_back(path, login):
    response = Client().get(path)
    assert (response.status_code, response["Location"]) == (302, f"{login}?next={path}")


def test_a_signed_in_user_refused_a_page_reads_why_in_chinese(staff):
    client = sign_in(Client(), staff.town[next(iter(staff.town))])
    refused = client.get("/finance/batches/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    html = refused.content.decode()
    assert refused.status_code == 403
    assert '<html lang="zh-Hans">' in html and "<h1>无权访问</h1>" in html


def test_the_start_page_leads_each_role_to_its_own_work(staff, applicant_user):
    for user, target in (
        (staff.community[next(iter(staff.community))], "/queue/"),
        (staff.town[next(iter(staff.town))], "/queue/"),
        (staff.approver, "/queue/"),
        (staff.finance_maker, "/finance/batches/"),
        (applicant_user, "/portal/"),
    ):
        response = sign_in(Client(), user).get("/")
        assert (response.status_code, response["Location"]) == (302, target)
