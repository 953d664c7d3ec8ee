"""Signed chain heads kept outside the database, so that dropping the newest audit entries
(and setting the chain head back) is caught too.

`safetyhub audit checkpoint` verifies every chain and appends one signed line per chain —
its last entry's number and hash — to a file (and/or mails it); `safetyhub audit verify`
checks every line it is given against the database: each recorded entry must still be
there with the same hash. A line is signed with the audit key (HMAC), so whoever can write
the file but not read the key cannot forge one; keep the file where the database's users
cannot delete lines (another machine, append-only storage, a mailbox).
"""

import hashlib
import hmac
import json
from collections.abc import Iterable
from dataclasses import dataclass

from django.utils import timezone

from . import audit
from .models import AuditEntry


class ChainsBroken(Exception):
    """A checkpoint would sign a chain that does not verify."""


@dataclass(frozen=True)
class Checkpoint:
    chain: str
    seq: int
    hash: str
    at: str

    def content(self) -> dict:
        return {"chain": self.chain, "seq": self.seq, "hash": self.hash, "at": self.at}


def _signature(content: dict, key: bytes) -> str:
    return hmac.new(key, audit.canonical(content), hashlib.sha256).hexdigest()


def take_checkpoint() -> list[str]:
    """One signed JSON line per chain for its current head; refuses if any chain is broken
    (a head worth signing must verify first)."""
    reports = audit.verify_chains()
    broken = [problem for report in reports for problem in report.problems]
    if broken:
        raise ChainsBroken("; ".join(broken))
    key_id, key = audit.signing_key()
    at = timezone.now().isoformat(timespec="seconds")
    lines = []
    for report in reports:
        if report.entries == 0:
            continue
        content = Checkpoint(report.chain, report.last_seq, report.last_hash, at).content()
        lines.append(json.dumps(
            {**content, "key": key_id, "signature": _signature(content, key)}, sort_keys=True))
    return lines


def _parse(number: int, line: str, keys: dict[str, bytes]) -> Checkpoint | str:
    """The checkpoint on one line, or the reason it cannot be trusted."""
    try:
        data = json.loads(line)
        checkpoint = Checkpoint(str(data["chain"]), int(data["seq"]), str(data["hash"]),
                                str(data["at"]))
        key_id, signature = str(data["key"]), str(data["signature"])
    except (ValueError, KeyError, TypeError):
        return f"checkpoint line {number} is not a checkpoint"
    key = keys.get(key_id)
    if key is None:
        return (f"checkpoint line {number} is signed with key {key_id!r}, which is not in "
                "AUDIT_KEYS")
    if not hmac.compare_digest(_signature(checkpoint.content(), key), signature):
        return f"checkpoint line {number} was altered (its signature does not match)"
    return checkpoint


def verify_against(lines: Iterable[str], chains: Iterable[str] | None = None
                   ) -> tuple[int, list[str]]:
    """Check checkpoint lines (of `chains`, or all) against the trail: (lines checked,
    problems found)."""
    only = set(chains) if chains else None
    keys = audit.verification_keys()
    problems: list[str] = []
    by_chain: dict[str, list[Checkpoint]] = {}
    checked = 0
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        checked += 1
        checkpoint = _parse(number, line, keys)
        if isinstance(checkpoint, str):
            problems.append(checkpoint)
        elif only is None or audit.base_chain(checkpoint.chain) in only or (
                checkpoint.chain in only):
            by_chain.setdefault(checkpoint.chain, []).append(checkpoint)
    for chain, checkpoints in sorted(by_chain.items()):
        entries = AuditEntry.objects.filter(chain=chain)
        last = entries.order_by("-seq").values_list("seq", flat=True).first() or 0
        hashes = dict(entries.filter(seq__in={c.seq for c in checkpoints})
                      .values_list("seq", "hash"))
        for checkpoint in sorted(checkpoints, key=lambda c: c.seq):
            recorded = hashes.get(checkpoint.seq)
            if checkpoint.seq > last:
                problems.append(
                    f"{chain}: entries after #{last} were removed (the checkpoint of "
                    f"{checkpoint.at} records #{checkpoint.seq})")
                break
            if recorded is None:
                problems.append(f"{chain}: entry #{checkpoint.seq}, recorded by the checkpoint "
                                f"of {checkpoint.at}, is missing")
                break
            if not hmac.compare_digest(recorded, checkpoint.hash):
                problems.append(
                    f"{chain}: entry #{checkpoint.seq} is not the entry the checkpoint of "
                    f"{checkpoint.at} recorded (the chain was rewritten)")
                break
    return checked, problems
