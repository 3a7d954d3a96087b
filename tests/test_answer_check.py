"""The end-to-end tests' check of every gateway answer against the API's
reference (``testkit.answers``), on answers made up here: it must refuse a
shape, a status or a media type the reference does not document."""
import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
import requests

from testkit.answers import AnswerBreaksItsReference, check_answer, forget, watch

STATUS = {"mentor_id": "m-1", "name": "周老师", "double_qualified": True,
          "reason": "double-qualified: ...", "practice_days": 183,
          "history": [{"double_qualified": True, "reason": "...", "trigger": "secondment",
                       "changed_at": "2027-09-01T08:00:00+00:00"}]}
PATH = "/v1/mentors/m-1/double-qualified"


def check(status, body, method="GET", path=PATH, content_type="application/json"):
    check_answer(method, path, status, content_type, json.dumps(body).encode())


def test_an_answer_of_the_declared_shape_passes():
    check(200, STATUS)


def test_a_field_the_schema_does_not_declare_is_refused():
    with pytest.raises(AnswerBreaksItsReference, match="'practice_weeks' was unexpected"):
        check(200, {**STATUS, "practice_weeks": 26})


def test_a_value_of_another_type_is_refused():
    with pytest.raises(AnswerBreaksItsReference, match="history/0/changed_at"):
        check(200, {**STATUS, "history": [{**STATUS["history"][0], "changed_at": "yesterday"}]})


def test_a_page_item_is_checked_against_the_items_schema():
    page = {"items": [{"id": "l-1", "movement": "moved"}], "total": 1, "offset": 0,
            "limit": 20}
    with pytest.raises(AnswerBreaksItsReference, match="items/0/movement"):
        check(200, page, path="/v1/programmes/p-1/ledger")


def test_an_undocumented_success_status_or_media_type_is_refused():
    with pytest.raises(AnswerBreaksItsReference, match="does not document"):
        check(201, STATUS)
    with pytest.raises(AnswerBreaksItsReference, match="text/plain"):
        check(200, STATUS, content_type="text/plain")


def test_refusals_and_paths_no_route_serves_are_left_to_the_tests():
    check(404, {"title": "Not found"})
    check(200, {"anything": 1}, path="/v1/no-such-route")


class DriftedGateway(BaseHTTPRequestHandler):
    """Answers every GET as the double-qualified route did before its fix."""

    def do_GET(self):
        body = json.dumps({"id": "m-1", **STATUS}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def test_every_requests_call_to_a_watched_gateway_is_checked():
    server = HTTPServer(("127.0.0.1", 0), DriftedGateway)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = "http://127.0.0.1:%d" % server.server_port
    try:
        assert requests.get(base + PATH, timeout=10).status_code == 200, "not watched yet"
        watch(base)
        with pytest.raises(AnswerBreaksItsReference, match="'id' was unexpected"):
            requests.get(base + PATH, timeout=10)
        with pytest.raises(AnswerBreaksItsReference):
            requests.Session().request("GET", base + PATH, timeout=10)
    finally:
        forget(base)
        server.shutdown()
