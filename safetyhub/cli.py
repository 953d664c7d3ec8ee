"""The `safetyhub` command: Django's management commands under one name.

    safetyhub demo            set up the local database with demo data and serve it
    safetyhub serve           production WSGI server (gunicorn)
    safetyhub worker          background-task worker; also runs the daily jobs (no cron)
    safetyhub audit verify    check the audit trail's hash chains
    safetyhub audit checkpoint --file F   keep signed chain heads outside the database
    safetyhub network-create --name N --lead EMAIL   start a learning network and its lead
    safetyhub <command>       any other management command (migrate, createsuperuser, …)
"""

import os
import sys

# Short names for management commands ("worker" is core's own command).
ALIASES: dict[str, str] = {"network-create": "network_create"}


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "safetyhub.settings")
    if len(argv) > 1:
        argv[1] = ALIASES.get(argv[1], argv[1])
    from django.core.management import execute_from_command_line

    execute_from_command_line(argv)


if __name__ == "__main__":
    main()
