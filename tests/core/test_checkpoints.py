"""Signed chain heads kept outside the database catch a truncated trail."""

import json

import pytest
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from safetyhub.core.models import AuditChain, AuditEntry

from ..factories import SiteFactory
from .test_audit import tamper


def add_sites(org, count: int) -> None:
    for n in range(count):
        SiteFactory(organization=org, name=f"Unit {n}")


def truncate(chain: str, keep: int) -> None:
    """The intruder's move: delete the newest entries and set the chain head back to the
    last one kept, so the trail itself looks whole."""
    tamper("DELETE FROM core_auditentry WHERE chain = %s AND seq > %s", [chain, keep])
    kept = AuditEntry.objects.get(chain=chain, seq=keep)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE core_auditchain SET last_seq = %s, last_hash = %s WHERE key = %s",
                       [keep, kept.hash, chain])


def test_checkpoint_appends_one_signed_line_per_chain(org, other_org, tmp_path, capsys):
    add_sites(org, 2)
    add_sites(other_org, 1)
    file = tmp_path / "heads.jsonl"
    call_command("audit", "checkpoint", "--file", str(file))
    call_command("audit", "checkpoint", "--file", str(file))
    lines = [json.loads(line) for line in file.read_text().splitlines()]
    chains = {head.key: head for head in AuditChain.objects.all()}
    assert len(lines) == 2 * len(chains)
    for line in lines:
        assert (line["seq"], line["hash"]) == (chains[line["chain"]].last_seq,
                                               chains[line["chain"]].last_hash)
        assert set(line) == {"chain", "seq", "hash", "at", "key", "signature"}
    assert "chain heads appended" in capsys.readouterr().out


def test_verify_catches_a_truncated_tail_only_against_a_checkpoint(org, tmp_path):
    add_sites(org, 4)
    chain = f"org:{org.pk}"
    file = tmp_path / "heads.jsonl"
    call_command("audit", "checkpoint", "--file", str(file))
    last = AuditChain.objects.get(key=chain).last_seq
    truncate(chain, keep=last - 2)

    call_command("audit", "verify")  # the trail alone cannot tell: this is why checkpoints
    with pytest.raises(CommandError, match=rf"{chain}: entries after #{last - 2} were removed "
                                           rf"\(the checkpoint of .* records #{last}\)"):
        call_command("audit", "verify", "--file", str(file))


def test_verify_reads_the_configured_checkpoint_file(org, tmp_path, settings):
    add_sites(org, 3)
    settings.AUDIT_CHECKPOINT_FILE = str(tmp_path / "heads.jsonl")
    call_command("audit", "checkpoint")
    chain = f"org:{org.pk}"
    truncate(chain, keep=AuditChain.objects.get(key=chain).last_seq - 1)
    with pytest.raises(CommandError, match="were removed"):
        call_command("audit", "verify")


def test_a_forged_or_altered_checkpoint_line_is_refused(org, tmp_path):
    add_sites(org, 2)
    file = tmp_path / "heads.jsonl"
    call_command("audit", "checkpoint", "--file", str(file))
    line = json.loads(file.read_text().splitlines()[0])
    line["seq"] = 1  # an intruder "moving the checkpoint back" to hide a truncation
    file.write_text(json.dumps(line) + "\nnot json\n")
    with pytest.raises(CommandError, match="checkpoint line 1 was altered"):
        call_command("audit", "verify", "--file", str(file))


def test_checkpoint_refuses_to_sign_a_broken_trail(org, tmp_path):
    add_sites(org, 3)
    entry = AuditEntry.objects.filter(chain=f"org:{org.pk}").order_by("seq")[1]
    tamper("UPDATE core_auditentry SET actor_label = 'x' WHERE id = %s", [entry.pk])
    file = tmp_path / "heads.jsonl"
    with pytest.raises(CommandError, match="not signing a broken trail"):
        call_command("audit", "checkpoint", "--file", str(file))
    assert not file.exists()


def test_checkpoint_can_be_mailed(org):
    add_sites(org, 1)
    call_command("audit", "checkpoint", "--mail", "auditor@example.org")
    (message,) = mail.outbox
    assert message.to == ["auditor@example.org"]
    assert json.loads(message.body.splitlines()[0])["signature"]


def test_checkpoint_needs_a_destination(db):
    with pytest.raises(CommandError, match="--file PATH"):
        call_command("audit", "checkpoint")
