"""The whole system as separate processes, for end-to-end tests."""
import secrets
import uuid

import requests
from pymongo import MongoClient

from gateway.users import create_user
from testkit import answers
from testkit.servers import ROOT, GaveUp, ServiceProcess, free_port, wait_until

# generated as the README says: a placeholder or a weak secret stops a component
JWT_SECRET = secrets.token_urlsafe(32)
METRICS_TOKEN = secrets.token_urlsafe(32)
COMPONENTS = {
    "enrollment": ("services/enrollment", "enrollment.service:EnrollmentService"),
    "projects": ("services/projects", "projects.service:ProjectsService"),
    "mentors": ("services/mentors", "mentors.service:MentorsService"),
    "certificates": ("services/certificates", "certificates.service:CertificatesService"),
    "gateway": ("gateway", "gateway.service:GatewayService"),
}


class System:
    def __init__(self, amqp_uri, mongo_uri, names=tuple(COMPONENTS), extra_env=None,
                 prefix=None, keep_databases=False, check_answers=True):
        """``mongo_uri`` is one server for all, or ``{component: uri}``; ``prefix``
        names the databases (a fresh one by default); with ``keep_databases``
        they outlive the system (a benchmark's dataset). Every answer of its
        gateways is checked against the API's reference (``testkit.answers``)
        unless ``check_answers`` is False."""
        self.amqp_uri = amqp_uri
        self.mongo_uris = dict(mongo_uri) if isinstance(mongo_uri, dict) else \
            {name: mongo_uri for name in COMPONENTS}
        self.clients = {uri: MongoClient(uri, tz_aware=True)
                        for uri in set(self.mongo_uris.values())}
        self.prefix = prefix or "e2e%s_" % uuid.uuid4().hex[:8]
        self.keep_databases = keep_databases
        self.ports = {name: free_port() for name in COMPONENTS}
        self.env = {"AMQP_URI": amqp_uri, "JWT_SECRET": JWT_SECRET,
                    "LOG_LEVEL": "WARNING", "METRICS_TOKEN": METRICS_TOKEN,
                    **(extra_env or {})}
        for name in COMPONENTS:
            self.env["%s_MONGO_DATABASE" % name.upper()] = self.prefix + name
            self.env["%s_HTTP_ADDRESS" % name.upper()] = "127.0.0.1:%d" % self.ports[name]
        self.processes = {}
        self.replicas = []
        self.check_answers = check_answers
        self.watched = []
        self._watch(self.url("gateway", ""))
        try:
            for name in names:
                self.start(name)
            for name in names:
                try:
                    wait_until(lambda: self.healthy(name), timeout=60, interval=0.5,
                               message="%s to be healthy" % name)
                except AssertionError as exc:
                    raise AssertionError("%s\n--- %s's log ---\n%s" % (
                        exc, name, self.processes[name].output()[-4000:]))
        except BaseException:
            self.stop()  # no fixture teardown runs for a fixture that never yielded
            raise

    def start(self, name, **env):
        folder, target = COMPONENTS[name]
        if name in self.processes:
            self.processes[name].stop()
        self.processes[name] = ServiceProcess(folder, target, ROOT / folder / "config.yaml",
                                              {**self.env, "MONGO_URI": self.mongo_uris[name],
                                               **env})
        return self.processes[name]

    def start_replica(self, name):
        """Another instance of a component on the same broker and database (its own
        HTTP port); returns its base URL once it is healthy."""
        folder, target = COMPONENTS[name]
        port = free_port()
        replica = ServiceProcess(folder, target, ROOT / folder / "config.yaml", {
            **self.env, "MONGO_URI": self.mongo_uris[name],
            "%s_HTTP_ADDRESS" % name.upper(): "127.0.0.1:%d" % port})
        self.replicas.append(replica)
        base = "http://127.0.0.1:%d" % port
        if name == "gateway":
            self._watch(base)

        def healthy():
            if replica.process.poll() is not None:
                raise GaveUp("%s replica exited:\n%s" % (name, replica.output()))
            return requests.get(base + "/health", timeout=5).status_code == 200

        wait_until(healthy, timeout=60, interval=0.5,
                   message="%s replica to be healthy" % name)
        return base

    def _watch(self, base_url):
        if self.check_answers:
            answers.watch(base_url)
            self.watched.append(base_url)

    def url(self, name, path):
        return "http://127.0.0.1:%d%s" % (self.ports[name], path)

    def healthy(self, name):
        process = self.processes[name].process
        if process.poll() is not None:
            raise GaveUp("%s exited:\n%s" % (name, self.processes[name].output()))
        response = requests.get(self.url(name, "/health"), timeout=5)
        if name == "gateway":  # ready when its own part is up, whatever the services say
            return response.json()["gateway"]["status"] == "up"
        return response.status_code == 200

    def db(self, name):
        return self.clients[self.mongo_uris[name]][self.prefix + name]

    def user(self, username, role, enterprise_id=None, password="a-long-test-password",
             **links):
        """Create an account directly in the gateway's database; return auth headers.
        ``links``: ``student_id`` or ``mentor_id`` for student and teacher accounts."""
        create_user(self.db("gateway"), username, password, role, enterprise_id=enterprise_id,
                    **links)
        response = requests.post(self.url("gateway", "/v1/auth/token"),
                                 json={"username": username, "password": password}, timeout=10)
        response.raise_for_status()
        return {"Authorization": "Bearer %s" % response.json()["access_token"]}

    def stop(self):
        for base_url in self.watched:
            answers.forget(base_url)
        for process in [*self.processes.values(), *self.replicas]:
            process.stop()
        for client in self.clients.values():
            for name in client.list_database_names():
                if name.startswith(self.prefix) and not self.keep_databases:
                    client.drop_database(name)
            client.close()
