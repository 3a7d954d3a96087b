"""The deployment files are checked here, since no container engine or cluster
runs on the build machines: Prometheus configuration and alert rules with
promtool (including rule unit tests), the compose file against the Compose
specification, and the Kubernetes manifests against the Kubernetes schemas."""
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

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
