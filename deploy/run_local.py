"""Run the whole system on this machine in the foreground: ``make run``.

Finds or starts RabbitMQ and a MongoDB-compatible server, starts the four
services and the gateway, prints their URLs and streams their logs. Ctrl-C
(or SIGTERM) stops every process it started, gracefully, then for good.
"""
import base64
import hashlib
import importlib.util
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

import requests

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var"
BIN = Path(sys.executable).parent
DEFAULT_AMQP_URI = "pyamqp://guest:guest@localhost:5672/"
MANAGEMENT_PORT = 15672
LOCAL_MONGO_PORT = int(os.environ.get("LOCAL_MONGO_PORT", "27017"))

# (name, config, service class, health URL env var, default address)
COMPONENTS = [
    ("enrollment", "services/enrollment", "enrollment.service:EnrollmentService",
     "ENROLLMENT_HTTP_ADDRESS", "127.0.0.1:8001"),
    ("projects", "services/projects", "projects.service:ProjectsService",
     "PROJECTS_HTTP_ADDRESS", "127.0.0.1:8002"),
    ("mentors", "services/mentors", "mentors.service:MentorsService",
     "MENTORS_HTTP_ADDRESS", "127.0.0.1:8003"),
    ("certificates", "services/certificates", "certificates.service:CertificatesService",
     "CERTIFICATES_HTTP_ADDRESS", "127.0.0.1:8004"),
    ("gateway", "gateway", "gateway.service:GatewayService",
     "GATEWAY_HTTP_ADDRESS", "127.0.0.1:8000"),
]


def say(message):
    print("[run] %s" % message, flush=True)


def port_open(host, port, timeout=1.0):
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def wait_for_port(host, port, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if port_open(host, port):
            return True
        time.sleep(0.5)
    return False


def load_enterprise_access():
    """deploy/enterprise_access.py (beside this file): the broker settings deploy applies."""
    spec = importlib.util.spec_from_file_location(
        "enterprise_access", ROOT / "deploy" / "enterprise_access.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


enterprise_access = load_enterprise_access()
BROKER_MAX_MESSAGE_BYTES = enterprise_access.BROKER_MAX_MESSAGE_BYTES


def ensure_rabbitmq(env):
    uri = urlparse(env.setdefault("AMQP_URI", DEFAULT_AMQP_URI))
    host, port = uri.hostname or "localhost", uri.port or 5672
    local = host in ("localhost", "127.0.0.1", "::1")
    if port_open(host, port):
        say("RabbitMQ answers at %s:%d" % (host, port))
        if local:
            limit_message_size()
            enable_management(host)
        else:
            say("make sure its rabbitmq.conf has max_message_size = %d (README)"
                % BROKER_MAX_MESSAGE_BYTES)
        return
    if not local:
        sys.exit("[run] RabbitMQ at %s:%d does not answer; check AMQP_URI" % (host, port))
    if not shutil.which("rabbitmq-server"):
        sys.exit("[run] nothing answers at %s:%d and rabbitmq-server is not installed.\n"
                 "      Install it (Debian/Ubuntu: sudo apt-get install rabbitmq-server)\n"
                 "      or point AMQP_URI at a running broker." % (host, port))
    say("starting the local RabbitMQ (rabbitmq-server -detached)")
    subprocess.run(["rabbitmq-server", "-detached"], check=False, env=dict(
        os.environ, RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-rabbit max_message_size %d"
        % BROKER_MAX_MESSAGE_BYTES))
    if not wait_for_port(host, port, 90):
        sys.exit("[run] rabbitmq-server did not start listening on %d within 90 s" % port)
    enable_management(host)


def enable_management(host):
    """The enterprises' vhost and each enterprise's broker user are made through
    the management API (deploy/enterprise_access.py): enable it on a local
    broker, as deploy/ensure_rabbitmq.sh does for the tests."""
    if port_open(host, MANAGEMENT_PORT):
        return
    if shutil.which("rabbitmq-plugins"):
        say("enabling the RabbitMQ management plugin (rabbitmq-plugins enable rabbitmq_management)")
        done = subprocess.run(["rabbitmq-plugins", "enable", "rabbitmq_management"],
                              capture_output=True, timeout=120)
        if done.returncode == 0 and wait_for_port(host, MANAGEMENT_PORT, 60):
            return
    say("the RabbitMQ management API does not answer on port %d, and provisioning an "
        "enterprise's broker user needs it: run sudo rabbitmq-plugins enable "
        "rabbitmq_management" % MANAGEMENT_PORT)


def limit_message_size():
    """The broker's message size limit on a local broker that was already running
    (until its restart); it needs the node's cookie, so it may not be allowed."""
    if shutil.which("rabbitmqctl") and subprocess.run(
            ["rabbitmqctl", "-q", "eval", "application:set_env(rabbit, max_message_size, %d)."
             % BROKER_MAX_MESSAGE_BYTES], capture_output=True, timeout=60).returncode == 0:
        return
    say("could not set the broker's max_message_size (%d) with rabbitmqctl; put it in its "
        "rabbitmq.conf" % BROKER_MAX_MESSAGE_BYTES)


def ensure_inbound_vhost(env):
    """Enterprises publish to a vhost of their own (docs/inbound.md), set up on a local
    broker through its management API with the services' own credentials."""
    if env.get("INBOUND_VHOST"):
        say("enterprise systems publish on vhost %s (INBOUND_VHOST)" % env["INBOUND_VHOST"])
        return
    uri = urlparse(env["AMQP_URI"])
    api_url = env.get("RABBITMQ_API_URL") or "http://%s:%s@localhost:15672" % (
        uri.username or "guest", uri.password or "guest")
    try:
        api = enterprise_access.ManagementApi(api_url, enterprise_access.INBOUND_VHOST)
        enterprise_access.setup(api, service_user=uri.username or "guest")
    except (SystemExit, OSError, requests.RequestException) as exc:
        say("could not set up the enterprises' vhost (%s); they would share the services' "
            "vhost and could see its queues (docs/inbound.md)" % exc)
        return
    env["INBOUND_VHOST"] = enterprise_access.INBOUND_VHOST
    say("enterprise systems publish on vhost %s: deploy/enterprise_access.py provision <id> "
        "gives one its credentials" % enterprise_access.INBOUND_VHOST)


def ensure_mongo(env, started):
    if env.get("MONGO_URI"):
        say("using MongoDB at MONGO_URI")
        return
    # college_platform.settings.local_mongo_uri (not importable here): why retryable writes are off
    env["MONGO_URI"] = ("mongodb://127.0.0.1:%d/?directConnection=true&retryWrites=false"
                        % LOCAL_MONGO_PORT)
    # `make admin` in another terminal finds the same server (gateway/create_admin.py)
    VAR.mkdir(exist_ok=True)
    (VAR / "local-mongo-port").write_text("%d\n" % LOCAL_MONGO_PORT)
    if port_open("127.0.0.1", LOCAL_MONGO_PORT):
        say("a MongoDB-compatible server already answers on port %d; using it"
            % LOCAL_MONGO_PORT)
        return
    data = VAR / "mongo"
    data.mkdir(parents=True, exist_ok=True)
    say("starting SecantusDB on 127.0.0.1:%d with its data in %s" % (LOCAL_MONGO_PORT, data))
    started.append(launch("mongo", [str(BIN / "secantusd-py"), "--host", "127.0.0.1",
                                    "--port", str(LOCAL_MONGO_PORT),
                                    "--storage-path", str(data), "--log-level", "WARNING"],
                          env))
    if not wait_for_port("127.0.0.1", LOCAL_MONGO_PORT, 60):
        sys.exit("[run] SecantusDB did not start within 60 s")


def ensure_secret(env, name, filename, generate=lambda: secrets.token_urlsafe(32)):
    """Local runs keep generated secrets under var/ (never committed): 32 random
    bytes in base64url, as the components require (README, Configuration)."""
    if env.get(name):
        return
    path = VAR / filename
    if not path.exists():
        VAR.mkdir(exist_ok=True)
        path.write_text(generate())
        path.chmod(0o600)
    env[name] = path.read_text().strip()


def upgrade_signing_key(path):
    """A key file written before keys were seeds holds a passphrase whose SHA-256
    was the Ed25519 seed: rewrite it as that seed, the same key, so credentials
    issued by earlier local runs still verify."""
    if not path.exists():
        return
    text = path.read_text().strip()
    if ":" in text or re.fullmatch(r"[A-Za-z0-9_-]{43}", text):
        return  # already "key-id:seed" or a bare seed
    seed = base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest())
    path.write_text(seed.rstrip(b"=").decode())
    say("converted %s to a base64url seed (the same key)" % path)


def ensure_local_secrets(env):
    ensure_secret(env, "JWT_SECRET", "jwt-secret")
    ensure_secret(env, "METRICS_TOKEN", "metrics-token")
    upgrade_signing_key(VAR / "certificate-signing-key")
    ensure_secret(env, "CERTIFICATE_SIGNING_KEYS", "certificate-signing-key",
                  lambda: "local:" + secrets.token_urlsafe(32))


class Flag:
    """Set from a signal handler, polled by the main loop."""

    def __init__(self):
        self.raised = False
        self.parent = os.getppid()

    def is_set(self):
        # a parent that died without signalling us (make killed) also means stop
        return self.raised or os.getppid() != self.parent


def die_with_parent():
    """Children get SIGTERM if this launcher itself is killed outright."""
    import ctypes
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


class Child:
    def __init__(self, name, process):
        self.name = name
        self.process = process


def launch(name, argv, env):
    process = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, start_new_session=True,
                               preexec_fn=die_with_parent)
    child = Child(name, process)
    threading.Thread(target=relay_output, args=(child,), daemon=True).start()
    return child


def relay_output(child):
    for line in iter(child.process.stdout.readline, b""):
        sys.stdout.write("%-12s| %s" % (child.name, line.decode("utf-8", "replace")))
        sys.stdout.flush()


def start_component(name, folder, target, env):
    child_env = dict(env, PYTHONPATH=os.pathsep.join([str(ROOT / "lib"), str(ROOT / folder)]))
    return launch(name, [str(BIN / "nameko"), "run", "--config", "%s/config.yaml" % folder,
                         target], child_env)


def healthy(address):
    try:
        with urllib.request.urlopen("http://%s/health" % address, timeout=3) as response:
            return response.status == 200
    except Exception:
        return False


def stop_all(children, grace=15):
    """Services first, then the database server they write to."""
    services = [child for child in children if child.name != "mongo"]
    stop_group(services, grace)
    stop_group([child for child in children if child.name == "mongo"], grace)


def stop_group(children, grace):
    for child in children:
        if child.process.poll() is None:
            child.process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + grace
    for child in children:
        try:
            child.process.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            say("%s did not stop in %d s; killing it" % (child.name, grace))
            os.killpg(child.process.pid, signal.SIGKILL)
            child.process.wait()


def main():
    env = dict(os.environ)
    children = []
    stopping = Flag()

    def on_signal(signum, frame):
        stopping.raised = True  # no locks in a signal handler: the main thread may hold them

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    try:
        ensure_rabbitmq(env)
        ensure_inbound_vhost(env)
        ensure_mongo(env, children)
        ensure_local_secrets(env)
        for name, folder, target, address_var, default in COMPONENTS:
            children.append(start_component(name, folder, target, env))
        addresses = {name: env.get(var, default)
                     for name, _, _, var, default in COMPONENTS}
        deadline = time.monotonic() + 90
        pending = set(addresses)
        while pending and time.monotonic() < deadline and not stopping.is_set():
            pending = {name for name in pending if not healthy(addresses[name])}
            time.sleep(0.5)
        if pending and not stopping.is_set():
            say("not healthy after 90 s: %s" % ", ".join(sorted(pending)))
            return 1
        if not stopping.is_set():
            say("all up. Gateway API: http://%s/v1  health: http://%s/health"
                % (addresses["gateway"], addresses["gateway"]))
            for name in ("enrollment", "projects", "mentors", "certificates"):
                say("%-12s http://%s/health  http://%s/metrics"
                    % (name, addresses[name], addresses[name]))
            say("gateway metrics need the bearer token in var/metrics-token")
            say("create the first administrator with: make admin USERNAME=admin")
            say("press Ctrl-C to stop")
        while not stopping.is_set():
            for child in children:
                if child.process.poll() is not None:
                    say("%s exited with code %s; stopping everything"
                        % (child.name, child.process.returncode))
                    return 1
            time.sleep(0.5)
        return 0
    finally:
        say("stopping")
        stop_all(children)
        say("stopped")


if __name__ == "__main__":
    sys.exit(main())
