import json
import logging
import os
import subprocess
import sys
from pathlib import Path

from django.core.management import call_command
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from safetyhub.core.demo import ORGANIZATIONS, PEOPLE, load_demo_data
from safetyhub.core.logging import JsonFormatter
from safetyhub.core.models import HealthSystem, Membership, Organization, Role, Site, User

from ..conftest import client_for
from ..factories import UserFactory


def test_demo_data_covers_every_role_and_loads_twice_without_change(db):
    load_demo_data()
    counts = (Organization.objects.count(), User.objects.count(), Membership.objects.count(),
              Site.objects.count())
    load_demo_data()
    assert counts == (Organization.objects.count(), User.objects.count(),
                      Membership.objects.count(), Site.objects.count())
    assert set(Membership.objects.values_list("role", flat=True)) == set(Role.values)
    system = HealthSystem.objects.get()
    assert system.organizations.count() == 2
    # Lakeshore, and the learning network's generated members (network/demo_aggregates.py)
    assert set(Organization.objects.filter(health_system=None).exclude(
        slug__startswith="generated-member-").values_list("slug", flat=True)) == {"lakeshore"}
    assert Site.objects.filter(kind=Site.Kind.UNIT, parent__isnull=False).exists()
    assert len(PEOPLE) >= len(Role.values) and len(ORGANIZATIONS) == 3


def test_demo_people_see_only_their_own_organizations(db):
    load_demo_data()
    lakeshore_admin = User.objects.get(email="admin@lakeshore.example")
    client = client_for(lakeshore_admin)
    assert client.get("/o/lakeshore/").status_code == 200
    assert client.get("/o/riverside-general/").status_code == 404


def test_demo_command_prints_the_sign_ins(db, capsys):
    call_command("demo", no_serve=True)
    out = capsys.readouterr().out
    assert "admin@riverside.example" in out and "safetyhub-demo" in out


def test_superusers_only_in_django_admin(db):
    staff = UserFactory(is_staff=True)
    assert client_for(staff).get("/django-admin/").status_code == 302
    root = UserFactory(is_staff=True, is_superuser=True)
    assert client_for(root).get("/django-admin/").status_code == 302  # no second factor yet
    device = TOTPDevice.objects.create(user=root, name="app", confirmed=True)
    client = client_for(root)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    assert client.get("/django-admin/").status_code == 200


def test_log_lines_are_json_with_extra_fields():
    record = logging.makeLogRecord({"msg": "request", "levelname": "INFO", "name": "x",
                                    "status": 200, "path": "/healthz"})
    line = json.loads(JsonFormatter().format(record))
    assert line["message"] == "request"
    assert (line["status"], line["path"]) == (200, "/healthz")


def test_requests_are_logged_with_status_and_duration(client, db, caplog):
    with caplog.at_level(logging.INFO, logger="safetyhub.request"):
        client.get("/healthz")
    record = next(r for r in caplog.records if r.name == "safetyhub.request")
    assert (record.path, record.status) == ("/healthz", 200)
    assert record.duration_ms >= 0


def test_safetyhub_command_runs_management_commands(tmp_path):
    env = {**os.environ, "SAFETYHUB_DATA_DIR": str(tmp_path),
           "DJANGO_SETTINGS_MODULE": "safetyhub.settings"}
    env.pop("DATABASE_URL", None)
    bin_dir = Path(sys.executable).parent
    result = subprocess.run([bin_dir / "safetyhub", "check"], env=env, capture_output=True,
                            text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout
