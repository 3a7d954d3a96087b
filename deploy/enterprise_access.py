"""Set up the broker for enterprise systems, and provision or revoke their credentials.

    python deploy/enterprise_access.py setup --service-user college   # once per broker
    python deploy/enterprise_access.py provision <enterprise id>   # prints credentials once
    python deploy/enterprise_access.py revoke <enterprise id>      # and closes its connections
    python deploy/enterprise_access.py list

Enterprises connect to a vhost of their own (RABBITMQ_VHOST, default
``college-inbound``) that holds the ``college.inbound`` exchange and the
queues the college consumes it through, and nothing else of the platform's:
RabbitMQ checks no permission on a passive queue declare, so a user on the
platform's vhost could read any queue's depth and consumers. ``setup``
creates that vhost, the exchange, the bounds of the inbound queues (a policy:
at most --max-length messages and --max-bytes bytes waiting; past them the
broker refuses new messages, and a publisher with confirms gets a nack) and
lets the services' user (--service-user) use the vhost. The projects service
is told the vhost's name with INBOUND_VHOST.

Each enterprise gets the RabbitMQ user ``enterprise-<id>`` that may publish
to the ``college.inbound`` exchange and read its own outbound queues
``college.outbound.<id>.<token>`` (the events the platform sends it,
docs/outbound.md), and do nothing else: no configure permission (it declares
nothing), write on that exchange only, read on those queues only (the ``.``
after the id keeps ``acme`` from reading ``acme-2``'s). Each queue
subscription has a queue of its own, its token random and given with the
subscription: a passive declare, which the broker allows anyone, cannot find
another enterprise's queue by guessing its name. The platform declares the
outbound queues (durable); ``setup`` bounds them too (``college-outbound-bounds``:
past the bounds the broker refuses the platform's publish, and the delivery
waits and is tried again).

``setup`` may be run again: it also brings every enterprise user of the vhost
to the permissions above, and lists the outbound queues named the old way
(``college.outbound.<id>``, without a token), which nothing fills any more:
delete each once its enterprise has drained it.

Talks to the RabbitMQ management API at RABBITMQ_API_URL (or --api-url), which
must name an administrator's user and password, for example
https://ops:SECRET@rabbitmq.college.example.edu:15671; plain http is refused
except to this machine (a port-forward or tunnel).
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
INBOUND_VHOST = "college-inbound"
ENTERPRISE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,63}$")
OUTBOUND_PREFIX = "college.outbound."


def permissions(enterprise_id):
    """Publish to the inbound exchange; read the enterprise's own outbound
    queues (``college.outbound.<id>.<token>``) and no other enterprise's."""
    return {"configure": "^$", "write": "^%s$" % re.escape(EXCHANGE),
            "read": r"^%s\.[A-Za-z0-9_-]+$" % re.escape(OUTBOUND_PREFIX + enterprise_id)}


# the broker's own limit on any message (rabbitmq.conf max_message_size), node-wide:
# it must also take the services' largest RPC messages. Set alike by
# deploy/ensure_rabbitmq.sh, deploy/run_local.py, deploy/k8s/rabbitmq.yaml and
# deploy/compose/rabbitmq.conf; the contract's own limit is far lower (1 MiB).
BROKER_MAX_MESSAGE_BYTES = 16 * 1024 * 1024
# the queues enterprises fill (college.inbound.<service>; not their .dead, .wait.*
# or .returning queues, which only the college's services write to)
BOUNDS_POLICY = "college-inbound-bounds"
BOUNDED_QUEUES = r"^college\.inbound\.[^.]+$"
DEFAULT_MAX_LENGTH = 100_000
DEFAULT_MAX_BYTES = 256 * 1024 * 1024
# the queues the platform fills for each enterprise's queue subscriptions
# (college.outbound.<id>.<token>); before tokens, college.outbound.<id>
OUTBOUND_POLICY = "college-outbound-bounds"
OUTBOUND_QUEUES = r"^college\.outbound\.[^.]+\.[A-Za-z0-9_-]+$"
UNTOKENED_OUTBOUND_QUEUES = re.compile(r"^college\.outbound\.[^.]+$")
LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1")


class ManagementApi:
    def __init__(self, url, vhost):
        parts = urlparse(url or "")
        if not (parts.scheme and parts.hostname):
            raise SystemExit("error: set RABBITMQ_API_URL (or --api-url) to the management "
                             "API, e.g. https://USER:PASSWORD@rabbitmq.example.edu:15671")
        if not (parts.username and parts.password):
            raise SystemExit("error: RABBITMQ_API_URL needs an administrator's user name and "
                             "password (https://USER:PASSWORD@host:port); there is no default")
        if parts.scheme != "https" and parts.hostname not in LOCAL_HOSTS:
            raise SystemExit("error: %s would send the password in clear over the network; "
                             "use https, or a tunnel to localhost" % parts.hostname)
        self.base = "%s://%s:%s/api" % (parts.scheme, parts.hostname, parts.port or 15672)
        self.auth = (parts.username, parts.password)
        self.vhost_name = vhost
        self.vhost = quote(vhost, safe="")

    def call(self, method, path, body=None, ok=(200, 201, 204)):
        response = requests.request(method, self.base + path, auth=self.auth, json=body,
                                    timeout=10)
        if response.status_code not in ok:
            raise SystemExit("error: %s %s answered %d: %s"
                             % (method, path, response.status_code, response.text[:300]))
        return response.json() if response.content else None

    def exists(self, path):
        return requests.get(self.base + path, auth=self.auth, timeout=10).status_code == 200


def bounds_policy(max_length=DEFAULT_MAX_LENGTH, max_bytes=DEFAULT_MAX_BYTES):
    return {"pattern": BOUNDED_QUEUES, "apply-to": "queues", "priority": 10,
            "definition": {"max-length": max_length, "max-length-bytes": max_bytes,
                           "overflow": "reject-publish"}}


def outbound_policy(max_length=DEFAULT_MAX_LENGTH, max_bytes=DEFAULT_MAX_BYTES):
    return {"pattern": OUTBOUND_QUEUES, "apply-to": "queues", "priority": 10,
            "definition": {"max-length": max_length, "max-length-bytes": max_bytes,
                           "overflow": "reject-publish"}}


def setup(api, service_user=None, max_length=DEFAULT_MAX_LENGTH, max_bytes=DEFAULT_MAX_BYTES):
    """The inbound vhost, its exchange and the bounds of its queues (a policy,
    which the broker applies to queues that already exist too)."""
    api.call("PUT", "/vhosts/%s" % api.vhost, {})
    if service_user:
        api.call("PUT", "/permissions/%s/%s" % (api.vhost, quote(service_user, safe="")),
                 {"configure": ".*", "write": ".*", "read": ".*"})
    # the exchange exists before the consuming service first starts
    api.call("PUT", "/exchanges/%s/%s" % (api.vhost, EXCHANGE),
             {"type": "topic", "durable": True, "auto_delete": False, "internal": False})
    policy = bounds_policy(max_length, max_bytes)
    api.call("PUT", "/policies/%s/%s" % (api.vhost, BOUNDS_POLICY), policy)
    outbound = outbound_policy(max_length, max_bytes)
    api.call("PUT", "/policies/%s/%s" % (api.vhost, OUTBOUND_POLICY), outbound)
    updated = []
    for granted in api.call("GET", "/vhosts/%s/permissions" % api.vhost) or []:
        enterprise_id = granted["user"][len(USER_PREFIX):]
        if granted["user"].startswith(USER_PREFIX) and ENTERPRISE_ID.match(enterprise_id):
            wanted = permissions(enterprise_id)
            if {key: granted.get(key) for key in wanted} != wanted:
                api.call("PUT", "/permissions/%s/%s" % (api.vhost, quote(granted["user"])),
                         wanted)
                updated.append(enterprise_id)
    untokened = {queue["name"]: queue.get("messages", 0)
                 for queue in api.call("GET", "/queues/%s" % api.vhost) or []
                 if UNTOKENED_OUTBOUND_QUEUES.match(queue["name"])}
    return {"vhost": api.vhost_name, "exchange": EXCHANGE, "service_user": service_user,
            "policy": {BOUNDS_POLICY: policy, OUTBOUND_POLICY: outbound},
            "enterprise_permissions_updated": sorted(updated),
            # filled no more since queues have tokens: delete each once drained
            "untokened_outbound_queues": untokened}


def platform_queues(api):
    """Queues on the vhost that are not the inbound or outbound contract's."""
    return sorted(queue["name"] for queue in api.call("GET", "/queues/%s" % api.vhost) or []
                  if not queue["name"].startswith((EXCHANGE + ".", OUTBOUND_PREFIX)))


def provision(api, enterprise_id, amqp_host):
    user = USER_PREFIX + enterprise_id
    password = secrets.token_urlsafe(24)
    if not api.exists("/vhosts/%s" % api.vhost):
        raise SystemExit("error: there is no vhost %s: run setup first" % api.vhost_name)
    api.call("PUT", "/exchanges/%s/%s" % (api.vhost, EXCHANGE),
             {"type": "topic", "durable": True, "auto_delete": False, "internal": False})
    if not api.exists("/policies/%s/%s" % (api.vhost, BOUNDS_POLICY)):  # setup's, if run
        api.call("PUT", "/policies/%s/%s" % (api.vhost, BOUNDS_POLICY), bounds_policy())
    if not api.exists("/policies/%s/%s" % (api.vhost, OUTBOUND_POLICY)):
        api.call("PUT", "/policies/%s/%s" % (api.vhost, OUTBOUND_POLICY), outbound_policy())
    others = platform_queues(api)
    if others:
        print("warning: vhost %s also holds %d queue(s) of the platform (%s, ...); the "
              "enterprise can read their depth and consumers. Give enterprises a vhost of "
              "their own (setup, INBOUND_VHOST)." % (api.vhost_name, len(others), others[0]),
              file=sys.stderr)
    api.call("PUT", "/users/%s" % quote(user), {"password": password, "tags": ""})
    api.call("PUT", "/permissions/%s/%s" % (api.vhost, quote(user)), permissions(enterprise_id))
    return {"enterprise_id": enterprise_id, "username": user, "password": password,
            "amqp_url": "amqps://%s:%s@%s/%s" % (user, password, amqp_host, api.vhost),
            "exchange": EXCHANGE, "source": "/enterprises/%s" % enterprise_id,
            "outbound_queues": "each queue subscription's own (its \"queue\": %s<token>)"
                               % (OUTBOUND_PREFIX + enterprise_id + ".")}


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
    parser.add_argument("action", choices=("setup", "provision", "revoke", "list"))
    parser.add_argument("enterprise_id", nargs="?")
    parser.add_argument("--api-url", default=os.environ.get("RABBITMQ_API_URL"),
                        help="the management API with an administrator's user and password "
                             "(or RABBITMQ_API_URL)")
    parser.add_argument("--vhost", default=os.environ.get("RABBITMQ_VHOST", INBOUND_VHOST),
                        help="the enterprises' vhost (or RABBITMQ_VHOST; default %(default)s)")
    parser.add_argument("--amqp-host", default=os.environ.get(
        "RABBITMQ_PUBLIC_HOST", "rabbitmq.college.example.edu:5671"),
        help="host:port enterprises connect to, for the printed URL")
    parser.add_argument("--service-user", help="setup: the services' broker user")
    parser.add_argument("--max-length", type=int, default=DEFAULT_MAX_LENGTH,
                        help="setup: messages an inbound queue holds before it refuses more")
    parser.add_argument("--max-bytes", type=int, default=DEFAULT_MAX_BYTES,
                        help="setup: bytes of bodies an inbound queue holds before it "
                             "refuses more")
    args = parser.parse_args(argv)
    api = ManagementApi(args.api_url, args.vhost)
    if args.action == "list":
        print(json.dumps(list_enterprises(api)))
        return 0
    if args.action == "setup":
        print(json.dumps(setup(api, args.service_user, args.max_length, args.max_bytes),
                         indent=2))
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
