"""Real mail servers for the inbound tests, each a private instance on loopback with its own
configuration under a temporary directory: Postfix (`postfix -c DIR`) delivering through a
`pipe` transport to `tracker inbound`, and Dovecot (`dovecot -c FILE`) serving IMAP.

Both run as root here (the test machine and CI); Postfix's pipe runs the command as
`nobody`, so the command is the Python interpreter that user can execute with this
checkout and its installed packages on PYTHONPATH.
"""

from __future__ import annotations

import atexit
import os
import shutil
import site
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
POSTFIX = shutil.which("postfix") or "/usr/sbin/postfix"
DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"
SERVICES = """\
smtp      inet  n       -       n       -       -       smtpd
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
local     unix  -       n       n       -       -       local
lmtp      unix  -       -       n       -       -       lmtp
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
"""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def python_for_nobody() -> list[str] | None:
    """A command line running Python as `nobody` with this checkout importable, or None.

    The virtual environment may live where only root can enter (CI makes it under a
    0700 `mktemp -d`, a checkout may sit under /root); then the installed packages and
    the checkout's own are linked into a directory every user can traverse."""
    paths = os.pathsep.join([*site.getsitepackages(), str(ROOT)])
    # The interpreter too may be root's own (pyenv under /root); the system's is the same
    # minor version and can load the same compiled packages.
    pythons = list(dict.fromkeys([os.path.realpath(sys.executable), "/usr/bin/python3"]))
    for python in pythons:
        if _nobody_can_import(python, paths):
            return ["/usr/bin/env", f"PYTHONPATH={paths}", python, "-m", "tracker.cli"]
    shared = str(_readable_copy())
    for python in pythons:
        if _nobody_can_import(python, shared):
            return ["/usr/bin/env", f"PYTHONPATH={shared}", python, "-m", "tracker.cli"]
    return None


def _nobody_can_import(python: str, paths: str) -> bool:
    probe = subprocess.run(
        ["runuser", "-u", "nobody", "--", "env", f"PYTHONPATH={paths}", python, "-c",
         "import tracker.cli"], capture_output=True, cwd="/")
    return probe.returncode == 0


def _readable_copy() -> Path:
    # Hard links where the file system allows them: a copy of 500 MB of packages in a second.
    target = _shared_dir("tracker-packages-")
    atexit.register(shutil.rmtree, target, ignore_errors=True)
    sources = [Path(path) for path in site.getsitepackages() if Path(path).is_dir()]
    sources.append(ROOT)
    for source in sources:
        for entry in source.iterdir():
            if source == ROOT and entry.name not in ("tracker", "db", "notifications", "templates"):
                continue
            destination = target / entry.name
            if destination.exists():
                continue
            if entry.is_dir():
                shutil.copytree(entry, destination, copy_function=_link_or_copy, symlinks=True)
            else:
                _link_or_copy(str(entry), str(destination))
    return target


def _link_or_copy(source: str, destination: str) -> None:
    try:
        os.link(source, destination)
    except OSError:
        shutil.copy2(source, destination)


def _shared_dir(prefix: str) -> Path:
    # Under /tmp with a path every user can traverse (pytest's tmp_path is root-only).
    path = Path(tempfile.mkdtemp(prefix=prefix))
    path.chmod(0o755)
    return path


@dataclass
class Postfix:
    """A running private Postfix: its SMTP port and its configuration directory."""

    port: int
    directory: Path

    def log(self) -> str:
        """The instance's mail log (for failure messages)."""
        path = self.directory / "maillog"
        return path.read_text(errors="replace") if path.exists() else ""


@contextmanager
def postfix(domain: str, command: list[str], environment: dict[str, str]) -> Iterator[Postfix]:
    """Postfix on 127.0.0.1 accepting mail for `domain` and delivering it through a `pipe`
    transport to `command` (run as nobody with `environment`) plus
    `--recipient ${recipient}`."""
    base = _shared_dir("tracker-postfix-")
    config, spool, data = base / "etc", base / "spool", base / "data"
    for path in (config, spool, data):
        path.mkdir()
    shutil.chown(data, "postfix")
    port = free_port()
    settings = {
        "compatibility_level": "3.6", "config_directory": str(config),
        "queue_directory": str(spool), "data_directory": str(data),
        "myhostname": f"mx.{domain}", "mydomain": domain, "mydestination": "",
        "inet_interfaces": "127.0.0.1", "inet_protocols": "ipv4",
        "mynetworks": "127.0.0.0/8", "relay_domains": domain,
        "transport_maps": f"inline:{{ {domain}=tracker: }}", "recipient_delimiter": "+",
        "smtpd_relay_restrictions": "permit_mynetworks, reject_unauth_destination",
        "tracker_destination_recipient_limit": "1", "maillog_file": str(base / "maillog"),
        "maillog_file_prefixes": str(base), "biff": "no",
        "smtputf8_enable": "yes", "shlib_directory": "/usr/lib/postfix",
        "meta_directory": "/etc/postfix", "alias_maps": "", "alias_database": "",
    }
    (config / "main.cf").write_text("".join(f"{k} = {v}\n" for k, v in settings.items()))
    argv = " ".join([*command[:1], *(f"{k}={v}" for k, v in environment.items()),
                     *command[1:], "--recipient", "${recipient}"])
    (config / "master.cf").write_text(
        SERVICES.replace("smtp      inet", f"127.0.0.1:{port} inet") +
        f"tracker   unix  -       n       n       -       -       pipe\n"
        f"  flags=Rq user=nobody argv={argv}\n")
    _run([POSTFIX, "-c", str(config), "check"])
    _run([POSTFIX, "-c", str(config), "start"])
    try:
        _wait_for_port(port)
        yield Postfix(port, base)
    finally:
        subprocess.run([POSTFIX, "-c", str(config), "stop"], capture_output=True)
        shutil.rmtree(base, ignore_errors=True)


@dataclass
class Dovecot:
    """A running private Dovecot: its IMAP port, the one user's login, and its mail dir."""

    port: int
    user: str
    password: str
    mail: Path

    def deliver(self, raw: bytes, folder: str = "INBOX") -> None:
        """Put a message in the user's folder (Maildir `new/`), as an MDA would."""
        box = self.mail if folder == "INBOX" else self.mail / f".{folder}"
        for sub in ("cur", "new", "tmp"):
            (box / sub).mkdir(parents=True, exist_ok=True)
        name = f"{time.time_ns()}.tracker-test"
        (box / "tmp" / name).write_bytes(raw)
        (box / "tmp" / name).rename(box / "new" / name)
        for path in [self.mail, *self.mail.rglob("*")]:
            shutil.chown(path, "dovecot", "dovecot")


@contextmanager
def dovecot() -> Iterator[Dovecot]:
    """Dovecot IMAP (plain login allowed, loopback only) with one user, `reply`, whose mail
    is a Maildir under a temporary directory."""
    base = _shared_dir("tracker-dovecot-")
    mail, run = base / "mail", base / "run"
    mail.mkdir()
    run.mkdir()
    for path in (mail,):
        shutil.chown(path, "dovecot", "dovecot")
    port, password = free_port(), "imap-test-password"
    (base / "passwd").write_text(f"reply:{{PLAIN}}{password}:::::\n")
    config = base / "dovecot.conf"
    config.write_text(f"""\
base_dir = {run}
state_dir = {base}/state
instance_name = tracker-test-{port}
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
log_path = {base}/dovecot.log
mail_location = maildir:{mail}
mail_uid = dovecot
mail_gid = dovecot
first_valid_uid = 1
default_internal_user = dovecot
default_login_user = dovenull
passdb {{
  driver = passwd-file
  args = scheme=PLAIN {base}/passwd
}}
userdb {{
  driver = static
  args = uid=dovecot gid=dovecot home={base}/home
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
service imap-login {{
  chroot =
}}
""")
    (base / "state").mkdir()
    _run([DOVECOT, "-c", str(config)])
    try:
        _wait_for_port(port)
        yield Dovecot(port, "reply", password, mail)
    finally:
        subprocess.run([DOVECOT, "-c", str(config), "stop"], capture_output=True)
        shutil.rmtree(base, ignore_errors=True)


def _run(command: list[str]) -> None:
    # Output goes through a file: a daemon that forks keeps a pipe open, and a pipe would
    # keep this waiting for its end.
    with tempfile.TemporaryFile() as output:
        result = subprocess.run(command, stdout=output, stderr=output, stdin=subprocess.DEVNULL)
        if result.returncode != 0:
            output.seek(0)
            text = output.read().decode(errors="replace")
            raise RuntimeError(f"{' '.join(command)} failed: {text}")


def _wait_for_port(port: int, seconds: float = 20.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port}")
