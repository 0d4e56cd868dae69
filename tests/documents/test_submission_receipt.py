"""The submission receipt (受理回执): issued once at submission through the outbox, printing the documents received,
the service phone and the expected decision date counted on the official working-day calendar."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from cases import calendar
from cases.models import CalendarDay, OutboxItem
from cases.selectors import application_decision_expected_on
from documents.models import Document
from documents.services import document_issue_owed
from tests.documents.pdf import pdf_flat_text, pdf_text
from tests.lifecycle import submitted
from workflows.engine.outbox import outbox_redispatch

pytestmark = pytest.mark.django_db

# Wednesday 30 September 2026, 10:00 in Shanghai (02:00 UTC): the day before the National Day holiday.
SUBMITTED_AT = dt.datetime(2026, 9, 30, 2, 0, tzinfo=dt.UTC)
# The 2026 National Day arrangement (国务院办公厅): 1-7 October off, Saturday 10 October a make-up working day (调休).
NATIONAL_DAY = [(dt.date(2026, 10, day), False, "国庆节、中秋节") for day in range(1, 8)] + [
    (dt.date(2026, 10, 10), True, "国庆节调休上班")
]


@pytest.fixture
def frozen():
    """Requested first, so the programme's budget year and every date after it see the frozen clock."""
    with time_machine.travel(SUBMITTED_AT, tick=False):
        yield


@pytest.fixture
def national_day(db):
    for day, working, name in NATIONAL_DAY:
        CalendarDay.objects.create(date=day, is_working_day=working, name=name)
    calendar.clear_cache()
    yield
    calendar.clear_cache()


def _receipt(application) -> Document:
    return Document.objects.get(application=application, kind="submission_receipt")


def test_receipt_prints_the_expected_decision_date_across_national_day(
    frozen, national_day, programme, community, rng, run_on_commit, settings
):
    settings.SERVICE_PHONE = "0571-86100000"
    # given the start-up programme's limits: community 5 + town 5 + district 10 + approval 10 = 30 working days
    rules = programme.current_rules
    assert [rules.days_for(level) for level in rules.review_levels] == [5, 5, 10, 10]
    # when a case is submitted on Wednesday 30 September 2026 (Shanghai)
    application, _ = run_on_commit(submitted, programme=programme, community=community, rng=rng)
    assert timezone.localdate(application.submitted_at) == dt.date(2026, 9, 30)
    # then the decision is expected on Tuesday 17 November 2026. By hand, counting from the day after submission:
    #   1-7 Oct      holiday, not counted
    #   Thu 8, Fri 9 Oct                 ->  2
    #   Sat 10 Oct   make-up working day ->  3
    #   12-16 Oct                        ->  8
    #   19-23 Oct                        -> 13
    #   26-30 Oct                        -> 18
    #   2-6 Nov                          -> 23
    #   9-13 Nov                         -> 28
    #   Mon 16 Nov                       -> 29
    #   Tue 17 Nov                       -> 30
    # (without the holiday the 30th working day would be Wednesday 11 November)
    expected = dt.date(2026, 11, 17)
    assert application_decision_expected_on(application=application) == expected
    # and the receipt, issued in the step's outbox, prints it with the number, the date, what was received and the phone
    receipt = _receipt(application)
    assert receipt.number == "仓前社区人社创收〔2026〕00001号"
    text = pdf_flat_text(receipt.file.open("rb").read())
    assert "受理回执" in text
    assert "预计办结日期：2026年11月17日" in text
    assert "2026年9月30日" in text  # submitted, and issued, that day
    assert "合计30个工作日" in text
    assert "咨询电话：0571-86100000" in text
    for label in ("居民身份证", "营业执照", "经营场所租赁合同", "社会保险缴费记录", "银行账户证明"):
        assert label in text
    assert application.number in pdf_text(receipt.file.open("rb").read())


def test_receipt_is_issued_once(programme, community, rng, run_on_commit):
    # given a submitted case whose receipt was issued after commit
    application, _ = run_on_commit(submitted, programme=programme, community=community, rng=rng)
    receipt = _receipt(application)
    item = OutboxItem.objects.get(key=receipt.step_key)
    assert item.done_at is not None and item.key.startswith(f"submission_receipt:case:{application.pk}:")
    # when the owed item is delivered again (a duplicate message) and beat re-dispatches everything pending
    assert document_issue_owed(item_id=item.pk) is None
    outbox_redispatch(now=timezone.now() + dt.timedelta(days=1))
    # then there is still one receipt, with the same number, and one outbox item for it
    assert Document.objects.filter(application=application, kind="submission_receipt").count() == 1
    assert _receipt(application).number == receipt.number
    assert OutboxItem.objects.filter(key__startswith="submission_receipt:").count() == 1


def test_receipt_is_verifiable(programme, community, rng, run_on_commit, client):
    application, _ = run_on_commit(submitted, programme=programme, community=community, rng=rng)
    receipt = _receipt(application)
    page = client.get(f"/verify/{receipt.token}").content.decode()
    assert receipt.number in page and receipt.sha256 in page
    assert application.applicant.id_number not in page


def test_an_english_programme_gets_an_english_receipt(programme, community, rng, run_on_commit, settings):
    settings.DOCUMENTS_ENGLISH_PROGRAMMES = ("startup",)
    application, _ = run_on_commit(submitted, programme=programme, community=community, rng=rng)
    receipt = _receipt(application)
    expected = application_decision_expected_on(application=application)
    text = " ".join(pdf_text(receipt.file.open("rb").read()).split())
    assert receipt.language == "en"
    assert "Submission Receipt" in text
    assert f"Expected decision date: {expected.day} {expected:%B %Y}" in text
    assert f"Service phone: {settings.SERVICE_PHONE}" in text
