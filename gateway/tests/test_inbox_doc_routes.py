"""docs/notifications.md's routes table names every inbox route the gateway has."""
from pathlib import Path

from test_enrollment_doc_routes import documented

from gateway.api import route_table
from gateway.routes.inbox import InboxRoutes
from gateway.service import GatewayService

DOC = Path(__file__).resolve().parents[2] / "docs" / "notifications.md"


def test_every_inbox_route_is_in_the_documents_routes_table():
    routes_table = DOC.read_text(encoding="utf-8").split("## Routes", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in routes_table.splitlines() if line.startswith("| `")]
    handlers = set(vars(InboxRoutes))
    routes = [(route["method"], route["url"]) for route in route_table(GatewayService)
              if route["handler"] in handlers]
    assert len(routes) == 8
    missing = ["%s %s" % route for route in routes if not documented(*route, rows)]
    assert missing == [], "not in docs/notifications.md: %s" % missing
