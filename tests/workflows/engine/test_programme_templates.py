"""A programme keeps its templates in its own package (workflows/programmes/<name>/templates/<name>/), found by
workflows.engine.templates.ProgrammeLoader for every package in settings.SUBSIDY_PROGRAMMES."""

from pathlib import Path

import pytest
from django.conf import settings
from django.template import Context, Engine, TemplateDoesNotExist
from django.template.loader import get_template

from tests.test_security_settings import example_environment, manage

PROGRAMMES = Path(settings.BASE_DIR) / "workflows" / "programmes"


@pytest.mark.parametrize(
    ("name", "path"),
    [
        ("loan/loan_list.html", PROGRAMMES / "loan" / "templates" / "loan" / "loan_list.html"),
        ("loan/_nav.html", PROGRAMMES / "loan" / "templates" / "loan" / "_nav.html"),
        ("venture/award.html", PROGRAMMES / "venture" / "templates" / "venture" / "award.html"),
    ],
)
def test_a_programme_template_comes_from_the_programme_package(name, path):
    assert get_template(name).origin.name == str(path)


@pytest.mark.parametrize("name", ["workflows/loans/loan_list.html", "workflows/venture/award.html"])
def test_the_shared_templates_hold_no_programme_page(name):
    with pytest.raises(TemplateDoesNotExist):
        get_template(name)


def test_the_loader_follows_settings_subsidy_programmes(tmp_path, settings, monkeypatch):
    package = tmp_path / "harbour_grant"
    (package / "templates" / "harbour_grant").mkdir(parents=True)
    (package / "__init__.py").write_text("", encoding="utf-8")
    (package / "templates" / "harbour_grant" / "page.html").write_text("grant for {{ name }}", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    engine = Engine(loaders=["workflows.engine.templates.ProgrammeLoader"])

    # not listed: not found, though importable
    with pytest.raises(TemplateDoesNotExist):
        engine.get_template("harbour_grant/page.html")

    # listed (after programmes without a templates folder): found
    settings.SUBSIDY_PROGRAMMES = [*settings.SUBSIDY_PROGRAMMES, "harbour_grant"]
    template = engine.get_template("harbour_grant/page.html")
    assert template.render(Context({"name": "Li Lei"})) == "grant for Li Lei"
    assert template.origin.name == str(package / "templates" / "harbour_grant" / "page.html")


def test_outside_debug_the_programme_templates_are_cached():
    script = (
        "from django.template import engines; engine = engines['django'].engine; "
        "[cached] = engine.template_loaders; "
        "print(type(cached).__module__, [type(loader).__module__ for loader in cached.loaders]); "
        "print(engine.get_template('loan/claims.html').origin.name)"
    )
    result = manage("shell", "--no-imports", "-c", script, environment=example_environment())
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "django.template.loaders.cached ['django.template.loaders.filesystem', "
        "'django.template.loaders.app_directories', 'workflows.engine.templates']",
        str(PROGRAMMES / "loan" / "templates" / "loan" / "claims.html"),
    ]
