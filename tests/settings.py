"""Test settings: the real settings with a private data folder, plain static files and a
fast password hasher. Everything else (databases included) is exactly as in production."""

import atexit
import os
import shutil
import tempfile

if "SAFETYHUB_DATA_DIR" not in os.environ:  # child processes inherit it and leave it be
    os.environ["SAFETYHUB_DATA_DIR"] = tempfile.mkdtemp(prefix="safetyhub-test-")
    atexit.register(shutil.rmtree, os.environ["SAFETYHUB_DATA_DIR"], ignore_errors=True)

from safetyhub.settings import *  # noqa: F403
from safetyhub.settings import DATA_DIR, STORAGES

STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
(DATA_DIR / "static").mkdir(parents=True, exist_ok=True)
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# SQLite runs the tests on a file, as in production (WAL, busy timeout), not the shared-cache
# in-memory database, whose table locks make concurrent-writer tests meaningless.
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):  # noqa: F405
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / "test.sqlite3")}  # noqa: F405

# Tasks run at once in tests; tests/core/test_tasks.py runs the real database queue + worker.
TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
