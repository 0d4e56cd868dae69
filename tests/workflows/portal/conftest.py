import datetime as dt
import re
import struct
import zlib
from urllib.parse import urlencode

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape

from cases import services as case_services
from cases.constants import Role
from cases.models import User
from cases.synthetic import citizen_id, credit_code
from workflows.engine.simulation import SAMPLE_PDF

PASSWORD = "Long-enough-pass-2026"


def zh(msgid: str, html: bool = False, **params) -> str:
    """What the portal shows by default: the Simplified Chinese translation of a message."""
    with translation.override("zh-hans"):
        text = translation.gettext(msgid)
    text = text % params if params else text
    return escape(text) if html else text


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _mail_in_memory(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def png(width: int, height: int) -> bytes:
    """A PNG whose header declares width x height (the pixel data is a single empty row: Pillow reads the header first)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00")) + chunk(b"IEND", b"")


@pytest.fixture
def bound_user(programme, rng) -> User:
    """A portal account bound to a real name (an Applicant record exists for it)."""
    user = case_services.applicant_user_register(login="13800138000", password=PASSWORD)
    user.email = "zhang@example.cn"
    user.save(update_fields=["email"])
    return case_services.user_real_name_bind(user=user, name="张三", id_number=citizen_id(rng))


@pytest.fixture
def portal_client(client, bound_user):
    client.force_login(bound_user)
    return client


def sms_code_from_log(mobile: str) -> str:
    """The code in the newest text message the database SMS backend kept for the number."""
    from cases.models import SmsLog

    message = SmsLog.objects.filter(number=mobile).order_by("-created_at", "-id").first().message
    return re.search(r"\d{6}", message).group(0)


def register_by_sms(client, mobile: str, *, email: str = "", password: str = PASSWORD, next_url: str = ""):
    """Register through the portal's form: the code texted to the number, then the account. Returns the response."""
    url = reverse("portal:register") + (f"?{urlencode({'next': next_url})}" if next_url else "")
    sent = client.post(url, {"action": "send", "mobile": mobile})
    assert sent.status_code == 302, sent.content.decode()[:2000]
    data = {"action": "register", "mobile": mobile, "code": sms_code_from_log(mobile), "email": email}
    return client.post(url, {**data, "password1": password, "password2": password})


def draft_data(community) -> dict:
    return {
        "community": community.pk,
        "category": "unemployed",
        "bank_name": "中国农业银行余杭支行",
        "bank_account_name": "张三",
        "bank_account_number": "6228480012345678901",
    }


def business_data(rng) -> dict:
    return {
        "business_name": "张三工作室",
        "business_credit_code": credit_code(rng),
        "business_registered_on": (timezone.localdate() - dt.timedelta(days=400)).isoformat(),
        "jobs_created": "3",
    }


__all__ = [
    "zh",
    "PASSWORD",
    "SAMPLE_PDF",
    "png",
    "draft_data",
    "business_data",
    "Role",
    "register_by_sms",
    "sms_code_from_log",
]
