"""docs/certificates.md's routes table names every route the gateway has for
the certificates service, the skills competitions' included, so a reader finds
each route and who may use it."""
import re
from pathlib import Path

from gateway.api import route_table
from gateway.routes.certificates import CertificatesRoutes
from gateway.service import GatewayService

DOC = Path(__file__).resolve().parents[2] / "docs" / "certificates.md"


def named_routes(rows):
    """``(METHOD, /v1/path/{}) `` of every route a row names; ``[/{code}]``
    names the path with and without its optional part."""
    named = set()
    for row in rows:
        for method, path in re.findall(r"`(GET|POST|PUT|PATCH|DELETE) (/v1/[^` ]*)", row):
            path = re.sub(r"\{[a-z_]*\}", "{}", path)
            optional = re.match(r"^(.*)\[(.*)\]$", path)
            paths = [optional.group(1), optional.group(1) + optional.group(2)] if optional \
                else [path]
            named.update((method, p) for p in paths)
    return named


def test_every_certificates_route_is_in_the_documents_routes_table():
    table = DOC.read_text(encoding="utf-8").split("## Routes", 1)[1].split("\n## ", 1)[0]
    named = named_routes(line for line in table.splitlines() if line.startswith("| `"))
    handlers = set(vars(CertificatesRoutes))
    routes = [(method, re.sub(r"<[^>]+>", "{}", route["url"]))
              for route in route_table(GatewayService) if route["handler"] in handlers
              for method in route["method"].split(",")]
    assert len(routes) > 30
    missing = ["%s %s" % route for route in routes if route not in named]
    assert missing == [], "not in docs/certificates.md: %s" % missing
