"""SafetyHub settings: one flat module read from the environment.

With no environment at all it runs locally on an SQLite file under ./data. Production sets
DATABASE_URL (PostgreSQL), SECRET_KEY, AUDIT_KEYS, ALLOWED_HOSTS and SAFETYHUB_HTTPS=true.
"""

import ipaddress
import os
import re
import secrets
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP


def envbool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def envint(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


def envlist(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    return [item.strip() for item in value.split(",") if item.strip()] if value else default


def proxies_from(values: list[str]) -> list[str]:
    """TRUSTED_PROXIES entries, each an IP address or network; a typo stops the start."""
    for value in values:
        try:
            ipaddress.ip_network(value, strict=False)
        except ValueError:
            raise ImproperlyConfigured(
                f"TRUSTED_PROXIES: {value!r} is not an IP address or network "
                "(e.g. 10.0.0.5 or 10.0.0.0/24)") from None
    return values


BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(os.environ.get("SAFETYHUB_DATA_DIR", Path.cwd() / "data")).resolve()


def database_from_url(url: str) -> dict:
    """Turn DATABASE_URL into Django's DATABASES entry (sqlite:///path or postgres://…).

    The engines are Django's own with a pre-commit hook that appends the transaction's audit
    entries (safetyhub/core/backends)."""
    parts = urlsplit(url)
    if parts.scheme == "sqlite":
        return {"ENGINE": "safetyhub.core.backends.sqlite3", "NAME": unquote(parts.path[1:])}
    if parts.scheme in {"postgres", "postgresql"}:
        return {
            "ENGINE": "safetyhub.core.backends.postgresql",
            "NAME": unquote(parts.path.lstrip("/")),
            "USER": unquote(parts.username or ""),
            "PASSWORD": unquote(parts.password or ""),
            "HOST": parts.hostname or "",
            "PORT": str(parts.port or ""),
            "CONN_MAX_AGE": envint("DATABASE_CONN_MAX_AGE", 60),
            "CONN_HEALTH_CHECKS": True,
        }
    raise ValueError(f"DATABASE_URL: unsupported scheme {parts.scheme!r} (use sqlite or postgres)")


def local_secret(name: str) -> str:
    """A per-installation secret kept in the data folder, so a local run needs no set-up."""
    path = DATA_DIR / name
    if not path.exists():
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


AUDIT_KEY_ID = re.compile(r"[A-Za-z0-9_.-]{1,40}")
LOCAL_AUDIT_KEY_ID = "data-folder"  # the key a local run keeps beside its database


def audit_keys_from(value: str) -> list[tuple[str, bytes]]:
    """AUDIT_KEYS="id:secret,older-id:older-secret": the audit trail's HMAC keys, newest
    first. The first signs new entries; the others still verify the entries they signed."""
    keys: list[tuple[str, bytes]] = []
    for number, item in enumerate(value.split(","), 1):
        key_id, _, secret = item.strip().partition(":")
        if not AUDIT_KEY_ID.fullmatch(key_id):
            raise ImproperlyConfigured(
                f"AUDIT_KEYS: key {number}: give it an id of letters, digits, '.', '_' or '-' "
                "(at most 40), then ':' and the secret")
        if len(secret) < 32:
            raise ImproperlyConfigured(
                f"AUDIT_KEYS: key {key_id!r}: the secret must be at least 32 characters")
        if key_id in dict(keys):
            raise ImproperlyConfigured(f"AUDIT_KEYS: key id {key_id!r} is given twice")
        keys.append((key_id, secret.encode()))
    return keys


DEBUG = envbool("DEBUG", False)
HTTPS = envbool("SAFETYHUB_HTTPS", False)
SECRET_KEY = os.environ.get("SECRET_KEY") or local_secret("secret_key")
# The audit trail is keyed with a secret that is not in the database, so someone who can
# write to the database still cannot rewrite history and recompute the chain. Production
# sets AUDIT_KEYS (docs/operations.md); a local run keeps a key in the data folder.
AUDIT_KEYS = (audit_keys_from(os.environ["AUDIT_KEYS"]) if os.environ.get("AUDIT_KEYS")
              else [(LOCAL_AUDIT_KEY_ID, local_secret("audit_key").encode())])
# Signed chain heads that `safetyhub audit checkpoint` appends and `audit verify` checks
# (keep the file off the database server, ideally on append-only storage).
AUDIT_CHECKPOINT_FILE = os.environ.get("AUDIT_CHECKPOINT_FILE", "")
# Lanes per audit chain: concurrent writers of one organization append to different lanes
# instead of queuing behind one head row's lock and commit (core/audit.py, chain_lanes).
AUDIT_CHAIN_LANES = envint("AUDIT_CHAIN_LANES", 8)
ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS", [])
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
# The reverse proxies in front of SafetyHub (addresses or networks). Only a request that
# arrives from one of them has its X-Forwarded-For read (core/net.py); by default none is
# trusted and the connection's own address is the client's.
TRUSTED_PROXIES = proxies_from(envlist("TRUSTED_PROXIES", []))

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "rules.apps.AutodiscoverRulesConfig",
    "django_tasks_db",
    "ninja",
    "safetyhub.core",
    "safetyhub.frameworks",
    "safetyhub.assessments",
    "safetyhub.improvement",
    "safetyhub.measures",
    "safetyhub.events",
    "safetyhub.investigations",
    "safetyhub.network",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "safetyhub.core.middleware.NoStoreMiddleware",  # outside the API's error rewriting
    "safetyhub.core.middleware.RequestLogMiddleware",
    "safetyhub.core.middleware.BodySizeLimitMiddleware",
    "safetyhub.core.inputs.InputTextMiddleware",
    "safetyhub.core.middleware.ApiJsonErrorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "safetyhub.core.middleware.SecondFactorMiddleware",
    "safetyhub.core.middleware.AuditActorMiddleware",
    "safetyhub.core.middleware.ThrottledMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "safetyhub.core.middleware.IdleTimeoutMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "safetyhub.urls"
WSGI_APPLICATION = "safetyhub.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "safetyhub.core.context_processors.shell",
                "safetyhub.frameworks.context_processors.areas",
            ],
        },
    },
]

DATABASES = {
    "default": database_from_url(
        os.environ.get("DATABASE_URL") or f"sqlite:///{DATA_DIR / 'safetyhub.sqlite3'}"
    )
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # WAL and a busy timeout let the web process and the worker share the file.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
# A request that fails half-way leaves no partial rows.
DATABASES["default"]["ATOMIC_REQUESTS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "core.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
PASSWORD_RESET_TIMEOUT = 60 * 60 * 3

# Lockout after repeated failed logins (django-axes): an account is locked for the address
# that failed with it, never for everyone, and an address alone is never locked (behind a
# hospital's NAT it is every member of staff). An address that fails often, whatever the
# accounts, is slowed down instead: LOGIN_ADDRESS_FAILURE_LIMIT failures a minute, then 429s
# until the minute is over (core/views/accounts.py).
AXES_FAILURE_LIMIT = envint("LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = envint("LOGIN_LOCKOUT_MINUTES", 15) / 60
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_FORM_FIELD = "username"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "core/locked_out.html"
AXES_CLIENT_IP_CALLABLE = "safetyhub.core.net.client_address"
LOGIN_ADDRESS_FAILURE_LIMIT = envint("LOGIN_ADDRESS_FAILURE_LIMIT", 20)

# Throttles (core/throttle.py). Password-reset mails an hour, per account and per address
# (the page answers the same either way); reports (web, PDF, XLSX) one organization may have
# rendering at once; wrong invitation links an hour from one address.
PASSWORD_RESET_MAILS_PER_ACCOUNT = envint("PASSWORD_RESET_MAILS_PER_ACCOUNT", 3)
PASSWORD_RESET_REQUESTS_PER_ADDRESS = envint("PASSWORD_RESET_REQUESTS_PER_ADDRESS", 10)
REPORTS_AT_ONCE_PER_ORGANIZATION = envint("REPORTS_AT_ONCE_PER_ORGANIZATION", 2)
INVITATION_FAILURES_PER_ADDRESS = envint("INVITATION_FAILURES_PER_ADDRESS", 20)
# The public reporting page (events/views_public.py): reports an hour from one address and from
# everyone, wrong follow-up codes a quarter hour from one address and an hour from everyone.
# Per-address counts are kept in each web process's memory only, never written anywhere (the
# page promises anonymous reporters that their address is not kept): with N processes, up to
# N times the limit gets through, still hopeless for guessing a 100-bit code.
PUBLIC_REPORTS_PER_ADDRESS = envint("PUBLIC_REPORTS_PER_ADDRESS", 10)
PUBLIC_REPORTS_PER_ORGANIZATION = envint("PUBLIC_REPORTS_PER_ORGANIZATION", 300)
FOLLOW_UP_FAILURES_PER_ADDRESS = envint("FOLLOW_UP_FAILURES_PER_ADDRESS", 10)
FOLLOW_UP_FAILURES_PER_ORGANIZATION = envint("FOLLOW_UP_FAILURES_PER_ORGANIZATION", 1000)

# API tokens stop working this many days after they are made.
API_TOKEN_DAYS = envint("API_TOKEN_DAYS", 90)
if API_TOKEN_DAYS < 1:
    raise ImproperlyConfigured("API_TOKEN_DAYS: give a number of days, at least 1")

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# A session ends SESSION_COOKIE_AGE after sign-in whatever happens, and earlier when unused
# for SESSION_IDLE_MINUTES (0: no idle limit); see core.middleware.IdleTimeoutMiddleware.
SESSION_COOKIE_AGE = 60 * 60 * 12
SESSION_IDLE_SECONDS = envint("SESSION_IDLE_MINUTES", 30) * 60
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
CSRF_COOKIE_HTTPONLY = True
CSRF_FAILURE_VIEW = "safetyhub.core.views.system.csrf_failure"
SECURE_SSL_REDIRECT = HTTPS and envbool("SECURE_SSL_REDIRECT", True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if HTTPS else None
SECURE_HSTS_SECONDS = 60 * 60 * 24 * 365 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
}

# Requests larger than this are refused before a view reads them.
DATA_UPLOAD_MAX_MEMORY_SIZE = envint("MAX_REQUEST_BYTES", 2_500_000)
MAX_REQUEST_BYTES = DATA_UPLOAD_MAX_MEMORY_SIZE
MAX_UPLOAD_BYTES = envint("MAX_UPLOAD_BYTES", 12 * 1024 * 1024)  # evidence files: 10 MB each
# A safety event report's attachments (photos, scanned forms): each at most this size, at most
# EVENT_ATTACHMENTS_MAX of them; PDF, PNG and JPEG only (checked by content).
EVENT_ATTACHMENT_MAX_BYTES = envint("EVENT_ATTACHMENT_MAX_BYTES", 5 * 1024 * 1024)
EVENT_ATTACHMENTS_MAX = envint("EVENT_ATTACHMENTS_MAX", 5)

# Email: SMTP when EMAIL_HOST is set; otherwise each message is written to data/mail/.
if os.environ.get("EMAIL_HOST"):
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": os.environ["EMAIL_HOST"],
                "port": envint("EMAIL_PORT", 587),
                "username": os.environ.get("EMAIL_HOST_USER", ""),
                "password": os.environ.get("EMAIL_HOST_PASSWORD", ""),
                "use_tls": envbool("EMAIL_USE_TLS", True),
                "timeout": 10,
            },
        }
    }
else:
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "OPTIONS": {"file_path": str(DATA_DIR / "mail")},
        }
    }
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "SafetyHub <safetyhub@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# The worker runs the daily jobs (reminders, overdue checks: core/daily_jobs.py) once a day,
# from this hour on (local time, TIME_ZONE).
DAILY_JOBS_HOUR = envint("DAILY_JOBS_HOUR", 6)

# The cache holds throttle counts (core/throttle.py). A table in the database (created by
# core's migrations): every web process and machine shares it, with nothing more to run.
# MAX_ENTRIES is high so that many keys cannot push counts out (Django culls beyond it).
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "safetyhub_cache",
        "OPTIONS": {"MAX_ENTRIES": 200_000},
    }
}

LANGUAGE_CODE = "en-us"
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
MEDIA_ROOT = DATA_DIR / "media"
WHITENOISE_USE_FINDERS = True

OTP_TOTP_ISSUER = "SafetyHub"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "safetyhub.core.logging.JsonFormatter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "json"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.server": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}
