"""ketaclinic settings: everything a deployment changes comes from the environment.

Each variable is listed in README.md. A bad value stops start-up with a message
that names the variable (see ketaclinic.config).
"""

from __future__ import annotations

import os
import tempfile
from datetime import timedelta
from pathlib import Path

import dj_database_url

from ketaclinic.config import (
    ConfigError,
    env_bool,
    env_choice,
    env_holidays,
    env_int,
    env_list,
    env_screening_policy,
    env_str,
    env_time_zone,
    private_dir,
    secret_key,
)

PACKAGE_DIR = Path(__file__).resolve().parent
VAR_DIR = Path(env_str("KETACLINIC_VAR_DIR", "var")).resolve()

DEBUG = env_bool("DEBUG", True)
SECRET_KEY, SECRET_KEY_FROM_ENV = secret_key(VAR_DIR, debug=DEBUG)
ALLOWED_HOSTS = env_list(
    "ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if DEBUG else []
)
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

# --- Database ---------------------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'ketaclinic.sqlite3'}")
# Persistent connections: a server worker keeps its database connection
# across requests (KETACLINIC_DB_CONN_MAX_AGE seconds, then opens a new one;
# 0: one per request), and checks that it still works before a request
# reuses it. gunicorn's sync workers serve one request at a time, so a
# connection pool would hold a single connection per worker too; persistent
# connections give the same reuse on SQLite and PostgreSQL alike, with no
# extra dependency, and leave the test database handling as it is.
DB_CONN_MAX_AGE = env_int("KETACLINIC_DB_CONN_MAX_AGE", 600)
try:
    _db = dj_database_url.parse(
        DATABASE_URL, conn_max_age=DB_CONN_MAX_AGE, conn_health_checks=True
    )
except Exception as exc:  # dj_database_url raises several kinds
    raise ConfigError(f"DATABASE_URL={DATABASE_URL!r}: {exc}") from None
if _db["ENGINE"] == "django.db.backends.sqlite3":
    _db["OPTIONS"] = {
        # Writers queue on the lock instead of failing with "database is locked":
        # every write transaction takes the write lock at BEGIN (IMMEDIATE) and
        # waits up to `timeout` seconds for it.
        "transaction_mode": "IMMEDIATE",
        "timeout": env_int("KETACLINIC_SQLITE_TIMEOUT", 20, minimum=1),
        "init_command": (
            "PRAGMA journal_mode=WAL;"
            "PRAGMA synchronous=NORMAL;"
            "PRAGMA foreign_keys=ON;"
            "PRAGMA busy_timeout=20000;"
        ),
    }
    # Tests run on a file too, not in memory: concurrent writers then meet the
    # same locking (WAL, busy timeout) as in production.
    # One file per test process, so that test runs side by side never share it.
    _db["TEST"] = {
        "NAME": str(
            Path(tempfile.gettempdir()) / f"ketaclinic-test-{os.getpid()}.sqlite3"
        )
    }
    if Path(_db["NAME"]).parent == VAR_DIR:
        private_dir(VAR_DIR)
    else:
        Path(_db["NAME"]).parent.mkdir(parents=True, exist_ok=True, mode=0o700)
elif _db["ENGINE"] == "django.db.backends.postgresql":
    # Server-side prepared statements: a query the worker has sent twice on
    # its persistent connection is prepared by PostgreSQL, then only its
    # values are sent and its plan is reused (the values bound by the server,
    # not quoted into the SQL by Python). A short patient search spends about
    # a quarter less time. Turn off (0) behind a pooler in transaction mode
    # (PgBouncer before 1.21), which cannot keep a connection's statements.
    if env_bool("KETACLINIC_DB_PREPARED_STATEMENTS", True):
        _db["OPTIONS"] = {"server_side_binding": True, "prepare_threshold": 2}
else:
    raise ConfigError(
        f"DATABASE_URL={DATABASE_URL!r}: only sqlite:// and postgres:// are supported."
    )
DATABASES = {"default": _db}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Applications ------------------------------------------------------------
INSTALLED_APPS = [
    "ketaclinic.core",
    "ketaclinic.accounts",
    "ketaclinic.links",
    "ketaclinic.clinics",
    "ketaclinic.scheduling",
    "ketaclinic.patients",
    "ketaclinic.inquiries",
    "ketaclinic.audit",
    "ketaclinic.intake",
    "ketaclinic.treatment",
    "ketaclinic.infusions",
    "ketaclinic.inventory",
    "ketaclinic.notifications",
    "ketaclinic.core.admin_apps.KetaclinicAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "template_partials",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "simple_history",
    "axes",
    "ninja",
    "django_tasks",
    "django_tasks_db",  # app label: django_tasks_database
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "ketaclinic.core.headers.SecurityHeadersMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "ketaclinic.inputs.RejectNulMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "ketaclinic.accounts.middleware.StaffGateMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "ketaclinic.urls"
WSGI_APPLICATION = "ketaclinic.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "ketaclinic.accounts.context_processors.staff",
                "ketaclinic.core.context_processors.clinic",
            ],
            "string_if_invalid": "",
        },
    },
    {
        # Email subjects, plain-text bodies and text messages: not HTML, so
        # nothing is escaped (O'Brien stays O'Brien).
        "NAME": "text",
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {"autoescape": False},
    },
]

# --- Accounts ----------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
_VALIDATORS = "django.contrib.auth.password_validation."
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": _VALIDATORS + "UserAttributeSimilarityValidator"},
    {"NAME": _VALIDATORS + "MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": _VALIDATORS + "CommonPasswordValidator"},
    {"NAME": _VALIDATORS + "NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Two-factor sign-in for staff: "required" makes providers and administrators
# enrol and use a TOTP code before they reach patient data; "optional" offers it.
KETACLINIC_2FA = env_choice("KETACLINIC_2FA", "required", ("required", "optional"))
OTP_TOTP_ISSUER = env_str("KETACLINIC_OTP_ISSUER", "ketaclinic")
# Never show an authenticator's secret in the admin (the device pages are
# not in the admin either: see core.admin_apps).
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

# Lockout after repeated failed sign-ins (django-axes): by username and
# address, by address, and by username; each count has its limit
# (ketaclinic.accounts.lockout).
AXES_FAILURE_LIMIT = env_int("KETACLINIC_LOCKOUT_ATTEMPTS", 5, minimum=1)
KETACLINIC_LOCKOUT_ADDRESS_ATTEMPTS = env_int(
    "KETACLINIC_LOCKOUT_ADDRESS_ATTEMPTS", 30, minimum=1
)
KETACLINIC_LOCKOUT_ACCOUNT_ATTEMPTS = env_int(
    "KETACLINIC_LOCKOUT_ACCOUNT_ATTEMPTS", 20, minimum=1
)
AXES_COOLOFF_TIME = timedelta(
    minutes=env_int("KETACLINIC_LOCKOUT_MINUTES", 15, minimum=1)
)
AXES_HANDLER = "ketaclinic.accounts.lockout.LockoutHandler"
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address", "username"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "ketaclinic.accounts.views.locked_out"
AXES_VERBOSE = False
AXES_CLIENT_IP_CALLABLE = "ketaclinic.audit.actor.client_address"

SESSION_COOKIE_AGE = env_int("KETACLINIC_SESSION_MINUTES", 12 * 60, minimum=5) * 60
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# --- Time and language -----------------------------------------------------------
USE_TZ = True
TIME_ZONE = env_time_zone("KETACLINIC_TIME_ZONE", "America/Denver")
LANGUAGE_CODE = "en-us"
USE_I18N = True
# Pages for the public (home, get started, consultation booking) are in these
# languages; the visitor chooses (a cookie, else the browser's preference).
# Staff pages stay in English: there is no LocaleMiddleware on purpose.
LANGUAGES = [("en", "English"), ("es", "Español")]

# --- Static files --------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("KETACLINIC_STATIC_ROOT", str(VAR_DIR / "static")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

# --- Email ----------------------------------------------------------------------
EMAIL_HOST = env_str("EMAIL_HOST", "")
EMAIL_PORT = env_int("EMAIL_PORT", 587, minimum=1)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "clinic@ketaclinic.invalid")
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend"
)

# --- Security (production) -----------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if not DEBUG:
    SESSION_COOKIE_SECURE = env_bool("KETACLINIC_SECURE_COOKIES", True)
    CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
    SECURE_SSL_REDIRECT = env_bool("KETACLINIC_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("KETACLINIC_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# How many reverse proxies stand in front of the app: the client's address is
# read from X-Forwarded-For past that many (ketaclinic.audit.actor), for the
# audit trail, the sign-in lockout and every rate limit.
KETACLINIC_TRUSTED_PROXIES = env_int("KETACLINIC_TRUSTED_PROXIES", 0)
SILENCED_SYSTEM_CHECKS = env_list("KETACLINIC_SILENCED_CHECKS", [])

# --- ketaclinic ----------------------------------------------------------------
KETACLINIC_DEMO_PASSWORD = env_str("KETACLINIC_DEMO_PASSWORD", "ketamine-demo")
# Days an intake or questionnaire link keeps working.
KETACLINIC_INTAKE_LINK_DAYS = env_int("KETACLINIC_INTAKE_LINK_DAYS", 14, minimum=1)
# A link that shows health information asks for the patient's date of birth;
# after this many wrong answers in a row it is locked for the minutes below.
KETACLINIC_LINK_BIRTH_DATE_ATTEMPTS = env_int(
    "KETACLINIC_LINK_BIRTH_DATE_ATTEMPTS", 5, minimum=1
)
KETACLINIC_LINK_LOCK_MINUTES = env_int("KETACLINIC_LINK_LOCK_MINUTES", 30, minimum=1)

# A new weight more than this percentage away from the last one asks to be
# confirmed (reasoned in ketaclinic.clinical.units).
KETACLINIC_WEIGHT_CHANGE_CONFIRM_PERCENT = env_int(
    "KETACLINIC_WEIGHT_CHANGE_CONFIRM_PERCENT", 10, minimum=1
)
# A dose is worked out only on a weight measured within this many hours
# (CLINICAL.md 1.3: weigh on infusion day; the window is clinic policy).
KETACLINIC_WEIGHT_MAX_AGE_HOURS = env_int(
    "KETACLINIC_WEIGHT_MAX_AGE_HOURS", 24, minimum=1
)
# How long a tablet keeps infusion-chart entries waiting to be sent, and the
# session pages it may show while offline (hours).
KETACLINIC_OFFLINE_KEEP_HOURS = env_int("KETACLINIC_OFFLINE_KEEP_HOURS", 12, minimum=1)
# Results per page on patient lists and searches.
KETACLINIC_PAGE_SIZE = env_int("KETACLINIC_PAGE_SIZE", 50, minimum=5)

# --- Infusion day: the pre-infusion checklist (CLINICAL.md 1.5) -----------------
# Fasting: no solid food or milk for 6 hours, clear liquids until 2 hours before
# (clinic instructions and ASA fasting guidance, CLINICAL.md 1.5).
KETACLINIC_FASTING_SOLIDS_HOURS = env_int(
    "KETACLINIC_FASTING_SOLIDS_HOURS", 6, minimum=0
)
KETACLINIC_FASTING_CLEAR_HOURS = env_int("KETACLINIC_FASTING_CLEAR_HOURS", 2, minimum=0)
# Whether the clinic tests for pregnancy before each infusion (CLINICAL.md 1.4
# and 1.5: clinic policy; 20% of surveyed US clinics require it), and the ages
# (years, inclusive) at which a patient whose sex at birth is female is tested.
KETACLINIC_PREGNANCY_TEST_REQUIRED = env_bool(
    "KETACLINIC_PREGNANCY_TEST_REQUIRED", False
)
KETACLINIC_PREGNANCY_TEST_AGE_FROM = env_int(
    "KETACLINIC_PREGNANCY_TEST_AGE_FROM", 12, minimum=0
)
KETACLINIC_PREGNANCY_TEST_AGE_TO = env_int(
    "KETACLINIC_PREGNANCY_TEST_AGE_TO", 55, minimum=0
)
# --- Infusion day: monitoring (CLINICAL.md 1.6, 1.7 and 1.9) ------------------------
# The dissociation scale the nurses chart: "cadss6" (the CADSS-6 total, six items
# of 0-4, 0-24; Rodrigues et al. 2021) or "none" (the clinic charts dissociation
# as a side effect in words only).
KETACLINIC_DISSOCIATION_SCALE = env_choice(
    "KETACLINIC_DISSOCIATION_SCALE", "cadss6", ("cadss6", "none")
)
# How far ahead of the server's clock a charted time may be (a tablet's clock
# runs a little fast or slow), in minutes.
KETACLINIC_CHART_CLOCK_SKEW_MINUTES = env_int(
    "KETACLINIC_CHART_CLOCK_SKEW_MINUTES", 2, minimum=0
)
# The days that are no business day besides Saturdays and Sundays: the date a
# theft or significant loss must be reported to the DEA by is one business day
# after it is found (CLINICAL.md 6). Default: the US federal holidays, by rule.
KETACLINIC_HOLIDAYS = env_holidays("KETACLINIC_HOLIDAYS", "us-federal")
# The clinic's screening policy: CLINICAL.md's defaults (ScreeningPolicy in
# ketaclinic.clinical.screening) with the changes its medical director sets.
KETACLINIC_SCREENING_POLICY = env_screening_policy("KETACLINIC_SCREENING_POLICY")

# --- Reminders and messages -------------------------------------------------------
# Background work (reminders, message sending) runs through Django's tasks API
# on the database backend; `ketaclinic worker` runs the tasks.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# Where patients reach the clinic: the start of links in emails and texts.
_base_url = env_str("KETACLINIC_BASE_URL", "http://127.0.0.1:8000")
if not _base_url.startswith(("http://", "https://")):
    raise ConfigError(
        f"KETACLINIC_BASE_URL={_base_url!r}: expected the clinic's address, e.g. "
        "https://clinic.example.org."
    )
KETACLINIC_BASE_URL = _base_url.rstrip("/")
_offsets = env_list("KETACLINIC_REMINDER_OFFSETS_HOURS", ["48", "24"])
if not all(h.isdigit() and 0 < int(h) <= 24 * 60 for h in _offsets):
    raise ConfigError(
        f"KETACLINIC_REMINDER_OFFSETS_HOURS={','.join(_offsets)!r}: expected whole "
        "numbers of hours before a visit, e.g. 48,24."
    )
KETACLINIC_REMINDER_OFFSETS_HOURS = sorted({int(h) for h in _offsets}, reverse=True)
# A confirm or cancel link in a reminder stops working after this many days.
KETACLINIC_VISIT_LINK_DAYS = env_int("KETACLINIC_VISIT_LINK_DAYS", 30, minimum=1)
# Tries of one message before it shows as failed (retries wait 1, 4, 16 ... min).
KETACLINIC_MESSAGE_ATTEMPTS = env_int("KETACLINIC_MESSAGE_ATTEMPTS", 5, minimum=1)
# Text messages: "console" prints them; "http" posts them to a Twilio-compatible
# API (KETACLINIC_SMS_URL/2010-04-01/Accounts/<sid>/Messages.json).
KETACLINIC_SMS_BACKEND = env_choice(
    "KETACLINIC_SMS_BACKEND", "console", ("console", "http")
)
KETACLINIC_SMS_URL = env_str("KETACLINIC_SMS_URL", "https://api.twilio.com").rstrip("/")
KETACLINIC_SMS_ACCOUNT_SID = env_str("KETACLINIC_SMS_ACCOUNT_SID", "")
KETACLINIC_SMS_AUTH_TOKEN = env_str("KETACLINIC_SMS_AUTH_TOKEN", "")
KETACLINIC_SMS_FROM = env_str("KETACLINIC_SMS_FROM", "")
if KETACLINIC_SMS_BACKEND == "http":
    for _name in ("ACCOUNT_SID", "AUTH_TOKEN", "FROM"):
        if not globals()[f"KETACLINIC_SMS_{_name}"]:
            raise ConfigError(
                f"KETACLINIC_SMS_{_name}: required when KETACLINIC_SMS_BACKEND=http."
            )

# --- Inquiries (the public get-started form) --------------------------------------
# A consultation booking link stops working after this many days.
KETACLINIC_INQUIRY_LINK_DAYS = env_int("KETACLINIC_INQUIRY_LINK_DAYS", 30, minimum=1)
# Form posts allowed per client address per hour (counted in the database).
KETACLINIC_INQUIRY_RATE_PER_HOUR = env_int(
    "KETACLINIC_INQUIRY_RATE_PER_HOUR", 10, minimum=1
)
# How far ahead a visitor may book a free consultation.
KETACLINIC_CONSULTATION_DAYS_AHEAD = env_int(
    "KETACLINIC_CONSULTATION_DAYS_AHEAD", 28, minimum=1
)
# Shown at once to a visitor who answers yes to the crisis question.
KETACLINIC_CRISIS_LINE = env_str("KETACLINIC_CRISIS_LINE", "988")
KETACLINIC_EMERGENCY_NUMBER = env_str("KETACLINIC_EMERGENCY_NUMBER", "911")

# --- Safety answers ---------------------------------------------------------------
# A C-SSRS screener answer of real suicidal thoughts (question 2 yes), even with
# no method, intent or plan, raises an urgent task for a clinician (CLINICAL.md
# 5.1 rates it low risk; the clinic's policy decides whether it waits for the
# visit). Off: only moderate or high risk raise a task.
KETACLINIC_CSSRS_Q2_TASK = env_bool("KETACLINIC_CSSRS_Q2_TASK", True)
# What a patient who gave a safety answer reads about reaching help when the
# clinic is closed. Default from CLINICAL.md 3 (discharge instructions:
# suicidal thoughts -> 911/ER and 988).
KETACLINIC_AFTER_HOURS_INSTRUCTION = env_str(
    "KETACLINIC_AFTER_HOURS_INSTRUCTION",
    "Nobody at the clinic may read your answers until it opens again. If you "
    "have thoughts of harming yourself, call or text "
    f"{KETACLINIC_CRISIS_LINE} (Suicide & Crisis Lifeline, at any hour), or call "
    f"{KETACLINIC_EMERGENCY_NUMBER} or go to the nearest emergency room.",
)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "WARNING")},
}
CSRF_FAILURE_VIEW = "ketaclinic.core.views.csrf_failure"

# --- Infusion day: discharge ---------------------------------------------------------
# The discharge score the nurses chart in recovery (CLINICAL.md 3.1-3.2): "padss"
# (modified PADSS, the score made for discharge home, the default) or "aldrete"
# (modified Aldrete, made for leaving phase I recovery).
KETACLINIC_DISCHARGE_SCALE = env_choice(
    "KETACLINIC_DISCHARGE_SCALE", "padss", ("padss", "aldrete")
)
