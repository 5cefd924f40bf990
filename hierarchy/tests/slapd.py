"""A private OpenLDAP server (Debian's slapd) for the directory sign-in tests.

:class:`Slapd` writes a ``slapd.conf`` and an LDIF of the base DIT, people and groups into
a temporary folder, loads them with ``slapadd`` and runs ``slapd`` on a free port of
127.0.0.1. The password policy overlay is loaded so that an account can be disabled the
way a directory does it (``pwdAccountLockedTime``): its bind is refused by the server.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

SLAPD = "/usr/sbin/slapd"
SLAPADD = "/usr/sbin/slapadd"
SUFFIX = "dc=plant,dc=example"
ADMIN_DN = f"cn=admin,{SUFFIX}"
ADMIN_PASSWORD = "admin-secret"
PEOPLE = f"ou=people,{SUFFIX}"
GROUPS = f"ou=groups,{SUFFIX}"
SCHEMAS = ("core", "cosine", "inetorgperson", "nis")


def available() -> bool:
    """True when slapd and slapadd are installed (Debian packages slapd, ldap-utils)."""
    return Path(SLAPD).exists() and Path(SLAPADD).exists()


def free_port() -> int:
    """A TCP port of 127.0.0.1 nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def group_dn(name: str) -> str:
    """The DN of the test directory's group ``name``."""
    return f"cn={name},{GROUPS}"


def _conf(folder: Path) -> str:
    includes = "".join(f"include /etc/ldap/schema/{name}.schema\n" for name in SCHEMAS)
    return (
        f"{includes}"
        "modulepath /usr/lib/ldap\nmoduleload back_mdb\nmoduleload ppolicy\n"
        f"pidfile {folder / 'slapd.pid'}\nargsfile {folder / 'slapd.args'}\n"
        "database mdb\nmaxsize 10485760\n"
        f'suffix "{SUFFIX}"\nrootdn "{ADMIN_DN}"\nrootpw {ADMIN_PASSWORD}\n'
        f"directory {folder / 'db'}\n"
        f'overlay ppolicy\nppolicy_default "cn=default,ou=policies,{SUFFIX}"\n'
        "access to attrs=userPassword by anonymous auth by self write by * none\n"
        "access to * by * read\n"
    )


def _person(uid: str, password: str, locked: bool = False) -> str:
    lock = "pwdAccountLockedTime: 000001010000Z\n" if locked else ""
    return (
        f"dn: uid={uid},{PEOPLE}\nobjectClass: inetOrgPerson\nuid: {uid}\n"
        f"cn: {uid.title()} Example\ngivenName: {uid.title()}\nsn: Example\n"
        f"mail: {uid}@plant.example\nuserPassword: {password}\n{lock}\n"
    )


class Slapd:
    """One slapd process with its configuration and database in a temporary folder.

    ``users`` maps uid -> password; ``groups`` maps group cn -> member uids; ``locked``
    names uids whose accounts are disabled in the directory.
    """

    def __init__(
        self,
        users: dict[str, str],
        groups: dict[str, list[str]],
        locked: tuple[str, ...] = (),
    ) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="openspc-slapd-"))
        (self.folder / "db").mkdir()
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None
        (self.folder / "slapd.conf").write_text(_conf(self.folder))
        entries = [
            f"dn: {SUFFIX}\nobjectClass: dcObject\nobjectClass: organization\n"
            "dc: plant\no: Example Plant\n\n",
            f"dn: {PEOPLE}\nobjectClass: organizationalUnit\nou: people\n\n",
            f"dn: {GROUPS}\nobjectClass: organizationalUnit\nou: groups\n\n",
            f"dn: ou=policies,{SUFFIX}\nobjectClass: organizationalUnit\nou: policies\n\n",
            f"dn: cn=default,ou=policies,{SUFFIX}\nobjectClass: organizationalRole\n"
            "objectClass: pwdPolicy\ncn: default\npwdAttribute: userPassword\npwdLockout: TRUE\n\n",
        ]
        entries += [_person(uid, pw, uid in locked) for uid, pw in users.items()]
        for name, members in groups.items():
            member_lines = "".join(f"member: uid={uid},{PEOPLE}\n" for uid in members)
            entries.append(
                f"dn: {group_dn(name)}\nobjectClass: groupOfNames\ncn: {name}\n"
                f"{member_lines or f'member: {ADMIN_DN}' + chr(10)}\n"
            )
        (self.folder / "base.ldif").write_text("".join(entries))
        subprocess.run(
            [SLAPADD, "-f", str(self.folder / "slapd.conf"), "-l", str(self.folder / "base.ldif")],
            check=True,
            capture_output=True,
        )

    @property
    def url(self) -> str:
        """The server's ldap:// URL."""
        return f"ldap://127.0.0.1:{self.port}"

    def start(self) -> None:
        """Run slapd in the foreground-debug mode (it stays our child) and wait for it."""
        self.process = subprocess.Popen(
            [SLAPD, "-d", "0", "-h", self.url, "-f", str(self.folder / "slapd.conf")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                err = self.process.stderr.read().decode() if self.process.stderr else ""
                raise RuntimeError(f"slapd exited: {err}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("slapd did not listen within 10 s")

    def stop(self) -> None:
        """Stop slapd (the directory goes down; the data stays for a restart)."""
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None

    def modify(self, ldif: str) -> None:
        """Apply an LDIF change as the directory's administrator (ldapmodify)."""
        subprocess.run(
            ["ldapmodify", "-x", "-H", self.url, "-D", ADMIN_DN, "-w", ADMIN_PASSWORD],
            input=ldif.encode(),
            check=True,
            capture_output=True,
        )

    def cleanup(self) -> None:
        """Stop and remove the folder."""
        self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)
