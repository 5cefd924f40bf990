"""``manage.py create_admin``: the first (or another) administrator, in the Admin group.

The password comes from standard input with ``--password-stdin`` (one line, for scripts and
containers) or is prompted for twice; a blank one is refused, and Django's password
validators apply. There is no default password.
"""

from __future__ import annotations

import getpass
import sys
from typing import Any

from django.contrib.auth import password_validation
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from hierarchy.accounts import create_admin


class Command(BaseCommand):
    help = "Create a superuser in the Admin group (password from --password-stdin or a prompt)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--username", default="admin", help="User name (default: admin).")
        parser.add_argument("--email", default="", help="E-mail address (optional).")
        parser.add_argument(
            "--password-stdin", action="store_true", help="Read the password from stdin."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        username = options["username"].strip()
        if not username:
            raise CommandError("The user name must not be blank.")
        if User.objects.filter(username=username).exists():
            raise CommandError(f"A user named {username!r} exists already.")
        password = self._password(options["password_stdin"])
        if not password:
            raise CommandError("A blank password is refused.")
        try:
            password_validation.validate_password(password, User(username=username))
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        create_admin(username, password, options["email"])
        self.stdout.write(self.style.SUCCESS(f"Administrator {username!r} created."))

    def _password(self, from_stdin: bool) -> str:
        """The password from one line of stdin, or typed twice at a prompt."""
        if from_stdin:
            return sys.stdin.readline().rstrip("\r\n")
        first = getpass.getpass("Password: ")
        if first and getpass.getpass("Password (again): ") != first:
            raise CommandError("The two passwords differ.")
        return first
