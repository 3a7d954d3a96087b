"""A private RabbitMQ node for fault tests: its own node name, ports and data
directory under a temporary folder, run in the foreground as a child process
so a test can stop, kill and restart it by process id without touching the
machine's shared broker."""
import importlib.util
import os
import shutil
import signal
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

from kombu import Connection, Exchange

from testkit.servers import ROOT, die_with_parent, free_port, port_open, wait_until


def enterprise_access():
    """deploy/enterprise_access.py, which holds the broker settings deploy applies."""
    spec = importlib.util.spec_from_file_location(
        "enterprise_access", ROOT / "deploy" / "enterprise_access.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def enterprise_permissions(enterprise_id):
    """The permissions the provisioning command grants, from the command itself."""
    return enterprise_access().permissions(enterprise_id)


class PrivateRabbit:
    """``uri`` is the AMQP URI of the node's default vhost (guest/guest)."""

    def __init__(self, management=False):
        self.home = Path(tempfile.mkdtemp(prefix="faults-rabbit-"))
        self.nodename = "faults-%s@localhost" % uuid.uuid4().hex[:8]
        self.port = free_port()
        self.dist_port = free_port()
        self.management_port = free_port() if management else None
        (self.home / "mnesia").mkdir()
        (self.home / "log").mkdir()
        config = ["listeners.tcp.default = 127.0.0.1:%d" % self.port,
                  "loopback_users = none",
                  # a fault test fills queues fast; never block publishers on this small disk
                  "disk_free_limit.absolute = 50MB",
                  "vm_memory_high_watermark.relative = 0.6",
                  # as deploy configures every broker
                  "max_message_size = %d" % enterprise_access().BROKER_MAX_MESSAGE_BYTES]
        plugins = []
        if management:
            config.append("management.tcp.port = %d" % self.management_port)
            config.append("management.tcp.ip = 127.0.0.1")
            plugins.append("rabbitmq_management")
        (self.home / "rabbitmq.conf").write_text("\n".join(config) + "\n")
        (self.home / "enabled_plugins").write_text("[%s].\n" % ",".join(plugins))
        self.env = dict(
            os.environ,
            RABBITMQ_NODENAME=self.nodename,
            RABBITMQ_NODE_IP_ADDRESS="127.0.0.1",
            RABBITMQ_NODE_PORT=str(self.port),
            RABBITMQ_DIST_PORT=str(self.dist_port),
            RABBITMQ_MNESIA_BASE=str(self.home / "mnesia"),
            RABBITMQ_LOG_BASE=str(self.home / "log"),
            RABBITMQ_CONFIG_FILE=str(self.home / "rabbitmq.conf"),
            RABBITMQ_ENABLED_PLUGINS_FILE=str(self.home / "enabled_plugins"),
            RABBITMQ_ADVANCED_CONFIG_FILE=str(self.home / "advanced.config"),
            RABBITMQ_CONF_ENV_FILE=str(self.home / "rabbitmq-env.conf"),
            RABBITMQ_PID_FILE=str(self.home / "node.pid"),
            # the systemwide env file names the shared node; ours must not read it
            ERL_EPMD_ADDRESS="127.0.0.1",
        )
        (self.home / "rabbitmq-env.conf").write_text("")
        self.env["ERL_CRASH_DUMP"] = str(self.home / "log" / "erl_crash.dump")
        if os.geteuid() == 0:  # rabbitmq-server drops to the rabbitmq user when run as root
            for path in [self.home, *self.home.rglob("*")]:
                shutil.chown(path, "rabbitmq", "rabbitmq")
        self.process = None
        self.restarts = 0
        self.start()

    @property
    def uri(self):
        return "pyamqp://guest:guest@127.0.0.1:%d//" % self.port

    @property
    def api_url(self):
        return "http://guest:guest@127.0.0.1:%d" % self.management_port

    def start(self, timeout=90):
        self.output = open(self.home / "log" / "console.log", "ab")
        self.process = subprocess.Popen(
            ["rabbitmq-server"], env=self.env, cwd=self.home, stdout=self.output,
            stderr=subprocess.STDOUT, preexec_fn=die_with_parent)
        wait_until(self._ready, timeout=timeout, interval=0.25,
                   message="the private RabbitMQ node %s" % self.nodename)
        if self.management_port:
            wait_until(lambda: port_open(self.management_port), timeout=60,
                       message="its management API")

    def _ready(self):
        if self.process.poll() is not None:
            raise AssertionError("rabbitmq-server exited:\n%s" % self.log_tail())
        return port_open(self.port)

    def beam_pid(self):
        """The Erlang VM's pid (rabbitmq-server may exec or wrap it)."""
        pid_file = self.home / "node.pid"
        if pid_file.exists() and pid_file.read_text().strip():
            return int(pid_file.read_text().strip())
        return self.process.pid

    def stop(self):
        """A clean stop, as an operator's restart does."""
        if self.process is None or self.process.poll() is not None:
            return
        # SIGTERM to the wrapper script does not reach the VM; ask the node itself
        subprocess.run(["rabbitmqctl", "-n", self.nodename, "stop"], env=self.env,
                       capture_output=True, timeout=60)
        try:
            self.process.wait(60)
        except subprocess.TimeoutExpired:
            self.kill()
            return
        wait_until(lambda: not port_open(self.port), timeout=30, message="the port to close")
        self.output.close()

    def kill(self):
        """``kill -9`` of the broker's VM: no goodbye to any client."""
        pid = self.beam_pid()
        for target in {pid, self.process.pid}:
            try:
                os.kill(target, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.process.wait(30)
        wait_until(lambda: not port_open(self.port), timeout=10, message="the port to close")
        self.output.close()

    def restart(self, hard=False, down_seconds=1.0):
        (self.kill if hard else self.stop)()
        time.sleep(down_seconds)
        self.restarts += 1
        self.start()

    def ctl(self, *args):
        """``rabbitmqctl -n <this node> ...``; its stdout."""
        result = subprocess.run(["rabbitmqctl", "-n", self.nodename, *args], env=self.env,
                                capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, result.stderr
        return result.stdout

    def add_enterprise(self, enterprise_id):
        """The enterprise's broker user with the permissions the provisioning
        command grants (deploy/enterprise_access.py); its AMQP URI."""
        user, password = "enterprise-" + enterprise_id, uuid.uuid4().hex
        permissions = enterprise_permissions(enterprise_id)
        self.ctl("add_user", user, password)
        self.ctl("set_permissions", "-p", "/", user, permissions["configure"],
                 permissions["write"], permissions["read"])
        # the exchange exists before any consumer starts, as provisioning ensures
        with Connection(self.uri) as connection:
            Exchange("college.inbound", type="topic", durable=True)(
                connection.default_channel).declare()
        return "pyamqp://%s:%s@127.0.0.1:%d//" % (user, password, self.port)

    def log_tail(self, chars=3000):
        path = self.home / "log" / "console.log"
        return path.read_text(errors="replace")[-chars:] if path.exists() else ""

    def close(self):
        if self.process is not None and self.process.poll() is None:
            self.kill()
        shutil.rmtree(self.home, ignore_errors=True)


class PrivateCluster:
    """Private RabbitMQ nodes joined in one cluster, each with its own node name,
    ports and data. ``uri`` lists every node (kombu fails over from one to the
    next when a connection is lost), the first node first: clients connect to
    it, so the queues they declare have their leaders there."""

    def __init__(self, size=3):
        self.nodes = []
        try:
            for _ in range(size):
                self.nodes.append(PrivateRabbit())
            first = self.nodes[0]
            for node in self.nodes[1:]:
                node.ctl("stop_app")
                node.ctl("join_cluster", first.nodename)
                node.ctl("start_app")
            wait_until(lambda: all(node.nodename in first.ctl("cluster_status")
                                   for node in self.nodes), timeout=60,
                       message="the nodes to join one cluster")
        except BaseException:
            self.close()
            raise

    @property
    def uri(self):
        return ";".join(node.uri for node in self.nodes)

    def add_enterprise(self, enterprise_id):
        """The enterprise's broker user (users are the cluster's): its AMQP URI
        listing every node."""
        one = self.nodes[0].add_enterprise(enterprise_id)
        credentials = one[:one.index("@") + 1]
        return ";".join("%s127.0.0.1:%d//" % (credentials, node.port) for node in self.nodes)

    def queue_types(self, node=None):
        """{queue name: type} as a running node lists them."""
        lines = (node or self.nodes[0]).ctl("list_queues", "name", "type", "--quiet",
                                            "--no-table-headers").splitlines()
        return dict(line.split("\t")[:2] for line in lines if "\t" in line)

    def close(self):
        for node in self.nodes:
            node.close()
