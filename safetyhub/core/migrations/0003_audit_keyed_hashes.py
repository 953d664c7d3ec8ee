"""The audit chain becomes keyed (HMAC-SHA256 under settings.AUDIT_KEYS, see audit.py).

Existing entries were chained with plain SHA-256. Each chain is checked in that old form
first and then signed anew with the current key; a chain that is already broken is not
re-signed (that would launder the break): the migration stops and names it.
"""

import datetime as dt
import hashlib
import json

from django.db import migrations, models

from safetyhub.core import append_only, audit


def _legacy_hash(entry) -> str:
    payload = {
        "chain": entry.chain,
        "seq": entry.seq,
        "at": entry.at.astimezone(dt.UTC).isoformat(timespec="microseconds"),
        "organization": entry.organization_id,
        "actor": entry.actor_id,
        "actor_label": entry.actor_label,
        "action": entry.action,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "object_repr": entry.object_repr,
        "changes": entry.changes,
        "prev": entry.prev_hash,
    }
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def _in_batches(entries, size: int = 2000):
    """The chain's entries by seq, read in batches (they are updated as they are read)."""
    last = 0
    while batch := list(entries.filter(seq__gt=last).order_by("seq")[:size]):
        yield from batch
        last = batch[-1].seq


def sign_existing_entries(apps, schema_editor):
    AuditEntry = apps.get_model("core", "AuditEntry")
    AuditChain = apps.get_model("core", "AuditChain")
    connection = schema_editor.connection
    key_id, key = audit.signing_key()
    chains = AuditEntry.objects.values_list("chain", flat=True).distinct().order_by("chain")
    with append_only.suspended(connection):
        for chain in list(chains):
            old_prev, new_prev, seq = "", "", 0
            for entry in _in_batches(AuditEntry.objects.filter(chain=chain)):
                seq += 1
                if (entry.seq != seq or entry.prev_hash != old_prev
                        or _legacy_hash(entry) != entry.hash):
                    raise RuntimeError(
                        f"audit chain {chain} is broken at entry #{seq}: it was altered before "
                        "this upgrade. Not re-signing it (that would hide the break); keep a "
                        "copy of the database and investigate (`safetyhub audit verify` on the "
                        "previous version names the link).")
                old_prev = entry.hash
                entry.prev_hash, entry.key_id = new_prev, key_id
                entry.hash = audit.entry_hash(entry, key)
                AuditEntry.objects.filter(pk=entry.pk).update(
                    prev_hash=entry.prev_hash, key_id=key_id, hash=entry.hash)
                new_prev = entry.hash
            head = AuditChain.objects.filter(key=chain).first()
            if head is not None and (head.last_seq, head.last_hash) != (seq, old_prev):
                raise RuntimeError(
                    f"audit chain {chain}: its head records entry #{head.last_seq} but the "
                    f"chain ends at #{seq}: entries were removed before this upgrade. Not "
                    "re-signing it; keep a copy of the database and investigate.")
            AuditChain.objects.filter(key=chain).update(last_hash=new_prev)


class Migration(migrations.Migration):
    dependencies = [("core", "0002_audit_append_only_trigger")]
    operations = [
        migrations.AddField(
            model_name="auditentry",
            name="key_id",
            field=models.CharField(default="", max_length=40),
        ),
        migrations.RunPython(sign_existing_entries, migrations.RunPython.noop),
    ]
