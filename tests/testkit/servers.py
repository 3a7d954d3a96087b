"""Throwaway servers and processes for tests."""
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from college_platform.settings import local_mongo_uri

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class GaveUp(Exception):
    """Raised by a predicate when waiting longer cannot help (a process died)."""


def wait_until(predicate, timeout=15.0, interval=0.1, message="condition"):
    """Poll ``predicate`` until it returns a truthy value; fail loudly on timeout."""
    deadline = time.monotonic() + timeout
    last_error = None
    while time.monotonic() < deadline:
        try:
            value = predicate()
            if value:
                return value
        except GaveUp:
            raise
        except Exception as exc:  # the thing polled may not be ready yet
            last_error = exc
        time.sleep(interval)
    raise AssertionError("timed out after %.1fs waiting for %s (last error: %r)"
                         % (timeout, message, last_error))


def port_open(port, host="127.0.0.1"):
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


class SecantusServer:
    """A private SecantusDB on a free port, data in memory; ``on_disk=True``
    keeps it in a temporary folder so the server can be stopped and started
    again (a database outage) without losing it; ``storage_path`` keeps it in
    a folder that outlives the server (a benchmark's dataset)."""

    def __init__(self, on_disk=False, storage_path=None):
        self.port = free_port()
        self.log = tempfile.NamedTemporaryFile(prefix="secantusd-", suffix=".log", delete=False)
        self.storage_path = storage_path
        self.data_dir = tempfile.mkdtemp(prefix="secantusd-") if on_disk else None
        self.start()

    def start(self):
        self.process = subprocess.Popen(
            [str(BIN / "secantusd-py"), "--host", "127.0.0.1", "--port", str(self.port),
             "--storage-path", str(self.storage_path or self.data_dir or ":memory:"),
             "--log-level", "WARNING"],
            stdout=self.log, stderr=subprocess.STDOUT, preexec_fn=die_with_parent)
        wait_until(lambda: port_open(self.port), timeout=60, message="SecantusDB to listen")

    def halt(self):
        """Stop the server, keeping its data for ``start``: an outage."""
        self.process.terminate()
        try:
            self.process.wait(15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(5)

    @property
    def uri(self):
        return local_mongo_uri(self.port)

    def stop(self):
        self.halt()
        Path(self.log.name).unlink(missing_ok=True)
        if self.data_dir:
            shutil.rmtree(self.data_dir, ignore_errors=True)


def die_with_parent():
    """A test process killed outright takes its children with it."""
    import ctypes
    import signal
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


class ServiceProcess:
    """One component under ``nameko run``, as it runs in production."""

    def __init__(self, folder, target, config, env):
        self.folder = folder
        self.log = tempfile.NamedTemporaryFile(prefix="%s-" % Path(folder).name, suffix=".log",
                                               delete=False)
        process_env = dict(os.environ, **env)
        process_env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "lib"), str(ROOT / folder)])
        self.process = subprocess.Popen(
            [sys.executable, "-m", "nameko", "run", "--config", str(config), target],
            cwd=ROOT, env=process_env, stdout=self.log, stderr=subprocess.STDOUT,
            preexec_fn=die_with_parent)

    def output(self):
        with open(self.log.name, encoding="utf-8", errors="replace") as handle:
            return handle.read()

    def kill_hard(self):
        self.process.kill()
        self.process.wait(10)

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        Path(self.log.name).unlink(missing_ok=True)
