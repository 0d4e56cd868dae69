"""Production settings pass Django's deployment check, and every page carries the Content-Security-Policy."""

import base64
import os
import secrets
import subprocess
import sys

import pytest
from django.conf import settings
from django.http import HttpResponse
from django.test import RequestFactory

from config.security import ContentSecurityPolicyMiddleware, policy_header
from tests.auth import sign_in

POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; object-src 'none'; "
    "base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


def example_environment() -> dict[str, str]:
    """.env.example as a service manager reads it, with the secrets it leaves empty generated."""
    values = {}
    for line in (settings.BASE_DIR / ".env.example").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, value = line.split("=", 1)
            values[name.strip()] = value
    assert values["DJANGO_SECRET_KEY"] == "", "the example ships no secret"
    values["DJANGO_SECRET_KEY"] = secrets.token_urlsafe(50)
    assert values["PERSONAL_DATA_KEYS"] == values["PERSONAL_DATA_LOOKUP_KEY"] == ""
    values["PERSONAL_DATA_KEYS"] = base64.b64encode(secrets.token_bytes(32)).decode()
    values["PERSONAL_DATA_LOOKUP_KEY"] = base64.b64encode(secrets.token_bytes(32)).decode()
    return values


def manage(*args: str, environment: dict[str, str]) -> subprocess.CompletedProcess:
    base = {name: os.environ[name] for name in ("PATH", "HOME", "LANG") if name in os.environ}
    return subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=base | environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_with_the_example_production_environment_prints_no_warning():
    # given the example production environment (DJANGO_DEBUG=0, TLS at the proxy)
    environment = example_environment()
    assert environment["DJANGO_DEBUG"] == "0"

    # when Django's deployment check runs in it
    result = manage("check", "--deploy", "--fail-level", "WARNING", environment=environment)

    # then it finds nothing at all
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "System check identified no issues (0 silenced).", result.stdout + result.stderr
    assert result.stderr == ""


def test_the_example_environment_turns_on_hsts_redirect_proxy_header_and_secure_cookies():
    # given the example environment, when the settings are read in it
    code = (
        "from django.conf import settings as s; print(s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS, "
        "s.SECURE_HSTS_INCLUDE_SUBDOMAINS, s.SECURE_PROXY_SSL_HEADER, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE)"
    )
    result = manage("shell", "-c", code, environment=example_environment())
    # then each is on, and the proxy's X-Forwarded-Proto decides what is HTTPS
    assert result.stdout.strip().splitlines()[-1] == "True 31536000 True ('HTTP_X_FORWARDED_PROTO', 'https') True True", (
        result.stderr
    )


def test_without_a_secret_key_production_settings_refuse_to_start():
    result = manage("check", environment=example_environment() | {"DJANGO_SECRET_KEY": ""})
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off." in result.stderr


@pytest.mark.django_db
def test_staff_portal_finance_loans_verify_admin_and_error_pages_carry_the_policy(client, staff, applicant_user, district):
    # given pages of every kind: public, portal, staff (viewflow and our own), finance, bank, admin, errors
    public = [
        "/accounts/login/",
        "/portal/",
        "/portal/login/",
        "/portal/register/",
        "/verify/no-such-token",
        "/admin/login/",
        "/healthz",
        "/no-such-page/",
    ]
    as_reviewer = ["/", "/startup/inbox/", "/cases/", "/publicity/", "/statistics/", "/loans/"]
    as_finance = ["/finance/"]
    as_applicant = ["/portal/", "/portal/bind/"]

    # when each is requested by a user who may see it (and the public ones anonymously)
    seen = {}
    for url in public:
        seen[url] = client.get(url)
    sign_in(client, staff.district_reviewer)
    for url in as_reviewer:
        seen[url] = client.get(url)
    sign_in(client, staff.finance_maker)
    for url in as_finance:
        seen[url] = client.get(url)
    client.logout()
    client.force_login(applicant_user)
    for url in as_applicant:
        seen["applicant " + url] = client.get(url)

    # then every answer (pages, redirects, 404s) carries the one policy
    assert {url: response.get("Content-Security-Policy") for url, response in seen.items()} == dict.fromkeys(seen, POLICY)
    assert [url for url, response in seen.items() if response.status_code == 200] != []
    assert seen["/no-such-page/"].status_code == 404


def test_a_response_with_its_own_policy_keeps_it():
    # given a view that sets a stricter policy (the attachment download sandboxes the file it serves)
    def view(request):
        response = HttpResponse(b"%PDF-1.7")
        response["Content-Security-Policy"] = "sandbox; default-src 'none'"
        return response

    # when it passes the middleware, then its policy stands; any other response gets the site's policy
    middleware = ContentSecurityPolicyMiddleware(view)
    assert middleware(RequestFactory().get("/x"))["Content-Security-Policy"] == "sandbox; default-src 'none'"
    plain = ContentSecurityPolicyMiddleware(lambda request: HttpResponse("ok"))
    assert (
        plain(RequestFactory().get("/x"))["Content-Security-Policy"] == policy_header(settings.CONTENT_SECURITY_POLICY) == POLICY
    )
