"""docs/enrollment.md's routes table names every route the gateway has for
the enrollment service, the partners' included, so a newcomer reading it finds
how to register a partner."""
import re
from pathlib import Path

from gateway.api import route_table
from gateway.routes.enrollment import EnrollmentRoutes
from gateway.service import GatewayService

DOC = Path(__file__).resolve().parents[2] / "docs" / "enrollment.md"


def documented(method, url, rows):
    """``POST /partners/{id}/agreements``, or ``.../screening`` in a row of its method."""
    segments = url[len("/v1"):].strip("/").split("/")
    path = "".join("/" + (r"\{[a-z_]*\}" if segment.startswith("<") else re.escape(segment))
                   for segment in segments)
    return any(re.search(r"`%s %s[` ]" % (method, path), row) or
               ("%s " % method in row and (re.search(r"`%s`" % path, row) or
                                          "`.../%s`" % segments[-1] in row))
               for row in rows)


def test_every_enrollment_route_is_in_the_documents_routes_table():
    routes_table = DOC.read_text(encoding="utf-8").split("## Routes", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in routes_table.splitlines() if line.startswith("| `")]
    handlers = set(vars(EnrollmentRoutes))
    routes = [(method, route["url"]) for route in route_table(GatewayService)
              if route["handler"] in handlers for method in route["method"].split(",")]
    assert len(routes) > 25
    missing = ["%s %s" % route for route in routes if not documented(*route, rows)]
    assert missing == [], "not in docs/enrollment.md: %s" % missing
