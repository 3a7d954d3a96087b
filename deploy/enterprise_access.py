"""Provision or revoke an enterprise system's broker credentials.

    python deploy/enterprise_access.py provision <enterprise id>   # prints credentials once
    python deploy/enterprise_access.py revoke <enterprise id>      # and closes its connections
    python deploy/enterprise_access.py list

Each enterprise gets the RabbitMQ user ``enterprise-<id>`` that may publish
to the ``college.inbound`` exchange and do nothing else: no configure
permission (it declares nothing), write on that exchange only, no read. Talks
to the RabbitMQ management API (RABBITMQ_API_URL, default
http://guest:guest@localhost:15672) for the vhost in RABBITMQ_VHOST (default /).
"""
import argparse
import json
import os
import re
import secrets
import sys
from urllib.parse import quote, urlparse

import requests

EXCHANGE = "college.inbound"
USER_PREFIX = "enterprise-"
ENTERPRISE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,63}$")
PERMISSIONS = {"configure": "^$", "write": "^%s$" % re.escape(EXCHANGE), "read": "^$"}


class ManagementApi:
    def __init__(self, url, vhost):
        parts = urlparse(url)
        self.base = "%s://%s:%s/api" % (parts.scheme, parts.hostname, parts.port or 15672)
        self.auth = (parts.username or "guest", parts.password or "guest")
        self.vhost = quote(vhost, safe="")

    def call(self, method, path, body=None, ok=(200, 201, 204)):
        response = requests.request(method, self.base + path, auth=self.auth, json=body,
                                    timeout=10)
        if response.status_code not in ok:
            raise SystemExit("error: %s %s answered %d: %s"
                             % (method, path, response.status_code, response.text[:300]))
        return response.json() if response.content else None


def provision(api, enterprise_id, amqp_host):
    user = USER_PREFIX + enterprise_id
    password = secrets.token_urlsafe(24)
    # the exchange exists before the consuming service first starts
    api.call("PUT", "/exchanges/%s/%s" % (api.vhost, EXCHANGE),
             {"type": "topic", "durable": True, "auto_delete": False, "internal": False})
    api.call("PUT", "/users/%s" % quote(user), {"password": password, "tags": ""})
    api.call("PUT", "/permissions/%s/%s" % (api.vhost, quote(user)), PERMISSIONS)
    return {"enterprise_id": enterprise_id, "username": user, "password": password,
            "amqp_url": "amqps://%s:%s@%s/%s" % (user, password, amqp_host, api.vhost),
            "exchange": EXCHANGE, "source": "/enterprises/%s" % enterprise_id}


def revoke(api, enterprise_id):
    user = USER_PREFIX + enterprise_id
    api.call("DELETE", "/users/%s" % quote(user), ok=(204, 404))
    closed = 0
    for connection in api.call("GET", "/connections") or []:
        if connection.get("user") == user:
            api.call("DELETE", "/connections/%s" % quote(connection["name"], safe=""),
                     ok=(204, 404))
            closed += 1
    return {"enterprise_id": enterprise_id, "username": user, "revoked": True,
            "connections_closed": closed}


def list_enterprises(api):
    return sorted(user["name"][len(USER_PREFIX):] for user in api.call("GET", "/users")
                  if user["name"].startswith(USER_PREFIX))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=("provision", "revoke", "list"))
    parser.add_argument("enterprise_id", nargs="?")
    parser.add_argument("--api-url", default=os.environ.get(
        "RABBITMQ_API_URL", "http://guest:guest@localhost:15672"))
    parser.add_argument("--vhost", default=os.environ.get("RABBITMQ_VHOST", "/"))
    parser.add_argument("--amqp-host", default=os.environ.get(
        "RABBITMQ_PUBLIC_HOST", "rabbitmq.college.example.edu:5671"),
        help="host:port enterprises connect to, for the printed URL")
    args = parser.parse_args(argv)
    api = ManagementApi(args.api_url, args.vhost)
    if args.action == "list":
        print(json.dumps(list_enterprises(api)))
        return 0
    if not args.enterprise_id or not ENTERPRISE_ID.match(args.enterprise_id):
        parser.error("an enterprise id (letters, digits, hyphens) is required")
    if args.action == "provision":
        result = provision(api, args.enterprise_id, args.amqp_host)
    else:
        result = revoke(api, args.enterprise_id)
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
