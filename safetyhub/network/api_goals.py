"""API for shared goals."""

from ninja import Router

router = Router(tags=["network"])
