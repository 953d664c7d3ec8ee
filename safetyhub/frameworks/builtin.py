"""The packs shipped in safetyhub/frameworks/packs/, read once per process."""

from functools import cache
from pathlib import Path

from .loader import LoadedPack, load_packs, read_files

PACKS_DIR = Path(__file__).resolve().parent / "packs"


def builtin_pack_files() -> list[Path]:
    return sorted(PACKS_DIR.glob("*.yaml"))


@cache
def builtin_packs() -> tuple[LoadedPack, ...]:
    """Every shipped pack, validated together (raises PackInvalid if any is broken)."""
    return tuple(load_packs(read_files(builtin_pack_files())))

