"""The deployment files are checked here, since no container engine or cluster
runs on the build machines: Prometheus configuration and alert rules with
promtool (including rule unit tests), the compose file against the Compose
specification, and the Kubernetes manifests against the Kubernetes schemas."""
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from projects.outbound import new_queue
from testkit.rabbit import enterprise_access

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
BIN = Path(sys.executable).parent
COMPONENTS = {"enrollment": 8001, "projects": 8002, "mentors": 8003, "certificates": 8004,
              "gateway": 8000}


def run(*argv, cwd=DEPLOY):
    result = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


@pytest.fixture(scope="module")
def promtool():
    path = shutil.which("promtool")
    assert path, "promtool is missing: sudo apt-get install prometheus (see README)"
    return path


def yaml_documents(path):
    return [doc for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")) if doc]


@pytest.mark.parametrize("config", ["prometheus.yml", "prometheus.compose.yml"])
def test_prometheus_configuration_is_valid(promtool, config):
    run(promtool, "check", "config", "--syntax-only", "prometheus/" + config)


def test_alert_rules_are_valid_and_pass_their_unit_tests(promtool):
    run(promtool, "check", "rules", "prometheus/alerts.yml")
    run(promtool, "test", "rules", "alerts_test.yml", "alerts_daily_test.yml",
        cwd=DEPLOY / "prometheus")


def test_every_alert_has_a_rule_test():
    rules = yaml_documents(DEPLOY / "prometheus/alerts.yml")[0]
    alerts = {rule["alert"] for group in rules["groups"] for rule in group["rules"]}
    tests = [test for name in ("alerts_test.yml", "alerts_daily_test.yml")
             for test in yaml_documents(DEPLOY / "prometheus" / name)[0]["tests"]]
    tested = {case["alertname"] for test in tests for case in test["alert_rule_test"]}
    assert alerts == tested


def test_the_compose_file_follows_the_compose_specification():
    run(str(BIN / "check-jsonschema"), "--builtin-schema", "vendor.compose-spec",
        "compose/docker-compose.yml")


def test_compose_runs_every_component_from_its_own_image_target():
    compose = yaml_documents(DEPLOY / "compose/docker-compose.yml")[0]
    dockerfile = (DEPLOY / "docker/Dockerfile").read_text(encoding="utf-8")
    for name in COMPONENTS:
        assert compose["services"][name]["build"]["target"] == name
        assert "FROM base AS %s" % name in dockerfile
    assert {"rabbitmq", "mongo", "prometheus", "grafana"} <= set(compose["services"])
    assert "--replSet" in compose["services"]["mongo"]["command"]


def test_kubernetes_manifests_follow_the_kubernetes_schemas():
    core = [str(path) for path in sorted((DEPLOY / "k8s").glob("*.yaml"))
            if path.name not in ("rabbitmq.yaml", "mongodb.yaml")]
    output = run(str(BIN / "kubernetes-validate"), "--strict", *core)
    assert "passed" in output


def test_rabbitmq_and_mongodb_come_from_their_operators_as_clusters():
    rabbitmq, = yaml_documents(DEPLOY / "k8s/rabbitmq.yaml")
    assert (rabbitmq["apiVersion"], rabbitmq["kind"]) == ("rabbitmq.com/v1beta1",
                                                          "RabbitmqCluster")
    assert rabbitmq["spec"]["replicas"] >= 3
    mongodb, = yaml_documents(DEPLOY / "k8s/mongodb.yaml")
    assert mongodb["kind"] == "MongoDBCommunity"
    assert mongodb["spec"]["type"] == "ReplicaSet" and mongodb["spec"]["members"] >= 3


@pytest.mark.parametrize("name", sorted(COMPONENTS))
def test_each_component_is_probed_limited_and_autoscaled(name):
    documents = {doc["kind"]: doc for doc in yaml_documents(DEPLOY / "k8s" / (name + ".yaml"))}
    container, = documents["Deployment"]["spec"]["template"]["spec"]["containers"]
    assert container["readinessProbe"]["httpGet"]["path"] == "/health"
    assert container["livenessProbe"]["httpGet"]["path"] == "/live"
    assert {"requests", "limits"} <= set(container["resources"])
    assert container["ports"][0]["containerPort"] == COMPONENTS[name]
    secrets = [env["valueFrom"]["secretKeyRef"]["name"] for env in container["env"]
               if "valueFrom" in env]
    assert secrets and set(secrets) == {"college-secrets"}, "credentials come from Secrets"
    hpa = documents["HorizontalPodAutoscaler"]
    assert hpa["spec"]["scaleTargetRef"]["name"] == name
    assert hpa["spec"]["maxReplicas"] > hpa["spec"]["minReplicas"] >= 2


def test_the_kustomization_deploys_every_manifest():
    kustomization = yaml_documents(DEPLOY / "kustomization.yaml")[0]
    listed = set(kustomization["resources"])
    assert listed == {"k8s/" + path.name for path in (DEPLOY / "k8s").glob("*.yaml")}


def test_the_grafana_dashboard_is_valid_json_with_panels():
    dashboard = json.loads((DEPLOY / "grafana/dashboards/college.json").read_text())
    assert len(dashboard["panels"]) >= 8
    assert all(panel["targets"] for panel in dashboard["panels"])


# what may be reached from outside, and by whom ------------------------------------

SERVICES = sorted(set(COMPONENTS) - {"gateway"})
PROMETHEUS_WEB_EXAMPLE = DEPLOY / "compose/prometheus-web.yml.example"


def compose_file():
    return yaml_documents(DEPLOY / "compose/docker-compose.yml")[0]


def test_only_the_gateway_is_published_beyond_the_docker_host():
    published = {name: service.get("ports", []) for name, service in
                 compose_file()["services"].items()}
    assert published.pop("gateway") == ["8000:8000"]
    for name, ports in published.items():
        for port in ports:
            assert str(port).startswith("127.0.0.1:"), \
                "%s publishes %s beyond the host: bind it to 127.0.0.1" % (name, port)
    for name in SERVICES:
        assert not published[name], "%s's port (and its /metrics) stays private" % name


def test_the_services_share_a_network_with_the_gateway_and_prometheus_only():
    services = compose_file()["services"]
    private = set(services["enrollment"]["networks"])
    for name in SERVICES:
        assert set(services[name]["networks"]) == private
    reaching = {name for name, service in services.items()
                if private & set(service.get("networks", ["default"]))}
    assert reaching == set(COMPONENTS) | {"rabbitmq", "mongo", "prometheus"}
    assert "grafana" not in reaching, "grafana reads Prometheus, not the services"


def test_prometheus_asks_for_a_password_and_cannot_be_reloaded_or_stopped_over_http():
    prometheus = compose_file()["services"]["prometheus"]
    assert "--web.enable-lifecycle" not in prometheus["command"]
    assert "--web.enable-admin-api" not in prometheus["command"]
    assert "--web.config.file=/etc/prometheus/web.yml" in prometheus["command"]
    assert "./prometheus-web.yml:/etc/prometheus/web.yml:ro" in prometheus["volumes"]
    k8s = yaml_documents(DEPLOY / "k8s/prometheus.yaml")[0]
    args = k8s["spec"]["template"]["spec"]["containers"][0]["args"]
    assert not {"--web.enable-lifecycle", "--web.enable-admin-api"} & set(args)


def test_the_prometheus_password_example_is_refused_until_filled_in(promtool, tmp_path):
    import crypt  # bcrypt, as Prometheus wants it (glibc's libxcrypt)
    example = PROMETHEUS_WEB_EXAMPLE.read_text(encoding="utf-8")
    unfilled = tmp_path / "unfilled.yml"
    unfilled.write_text(example, encoding="utf-8")
    refused = subprocess.run([promtool, "check", "web-config", str(unfilled)],
                             capture_output=True, text=True, timeout=60)
    assert refused.returncode != 0, "a copy left as it is must stop Prometheus at start"
    placeholder = yaml.safe_load(example)["basic_auth_users"]["prometheus"]
    filled = tmp_path / "prometheus-web.yml"
    filled.write_text(example.replace(placeholder, crypt.crypt(
        "a-long-random-password", crypt.mksalt(crypt.METHOD_BLOWFISH))), encoding="utf-8")
    run(promtool, "check", "web-config", str(filled))


def test_grafana_signs_in_to_prometheus():
    datasource, = yaml_documents(
        DEPLOY / "grafana/provisioning/datasources/prometheus.yml")[0]["datasources"]
    assert datasource["basicAuth"] is True and datasource["basicAuthUser"] == "prometheus"
    assert datasource["secureJsonData"]["basicAuthPassword"] == "$PROMETHEUS_PASSWORD"
    environment = compose_file()["services"]["grafana"]["environment"]
    assert environment["PROMETHEUS_PASSWORD"].startswith("${PROMETHEUS_PASSWORD:?")


def network_policies():
    return {doc["metadata"]["name"]: doc for doc in
            yaml_documents(DEPLOY / "k8s/network-policies.yaml")
            if doc["kind"] == "NetworkPolicy"}


@pytest.mark.parametrize("name", SERVICES)
def test_only_prometheus_reaches_a_services_port_in_kubernetes(name):
    policy = network_policies()[name]["spec"]
    assert policy["podSelector"] == {"matchLabels": {"app.kubernetes.io/name": name}}
    assert policy["policyTypes"] == ["Ingress"]
    rule, = policy["ingress"]
    assert rule["from"] == [{"podSelector": {"matchLabels": {
        "app.kubernetes.io/name": "prometheus"}}}]
    assert rule["ports"] == [{"protocol": "TCP", "port": "http"}]


def test_nobody_in_the_cluster_reaches_prometheus():
    policy = network_policies()["prometheus"]["spec"]
    assert policy["podSelector"] == {"matchLabels": {"app.kubernetes.io/name": "prometheus"}}
    assert policy["policyTypes"] == ["Ingress"] and not policy.get("ingress")


def test_nothing_is_exposed_outside_the_cluster_but_through_the_gateway():
    for path in sorted((DEPLOY / "k8s").glob("*.yaml")):
        for doc in yaml_documents(path):
            assert doc["kind"] != "Ingress", "%s: the gateway's Service is the way in" % path
            if doc["kind"] == "Service":
                assert doc["spec"].get("type", "ClusterIP") == "ClusterIP", path
    rabbitmq, = yaml_documents(DEPLOY / "k8s/rabbitmq.yaml")
    assert rabbitmq["spec"].get("service", {}).get("type", "ClusterIP") == "ClusterIP", \
        "the management UI stays inside the cluster"


def test_an_enterprise_user_reads_its_own_tokened_queues_and_no_other_enterprises():
    access = enterprise_access()
    read = re.compile(access.permissions("acme")["read"])
    policy = re.compile(access.OUTBOUND_QUEUES)
    own = [new_queue("acme") for _ in range(20)]
    assert all(read.match(name) and policy.match(name) for name in own)
    others = [new_queue("acme-2"), new_queue("acm"), new_queue("rival"), new_queue("xacme"),
              "college.outbound.acme", "college.outbound.acme.", own[0] + ".more",
              "college.outbound.acme-2", "college.inbound.projects", "x" + own[0]]
    assert [name for name in others if read.match(name)] == []
    assert not policy.match("college.inbound.projects") and \
        not policy.match("college.outbound.acme")  # filled no more


class FakeManagementApi:
    """What ``setup`` asks of the management API, and what it changes."""
    vhost = vhost_name = "college-inbound"

    def __init__(self, permissions, queues):
        self.answers = {"/vhosts/college-inbound/permissions": permissions,
                        "/queues/college-inbound": queues}
        self.put = {}

    def call(self, method, path, body=None, ok=None):
        if method == "PUT":
            self.put[path] = body
            return None
        return self.answers[path]


def test_setup_again_brings_enterprise_users_to_the_tokened_queues_and_lists_old_queues():
    access = enterprise_access()
    current = access.permissions("rival")
    api = FakeManagementApi([
        {"user": "enterprise-acme", "configure": "^$", "write": "^college\\.inbound$",
         "read": "^college\\.outbound\\.acme$"},
        {"user": "enterprise-rival", **current},
        {"user": "college", "configure": ".*", "write": ".*", "read": ".*"}],
        [{"name": "college.outbound.acme", "messages": 3},
         {"name": "college.outbound.rival.%s" % ("t" * 32), "messages": 1},
         {"name": "college.inbound.projects", "messages": 0}])
    done = access.setup(api)
    assert done["enterprise_permissions_updated"] == ["acme"]
    assert api.put["/permissions/college-inbound/enterprise-acme"] == access.permissions("acme")
    assert "/permissions/college-inbound/enterprise-rival" not in api.put
    assert "/permissions/college-inbound/college" not in api.put
    assert done["untokened_outbound_queues"] == {"college.outbound.acme": 3}
