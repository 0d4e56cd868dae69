"""Settings, read from environment variables. See .env.example for every name.

The embedded default needs no services: a SQLite file, tasks run in-process,
documents on local disk. Scale-out sets DATABASE_URL and CELERY_BROKER_URL.
"""

import base64
import binascii
import hashlib
import hmac
import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    return env(name, "1" if default else "0").lower() in {"1", "true", "yes", "on"}


DEBUG = env_bool("DJANGO_DEBUG")
SECRET_KEY = env("DJANGO_SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off.")
    SECRET_KEY = "embedded-development-key-not-for-production"  # noqa: S105 - DEBUG only


def personal_data_key(text: str, name: str) -> bytes:
    """One 256-bit key, written as base64 (docs/operations.md, "Personal data keys")."""
    try:
        key = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise ImproperlyConfigured(f"{name}: a key is not valid base64.") from None
    if len(key) != 32:
        raise ImproperlyConfigured(f"{name}: a key must decode to 32 bytes, not {len(key)}.")
    return key


# Citizen ID and bank account numbers are stored encrypted (AES-256-GCM) under the first of PERSONAL_DATA_KEYS;
# every key in the list decrypts, so a new key goes first and the old one stays until `rotate_personal_data_key`
# has re-encrypted every value. PERSONAL_DATA_LOOKUP_KEY keys the hash by which a number is looked up.
# The embedded default derives both from SECRET_KEY; production refuses to start without them.
if env("PERSONAL_DATA_KEYS").strip():
    PERSONAL_DATA_KEYS = [personal_data_key(k, "PERSONAL_DATA_KEYS") for k in env("PERSONAL_DATA_KEYS").split(",") if k.strip()]
elif DEBUG:
    PERSONAL_DATA_KEYS = [hmac.digest(SECRET_KEY.encode(), b"personal-data-encryption", hashlib.sha256)]
else:
    raise ImproperlyConfigured("PERSONAL_DATA_KEYS must be set when DJANGO_DEBUG is off (see .env.example).")
if env("PERSONAL_DATA_LOOKUP_KEY").strip():
    PERSONAL_DATA_LOOKUP_KEY = personal_data_key(env("PERSONAL_DATA_LOOKUP_KEY"), "PERSONAL_DATA_LOOKUP_KEY")
elif DEBUG:
    PERSONAL_DATA_LOOKUP_KEY = hmac.digest(SECRET_KEY.encode(), b"personal-data-lookup", hashlib.sha256)
else:
    raise ImproperlyConfigured("PERSONAL_DATA_LOOKUP_KEY must be set when DJANGO_DEBUG is off (see .env.example).")
if PERSONAL_DATA_LOOKUP_KEY in PERSONAL_DATA_KEYS:
    raise ImproperlyConfigured("PERSONAL_DATA_LOOKUP_KEY must differ from every key in PERSONAL_DATA_KEYS.")


ALLOWED_HOSTS = [h for h in env("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",") if h]
CSRF_TRUSTED_ORIGINS = [o for o in env("DJANGO_CSRF_TRUSTED_ORIGINS").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_filters",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "viewflow",
    "viewflow.workflow",
    "cases",
    "documents",
    "workflows",
]

# The programmes this installation runs: each package registers its flow, pages, checks and simulation profile
# (workflows.engine.registry) when the workflows app is ready.
SUBSIDY_PROGRAMMES = [
    "workflows.programmes.startup",
    "workflows.programmes.venture",
    "workflows.programmes.loan",
    "workflows.programmes.social_insurance",
    "workflows.programmes.training",
    "workflows.programmes.disabled",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "config.security.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "workflows.finance.otp.SecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "workflows.middleware.DomainErrorMiddleware",
    "workflows.readonly.ReadOnlyRoleMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

# A programme (settings.SUBSIDY_PROGRAMMES) is a package, not an app: its templates/ folder is found by the
# programme loader. Setting the loaders turns off Django's own caching, hence the cached loader outside DEBUG.
template_loaders = [
    "django.template.loaders.filesystem.Loader",
    "django.template.loaders.app_directories.Loader",
    "workflows.engine.templates.ProgrammeLoader",
]
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        # workflows/templates first: its viewflow/ folder overrides viewflow's own templates (viewflow is listed
        # before workflows in INSTALLED_APPS, so the app loader alone would find viewflow's first).
        "DIRS": [BASE_DIR / "workflows" / "templates"],
        "OPTIONS": {
            "loaders": template_loaders if DEBUG else [("django.template.loaders.cached.Loader", template_loaders)],
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(env("DATABASE_CONN_MAX_AGE", "0")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Wait for the writer instead of failing at once; WAL lets readers go on.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL;",
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "cases.User"
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(env("STATIC_ROOT", str(BASE_DIR / "var" / "static")))
# Private files: uploads and issued documents. Never served under a public URL;
# downloads go through permission-checked views.
PRIVATE_STORAGE_ROOT = Path(env("PRIVATE_STORAGE_ROOT", str(BASE_DIR / "var" / "private")))
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(PRIVATE_STORAGE_ROOT), "base_url": None},
    },
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
if env("REDIS_URL"):
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": env("REDIS_URL")}}

EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "noreply@localhost")
# SMS gateway: a dotted path to a class with send(*, number, message, application). The default records in the database.
SMS_BACKEND = env("SMS_BACKEND", "workflows.engine.sms.DatabaseSmsBackend")
# SMS verification codes (registration, cases.services.sms_codes): valid this many seconds; a new code for the same
# number at most once per SMS_CODE_RESEND_SECONDS and SMS_CODES_PER_HOUR times an hour; after SMS_CODE_MAX_ATTEMPTS
# wrong tries a code is void and a new one must be requested.
SMS_CODE_VALID_SECONDS = int(env("SMS_CODE_VALID_SECONDS", "600"))
SMS_CODE_RESEND_SECONDS = int(env("SMS_CODE_RESEND_SECONDS", "60"))
SMS_CODES_PER_HOUR = int(env("SMS_CODES_PER_HOUR", "5"))
SMS_CODE_MAX_ATTEMPTS = int(env("SMS_CODE_MAX_ATTEMPTS", "5"))
# Sign-in throttling on every login page (cases.services.access): after this many failures within the window, per
# login name or per client address, that name or address is locked for LOGIN_LOCKOUT_SECONDS (or until an
# administrator unlocks it). Behind a reverse proxy name the header carrying the client address, e.g. HTTP_X_REAL_IP.
LOGIN_FAILURES_PER_ACCOUNT = int(env("LOGIN_FAILURES_PER_ACCOUNT", "5"))
LOGIN_FAILURES_PER_ADDRESS = int(env("LOGIN_FAILURES_PER_ADDRESS", "20"))
LOGIN_FAILURE_WINDOW_SECONDS = int(env("LOGIN_FAILURE_WINDOW_SECONDS", "900"))
LOGIN_LOCKOUT_SECONDS = int(env("LOGIN_LOCKOUT_SECONDS", "900"))
LOGIN_CLIENT_ADDRESS_HEADER = env("LOGIN_CLIENT_ADDRESS_HEADER")
# Online objections on the public publicity board: whether a programme that says nothing about it accepts them
# without the objector's name (a contact is always required), the longest text, and how many one client address
# may file per window (counted in the database like the sign-in failures, cases.services.objections).
PUBLIC_OBJECTIONS_ANONYMOUS = env_bool("PUBLIC_OBJECTIONS_ANONYMOUS")
PUBLIC_OBJECTION_MAX_CHARS = int(env("PUBLIC_OBJECTION_MAX_CHARS", "2000"))
PUBLIC_OBJECTIONS_PER_ADDRESS = int(env("PUBLIC_OBJECTIONS_PER_ADDRESS", "5"))
PUBLIC_OBJECTION_WINDOW_SECONDS = int(env("PUBLIC_OBJECTION_WINDOW_SECONDS", "3600"))
# The applicant loop: the phone number printed on the submission receipt (受理回执) and shown on the case page, and
# the working days an applicant has to answer a one-time correction notice (一次性告知书).
SERVICE_PHONE = env("SERVICE_PHONE", "0571-12333")
# The district's service window, where the pre-check sends a visitor whom no open programme takes (in Chinese: the
# portal shows it as it is).
SERVICE_WINDOW_NAME = env("SERVICE_WINDOW_NAME", "余杭区就业创业服务窗口")
SERVICE_WINDOW_ADDRESS = env("SERVICE_WINDOW_ADDRESS", "杭州市余杭区行政服务中心一楼 人力社保综合窗口")
SERVICE_WINDOW_HOURS = env("SERVICE_WINDOW_HOURS", "周一至周五 上午8:30—12:00，下午13:30—17:00（法定节假日除外）")
CORRECTION_WORKING_DAYS = int(env("CORRECTION_WORKING_DAYS", "10"))
# A second-factor enrolment code (manage.py otp_enrolment_code) is valid this many hours.
OTP_ENROLMENT_CODE_HOURS = int(env("OTP_ENROLMENT_CODE_HOURS", "24"))

# Background work. Without a broker, tasks run in-process (embedded mode).
OTP_TOTP_ISSUER = env("OTP_TOTP_ISSUER", "余杭区创业补贴")

# Without a broker, tasks run in-process (eager); kombu's in-memory transport stands in for the broker so nothing
# tries to reach one.
CELERY_TASK_ALWAYS_EAGER = not env("CELERY_BROKER_URL")
CELERY_BROKER_URL = env("CELERY_BROKER_URL") or "memory://"
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND") or None
# At-least-once delivery; every task is idempotent (docs/operations.md, "When a worker or the broker dies").
# A task is acknowledged when it has finished, not when it is received: a worker killed mid-task leaves its
# message unacknowledged, and the broker delivers it again. One message at a time per worker process.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# No task may run longer than this (documents.tasks.DOCUMENT_TIME_LIMIT is the longest).
CELERY_TASK_TIME_LIMIT = 600
# Redis redelivers an unacknowledged message after the visibility timeout: it must exceed the longest task, or a
# task still running would be delivered twice. Owed documents do not wait for it: the outbox re-dispatch below
# sends them again after OUTBOX_GRACE_SECONDS.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": CELERY_TASK_TIME_LIMIT + 300}
# A page that commits a step must not hang on a broker that is down: give up publishing quickly (the outbox keeps
# the work) instead of retrying for long.
CELERY_BROKER_CONNECTION_TIMEOUT = 3
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.5, "interval_max": 1}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Owed work still pending this long after its step (or its last dispatch) is dispatched again.
OUTBOX_GRACE_SECONDS = int(env("OUTBOX_GRACE_SECONDS", "120"))
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE = {
    "outbox-redispatch": {"task": "workflows.tasks.outbox_redispatch", "schedule": 30.0},
    "publicity-close-due": {"task": "workflows.tasks.publicity_close_due", "schedule": 3600.0},
    "deadlines-check": {"task": "workflows.tasks.deadlines_check", "schedule": 3600.0},
    "loan-periods-mark-due": {"task": "workflows.loans_tasks.loan_periods_mark_due", "schedule": 3600.0 * 6},
    "loan-overdue-flag": {"task": "workflows.loans_tasks.loan_overdue_flag", "schedule": 3600.0 * 6},
    "loan-subsidy-claims-open": {"task": "workflows.loans_tasks.loan_subsidy_claims_open", "schedule": 3600.0 * 6},
    "loan-flows-finish": {"task": "workflows.loans_tasks.loan_flows_finish", "schedule": 3600.0},
    "training-claims-settle": {"task": "workflows.training_tasks.claims_settle_due", "schedule": 3600.0 * 6},
}
CELERY_IMPORTS = ["workflows.engine.tasks", "workflows.programmes.loan.tasks", "workflows.programmes.training.tasks"]

VIEWFLOW = {"AUTOREGISTER": True}

# Issuing authority printed on documents.
CASES_DISTRICT_ABBREVIATION = env("CASES_DISTRICT_ABBREVIATION", "余")
PUBLIC_BASE_URL = env("PUBLIC_BASE_URL", "http://127.0.0.1:8000")

# Transport security (docs/operations.md, "TLS and security headers"). Off under DEBUG (the embedded default serves
# plain HTTP on 127.0.0.1); on by default in production, each switch configurable for the TLS proxy in front.
if not DEBUG:
    SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", True)
    CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = int(env("DJANGO_SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("DJANGO_SECURE_HSTS_PRELOAD")
# Behind a proxy that terminates TLS: the header it sets for the original scheme, as "NAME,value", e.g.
# "X-Forwarded-Proto,https". Set it only when the proxy always sets (overwrites) that header.
if env("DJANGO_SECURE_PROXY_SSL_HEADER"):
    _name, _value = env("DJANGO_SECURE_PROXY_SSL_HEADER").split(",", 1)
    SECURE_PROXY_SSL_HEADER = ("HTTP_" + _name.strip().upper().replace("-", "_"), _value.strip())
# The health check is asked by the orchestrator over plain HTTP, past the proxy: never redirected.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
# Every page: scripts and everything else only from this site, no plugins, no framing, forms post here only.
# Styles allow inline: the pages and viewflow's Material components carry <style> elements and style attributes.
CONTENT_SECURITY_POLICY = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'", "'unsafe-inline'"],
    "img-src": ["'self'", "data:"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "WARNING")},
    # WeasyPrint and fontTools report every font subset at INFO: too much for a worker's log.
    "loggers": {name: {"level": "WARNING"} for name in ("weasyprint", "fontTools")},
}

AUTHENTICATION_BACKENDS = ["cases.auth.RoleBackend"]
