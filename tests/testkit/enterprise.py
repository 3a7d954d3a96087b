"""An enterprise system, as the tests play it: its broker credentials come
from the provisioning command and it publishes with kombu alone, using none
of the project's code."""
import json
import os
import subprocess
import sys
import uuid
from datetime import datetime, timezone
from urllib.parse import urlparse

from kombu import Connection, Exchange

from testkit.servers import ROOT

EXCHANGE = "college.inbound"


def access(*args, vhost="/", api_url="http://guest:guest@localhost:15672"):
    """Run deploy/enterprise_access.py; its JSON answer."""
    result = subprocess.run(
        [sys.executable, str(ROOT / "deploy/enterprise_access.py"), *args],
        env={**os.environ, "RABBITMQ_API_URL": api_url, "RABBITMQ_VHOST": vhost},
        capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def provision(amqp_uri, enterprise_id):
    """Credentials for the enterprise on the vhost of ``amqp_uri``, with a local URL."""
    vhost = urlparse(amqp_uri).path.lstrip("/")
    credentials = access("provision", enterprise_id, vhost=vhost)
    credentials["url"] = "pyamqp://%s:%s@localhost:5672/%s" % (
        credentials["username"], credentials["password"], vhost)
    credentials["vhost"] = vhost
    return credentials


def cloud_event(enterprise_id, event_type, data, event_id=None, source=None):
    return {"specversion": "1.0", "id": event_id or str(uuid.uuid4()),
            "source": source or "/enterprises/%s" % enterprise_id,
            "type": "edu.college." + event_type, "time": datetime.now(timezone.utc).isoformat(),
            "datacontenttype": "application/json", "data": data}


def publish(credentials, body, routing_key=None, user_id=True, headers=None,
            exchange=EXCHANGE):
    """Publish as the enterprise does: its own user, user_id set, confirmed."""
    if routing_key is None:
        routing_key = body["type"] if isinstance(body, dict) and "type" in body else "unknown"
    if not isinstance(body, bytes):
        body = json.dumps(body, ensure_ascii=False).encode()
    properties = {"user_id": credentials["username"]} if user_id else {}
    with Connection(credentials["url"],
                    transport_options={"confirm_publish": True}) as connection:
        connection.Producer().publish(
            body, exchange=Exchange(exchange, type="topic", no_declare=True),
            routing_key=routing_key, content_type="application/cloudevents+json",
            content_encoding="utf-8", delivery_mode=2, headers=headers or {}, **properties)


def publish_burst(credentials, events):
    """Publish events back to back on one connection, as an enterprise
    system's outbox sends a backlog: they reach the consumer together."""
    with Connection(credentials["url"],
                    transport_options={"confirm_publish": True}) as connection:
        producer = connection.Producer()
        for event in events:
            producer.publish(json.dumps(event, ensure_ascii=False).encode(),
                             exchange=Exchange(EXCHANGE, type="topic", no_declare=True),
                             routing_key=event["type"],
                             content_type="application/cloudevents+json",
                             content_encoding="utf-8", delivery_mode=2,
                             user_id=credentials["username"])
