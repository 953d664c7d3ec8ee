# The people and records the action and aggregate-review tests share (action_people.py).
from .action_people import event, executive, lead, manager, org, review, reviewer  # noqa: F401
