"""A throw-away MariaDB server for the integration tests.

Uses the binaries of Debian's ``mariadb-server`` package (``mariadbd`` and
``mariadb-install-db``, from ``mariadb-server-core``): initialises a data directory in a
temporary folder, starts the server as the current user on a Unix socket and a free
loopback TCP port, and removes everything on ``stop()``. Nothing is read from or
written to the system's MariaDB configuration (``--no-defaults``).

Run directly (``python tests/mariadb_server.py``) to start one and print how to reach it.
"""

from __future__ import annotations

import atexit
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from typing import List, Optional, Tuple

SEARCH_DIRS = ("/usr/sbin", "/usr/bin", "/usr/libexec", "/usr/local/sbin", "/usr/local/bin")


def _find(names: Tuple[str, ...]) -> Optional[str]:
    for name in names:
        found = shutil.which(name)
        if found:
            return found
        for folder in SEARCH_DIRS:
            candidate = os.path.join(folder, name)
            if os.access(candidate, os.X_OK):
                return candidate
    return None


def find_binaries() -> Optional[Tuple[str, str]]:
    """``(mariadbd, mariadb-install-db)`` paths, or None when not installed."""
    server = _find(("mariadbd",))
    installer = _find(("mariadb-install-db", "mysql_install_db"))
    if server and installer:
        return server, installer
    return None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class MariaDBServer:
    """One mariadbd process with its own data directory."""

    def __init__(self, server: str, installer: str) -> None:
        self.server = server
        self.installer = installer
        # short path: Unix socket paths are limited to ~107 bytes
        self.base = Path(tempfile.mkdtemp(prefix="mdb-"))
        self.datadir = self.base / "data"
        self.socket = str(self.base / "mysqld.sock")
        self.error_log = self.base / "error.log"
        self.port = 0
        self.process: Optional[subprocess.Popen] = None
        atexit.register(self.stop)

    def _user_args(self) -> List[str]:
        # mariadbd refuses to run as root unless told to
        return ["--user=root"] if os.geteuid() == 0 else []

    def _tuning(self) -> List[str]:
        return [
            "--innodb-buffer-pool-size=32M",
            "--innodb-log-file-size=8M",
            "--innodb-flush-log-at-trx-commit=2",
            "--skip-log-bin",
            "--skip-name-resolve",
            "--character-set-server=utf8mb4",
        ]

    def install(self) -> None:
        """Initialise the system tables (root@localhost without password)."""
        cmd = [
            self.installer,
            "--no-defaults",
            f"--datadir={self.datadir}",
            "--auth-root-authentication-method=normal",
            "--skip-test-db",
            *self._user_args(),
            *self._tuning(),
        ]
        result = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                text=True, timeout=180)
        if result.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd)} failed:\n{result.stdout[-4000:]}")

    def start(self, timeout: float = 60.0) -> None:
        """Install, start, and wait until the server accepts connections."""
        self.install()
        for _attempt in range(3):
            self.port = _free_port()
            cmd = [
                self.server,
                "--no-defaults",
                f"--datadir={self.datadir}",
                f"--socket={self.socket}",
                f"--port={self.port}",
                "--bind-address=127.0.0.1",
                f"--pid-file={self.base / 'mysqld.pid'}",
                f"--log-error={self.error_log}",
                *self._user_args(),
                *self._tuning(),
            ]
            self.process = subprocess.Popen(cmd, stdout=subprocess.DEVNULL,
                                            stderr=subprocess.DEVNULL)
            if self._wait_ready(timeout):
                return
            log = self.log_tail()
            self._terminate()
            if "already in use" not in log:
                raise RuntimeError(f"mariadbd did not start:\n{log}")
        raise RuntimeError(f"mariadbd could not bind a port:\n{self.log_tail()}")

    def _wait_ready(self, timeout: float) -> bool:
        import pymysql

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is None or self.process.poll() is not None:
                return False
            if os.path.exists(self.socket):
                try:
                    pymysql.connect(unix_socket=self.socket, user="root", password="",
                                    connect_timeout=2).close()
                    return True
                except pymysql.err.MySQLError:
                    pass
            time.sleep(0.05)
        return False

    def log_tail(self, chars: int = 4000) -> str:
        try:
            return self.error_log.read_text(errors="replace")[-chars:]
        except OSError:
            return "<no error log>"

    def admin(self):
        """A root connection over the Unix socket (autocommit)."""
        import pymysql

        return pymysql.connect(unix_socket=self.socket, user="root", password="",
                               autocommit=True, charset="utf8mb4")

    def _terminate(self) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.process = None

    def stop(self) -> None:
        """Shut the server down and delete its files (idempotent)."""
        self._terminate()
        shutil.rmtree(self.base, ignore_errors=True)


if __name__ == "__main__":  # pragma: no cover - manual helper
    binaries = find_binaries()
    if binaries is None:
        raise SystemExit("mariadbd / mariadb-install-db not found: apt-get install mariadb-server")
    srv = MariaDBServer(*binaries)
    srv.start()
    print(f"MariaDB ready: socket {srv.socket}, 127.0.0.1:{srv.port}, user root (no password)")
    print("Ctrl-C to stop")
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        srv.stop()
