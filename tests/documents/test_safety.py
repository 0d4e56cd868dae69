"""User text never reaches the renderer as markup or as a URL: the injection corpus renders literally, no fetch."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from cases import services as case_services
from cases.constants import ApplicantCategory, Decision, ReviewLevel
from cases.synthetic import bank_account, citizen_id, credit_code
from documents import rendering
from documents.models import Document
from documents.services import document_render
from tests.documents.pdf import characters_without_glyph, pdf_flat_text
from workflows.engine import simulation
from workflows.engine import steps as flow_services

pytestmark = pytest.mark.django_db

IMG = '<img src="file:///etc/passwd">'
IMPORT = "@import url(http://127.0.0.1:9/x)"
LINK = "<link rel=attachment href=file:///etc/passwd>"
STYLE = "<style>@import url(http://127.0.0.1:9/x)</style>"
RARE = "㮾𠮷"
RARER = "\U00020000𪚥\U00030000"  # CJK Ext B in HanaMinB only (𠀀, 𪚥), Ext G (BabelStone Han)


@pytest.fixture
def fetchers(monkeypatch):
    """Every fetcher the renderer uses, to assert on what it fetched and what it refused."""
    created = []
    original = rendering.new_fetcher

    def recording():
        fetcher = original()
        created.append(fetcher)
        return fetcher

    monkeypatch.setattr(rendering, "new_fetcher", recording)
    return created


def assert_no_fetch_outside_assets(fetchers):
    assert fetchers, "the renderer ran"
    for fetcher in fetchers:
        assert fetcher.refused == []
        assert fetcher.fetched == []  # the stylesheet is parsed once per process from ASSETS_DIR, not fetched


def assert_literal(value: str, text: str) -> None:
    """Each word of the user text is printed as text (a table cell may wrap a long value around other cells)."""
    missing = [part for part in value.split() if part not in text]
    assert missing == []


def file_with_text(*, programme, community, rng, name: str, business: str):
    """A filed draft of an applicant called `name`. A name with markup is refused on entry (cases.validators), so it
    is written to the applicant's row afterwards, as a row from before that check would hold it: the renderer must
    still print it literally."""
    from cases.models import Applicant

    user = case_services.applicant_person_get_or_create(name="张三", id_number=citizen_id(rng))
    from cases.constants import Role
    from cases.models import User

    account = User.objects.create_user(username=f"injection-{user.pk}", password="correct-horse-battery", role=Role.APPLICANT)
    user.user = account
    user.save(update_fields=["user"])
    application = case_services.application_create(
        programme=programme,
        applicant=user,
        org_unit=community,
        by=account,
        category=ApplicantCategory.UNEMPLOYED,
        requested_amount=Decimal(programme.amount_rule["amounts"][ApplicantCategory.UNEMPLOYED]),
        bank_name="中国农业银行余杭支行",
        bank_account_name="张三",
        bank_account_number=bank_account(rng),
        business_name=business,
        business_credit_code=credit_code(rng),
        business_registered_on=timezone.localdate() - dt.timedelta(days=400),
        graduated_on=None,
        jobs_created=2,
        originals_checked=False,
    )
    Applicant.objects.filter(pk=user.pk).update(name=name)
    application.refresh_from_db()
    for kind in programme.required_documents:
        case_services.attachment_add(
            application=application,
            by=account,
            kind=kind,
            content=simulation.SAMPLE_PDF,
            name=f"{kind}.pdf",
        )
    return application, account


def test_injection_corpus_renders_literally_and_fetches_nothing(programme, staff, community, rng, run_on_commit, fetchers):
    # given user text full of markup, CSS imports and rare characters in the name and every free-text field
    name = f"张{RARE}{RARER}{IMG}"
    # (the case's own name fields refuse "<" and ">" on every save, cases.validators: CSS and URLs as plain text)
    business = f"rel=attachment href=file:///etc/passwd;@import url(http://127.0.0.1:9/x){RARE}工作室"
    opinion = f"{IMPORT} {STYLE} {IMG} 意见{RARE}"
    item_message = f"{LINK} {IMG} {IMPORT} 补正{RARE}"
    application, applicant = file_with_text(programme=programme, community=community, rng=rng, name=name, business=business)
    application = run_on_commit(flow_services.case_submit, application=application, by=applicant)

    # when the community returns it with the text as items, then passes it with the text as opinion
    application = run_on_commit(
        flow_services.task_decide,
        task_id=flow_services.open_task(application=application).pk,
        by=staff.community[community.pk],
        decision=Decision.RETURN,
        opinion=opinion,
        items=[{"kind": "", "message": item_message}],
    )
    application = run_on_commit(flow_services.case_resubmit, application=application, by=applicant, answer=opinion)
    run_on_commit(simulation.decide, application, staff.community[community.pk], ReviewLevel.COMMUNITY, Decision.PASS)
    run_on_commit(
        flow_services.task_decide,
        task_id=flow_services.open_task(application=application).pk,
        by=staff.town[community.parent_id],
        decision=Decision.PASS,
        opinion=opinion,
    )

    # then every document rendered, shows the text literally, has a glyph for every character, read no file
    documents = {d.kind: d for d in Document.objects.filter(application=application)}
    assert sorted(documents) == ["acceptance_notice", "correction_notice", "review_opinion", "submission_receipt"]
    passwd = open("/etc/passwd").read().splitlines()[0]  # noqa: SIM115
    for document in documents.values():
        pdf = document.file.open("rb").read()
        text = pdf_flat_text(pdf)
        assert_literal(name, text)
        assert passwd not in text and "root:x:0:0" not in text
        assert characters_without_glyph(pdf) == set()
    assert_literal(business, pdf_flat_text(documents["acceptance_notice"].file.open("rb").read()))
    assert_literal(item_message, pdf_flat_text(documents["correction_notice"].file.open("rb").read()))
    # (in drawing order: the opinion cell wraps beside the reviewer's cell, which reading order would interleave)
    assert_literal(opinion, pdf_flat_text(documents["review_opinion"].file.open("rb").read(), raw=True))
    assert_no_fetch_outside_assets(fetchers)


def test_a_500_character_name_still_renders(district, fetchers):
    # given a name of 500 characters (longer than the record allows: the renderer must not depend on that limit)
    from cases.models import Applicant, Application, Programme, ProgrammeRules

    name = ("欧阳㮾𠮷" + IMG) * 20
    name = name[:500]
    applicant = Applicant(name=name, id_number="330110199001011234")
    application = Application(
        number="YH-CY-2026-000009",
        programme=Programme(name="一次性创业补贴", current_rules=ProgrammeRules(publicity_days=5)),
        applicant=applicant,
        org_unit=district,
    )
    context = {"case": application, "masked_identifier": "330110********1234", "approved_yuan": "¥3,000.00"}

    # when an approval decision is rendered for it
    pdf = document_render(
        kind="approval_decision",
        number="余人社创决〔2026〕00009号",
        token="t",
        unit=district,
        context=context,
        issued_at=timezone.now(),
    )

    # then the whole name is in the text, every character has a glyph, nothing was fetched but the stylesheet
    assert len(name) == 500
    assert "".join(name.split()) in pdf_flat_text(pdf)
    assert characters_without_glyph(pdf) == set()
    assert_no_fetch_outside_assets(fetchers)


def test_the_fetcher_refuses_files_and_network_even_in_raw_markup():
    # given markup that is NOT escaped (defence in depth: the fetcher alone must hold)
    html = f'<html lang="zh-hans"><head><style>@import url(http://127.0.0.1:9/x);</style>{LINK}</head><body>{IMG}<p>正文</p></body></html>'
    fetcher = rendering.new_fetcher()

    # when it is rendered
    pdf = rendering.render_pdf(html, fetcher=fetcher)

    # then every outside URL was refused and nothing of /etc/passwd is in the PDF
    assert sorted(fetcher.refused) == ["file:///etc/passwd", "file:///etc/passwd", "http://127.0.0.1:9/x"]  # img and link
    assert fetcher.fetched == []
    assert b"root:x:0:0" not in pdf and "root:x:0:0" not in pdf_flat_text(pdf)


def test_a_character_without_glyph_is_caught():
    # given text with a code point no installed font draws (a private-use character)
    pdf = rendering.render_pdf('<html lang="zh-hans"><body><p>正文\U000f0000</p></body></html>')

    # then the glyph check reports it
    assert characters_without_glyph(pdf) == {"\U000f0000"}
