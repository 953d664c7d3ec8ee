"""API for network aggregates."""

from ninja import Router

router = Router(tags=["network"])
