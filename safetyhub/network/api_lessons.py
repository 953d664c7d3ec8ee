"""API for lessons."""

from ninja import Router

router = Router(tags=["network"])
