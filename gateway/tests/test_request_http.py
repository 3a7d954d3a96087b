"""What the gateway takes from a request, through real HTTP (issue 27, items 4
and 5): every route reads a chunked body as it reads one with a length, and
within the same limit; a route that declares no body takes none; every query
parameter is one the route declares; a path the routes name by their words
advertises only those routes' methods. Each check goes over the route table,
so a new route is covered by default. The gateway runs for real; a stand-in
certificates service answers the one route without a body that calls a service."""
import json
import re
import socket
from datetime import datetime, timezone

import pytest
from nameko import config
from nameko.rpc import rpc

from gateway.api import MAX_BODY_BYTES, Page, route_table
from gateway.auth import ENTERPRISE_USER, ROLES, STUDENT, TEACHER
from gateway.service import GatewayService
from gateway.users import create_user

PASSWORD = "a-long-test-password"
ROUTES = route_table(GatewayService)
WRITES = ("POST", "PUT", "PATCH")
LINKS = {ENTERPRISE_USER: {"enterprise_id": "partner-1"}, STUDENT: {"student_id": "stu-1"},
         TEACHER: {"mentor_id": "mentor-1"}}


class StandInCertificates:
    name = "certificates"

    @rpc
    def get_registration(self, registration_id):
        return {"id": registration_id, "candidate_id": "stu-1", "status": "registered"}

    @rpc
    def cancel_registration(self, registration_id, actor=None):
        return {"id": registration_id, "candidate_id": "stu-1", "status": "cancelled"}


class StandInProjects:
    name = "projects"

    @rpc
    def rotate_subscription_secret(self, subscription_id, actor=None):
        return {"id": subscription_id, "enterprise_id": "partner-1", "delivery": "webhook",
                "secret": "whsec_stand-in"}


@pytest.fixture
def gateway(web_session, service_config, start_service):
    with config.patch({"RPC_TIMEOUT_SECONDS": 2}):
        start_service(StandInCertificates)
        start_service(StandInProjects)
        yield start_service(GatewayService)


@pytest.fixture
def tokens(web_session, gateway, database):
    """Auth headers of one account per role, linked as its role needs."""
    db = database("gateway")
    headers = {}
    for role in ROLES:
        create_user(db, "caller-%s" % role.replace("_", "-"), PASSWORD, role,
                    **LINKS.get(role, {}))
        answer = web_session.post("/v1/auth/token", json={
            "username": "caller-%s" % role.replace("_", "-"), "password": PASSWORD})
        assert answer.status_code == 200, answer.text
        headers[role] = {"Authorization": "Bearer %s" % answer.json()["access_token"]}
    return headers


def caller(route, tokens):
    """The headers of a caller the route admits: the administrator where it may."""
    if route["public"]:
        return {}
    return tokens["admin" if "admin" in route["roles"] else route["roles"][0]]


def concrete(url):
    return re.sub(r"<([^>]+)>", "x", url)


def is_page_for_people(route):
    return bool(route["media_types"]) and all(
        media.startswith("text/html") for media in route["media_types"])


# chunked bodies -------------------------------------------------------------------------

def chunks(data, size=4096):
    """A generator body: requests sends it with Transfer-Encoding: chunked."""
    for start in range(0, len(data), size):
        yield data[start:start + size]


def test_a_chunked_json_body_is_read_as_one_with_a_length(web_session, tokens):
    body = json.dumps({"username": "chunked.user", "password": PASSWORD,
                       "role": "teacher"}).encode()
    response = web_session.post("/v1/users", data=chunks(body, 16),
                                headers={**tokens["admin"], "Content-Type": "application/json"})
    assert response.request.headers.get("Transfer-Encoding") == "chunked"
    assert response.status_code == 201, response.text
    assert response.json()["username"] == "chunked.user"


def test_a_chunked_body_over_the_limit_is_413(web_session, tokens):
    body = b'{"username": "' + b"x" * (2 * MAX_BODY_BYTES) + b'"}'
    response = web_session.post("/v1/users", data=chunks(body, 64 * 1024),
                                headers={**tokens["admin"], "Content-Type": "application/json"})
    assert response.status_code == 413, response.text
    assert response.json()["title"] == "Body too large"


def raw_answer(port, request):
    """The answer to one request written by hand, on a connection it closes."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
        connection.sendall(request)
        answer = b""
        while True:
            data = connection.recv(65536)
            if not data:
                return answer.decode("utf-8", "replace")
            answer += data


def test_a_broken_chunked_body_is_a_400_that_says_so(web_config_port, tokens):
    answer = raw_answer(web_config_port, (
        "POST /v1/users HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
        "Authorization: %s\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
        "zz\r\n{}\r\n0\r\n\r\n" % tokens["admin"]["Authorization"]).encode())
    assert answer.startswith("HTTP/1.1 400 "), answer[:300]
    assert "the body could not be read" in answer


# bodies ----------------------------------------------------------------------------------

def test_every_route_that_declares_a_body_refuses_a_request_without_one(web_session, tokens):
    wrong = []
    for route in ROUTES:
        if route["body"] is None or route["method"] not in WRITES:
            continue
        response = web_session.request(route["method"], concrete(route["url"]),
                                       headers=caller(route, tokens))
        if response.status_code != 400 or "needs a JSON body" not in response.text:
            wrong.append((route["method"], route["url"], response.status_code))
    assert wrong == []


def test_every_route_that_declares_no_body_takes_a_request_without_one(web_session, tokens,
                                                                      database):
    """Sign-out, disabling and enabling an account, cancelling a registration: the
    fuzzing of every role found each refused with 400 "this route needs a JSON body"."""
    # the administrator's notification "x", for marking read and unread
    database("gateway").notifications.insert_one({
        "_id": "x", "kind": "clause_at_risk", "audience": ["role:admin"], "read_by": [],
        "subject": {}, "params": {}, "done": False, "raised": 0, "reminded": False,
        "created_at": datetime.now(timezone.utc), "raised_at": datetime.now(timezone.utc)})
    answered = {}
    for route in ROUTES:
        if route["body"] is not None or route["method"] not in WRITES:
            continue
        url = concrete(route["url"]).replace("/v1/users/x/", "/v1/users/caller-teacher/")
        headers = caller(route, tokens)
        if route["url"] == "/v1/auth/sign-out":
            headers = tokens[TEACHER]
        for sent in ({}, {"json": {}}, {"data": chunks(b"{}", 1),
                                        "headers": {"Content-Type": "application/json"}}):
            response = web_session.request(route["method"], url, **{
                **sent, "headers": {**headers, **sent.get("headers", {})}})
            answered[(route["url"], str(sent)[:20])] = response.status_code
            if route["url"] == "/v1/users/<username>/disable":  # enabled again for the next
                web_session.post("/v1/users/caller-teacher/enable", headers=tokens["admin"])
            if route["url"] == "/v1/auth/sign-out":
                tokens[TEACHER] = headers = {"Authorization": "Bearer %s" % web_session.post(
                    "/v1/auth/token", json={"username": "caller-teacher",
                                            "password": PASSWORD}).json()["access_token"]}
    assert {key: status for key, status in answered.items() if status not in (200, 204)} == {}
    assert len(answered) >= 4 * 3


def test_a_route_that_declares_no_body_refuses_one_with_content(web_session, tokens):
    response = web_session.post("/v1/users/caller-teacher/enable", headers=tokens["admin"],
                                json={"reason": "back from leave"})
    assert response.status_code == 400
    assert response.json()["errors"] == {"reason": ["Unknown field."]}
    listed = web_session.post("/v1/auth/sign-out", headers=tokens[TEACHER], json=[1])
    assert listed.status_code == 400 and "_schema" in listed.json()["errors"]


# query parameters ----------------------------------------------------------------------------

def test_every_route_refuses_a_query_parameter_it_does_not_declare(web_session, tokens):
    wrong = []
    for route in ROUTES:
        if is_page_for_people(route):
            continue
        for method in route["method"].split(","):
            response = web_session.request(method, concrete(route["url"]),
                                           params={"nonexistent": "1"},
                                           headers=caller(route, tokens))
            if response.status_code != 400 or \
                    "nonexistent" not in response.json().get("errors", {}):
                wrong.append((method, route["url"], response.status_code))
    assert wrong == []


def test_an_operator_smuggled_in_a_parameter_name_is_refused_by_name(web_session, tokens):
    response = web_session.get("/v1/agreements", params={"partner_id[$ne]": "x"},
                               headers=tokens["admin"])
    assert response.status_code == 400
    assert response.json()["errors"] == {"partner_id[$ne]": ["Unknown field."]}


def test_a_parameter_given_twice_is_refused(web_session, tokens):
    response = web_session.get("/v1/partners?offset=0&offset=20", headers=tokens["admin"])
    assert response.status_code == 400 and "offset" in response.json()["errors"]


def test_every_list_refuses_a_bad_page_size_as_csv_too(web_session, tokens):
    """The export answers every row whatever the page size, so it never passed the
    caller's limit on to a service that would have refused it."""
    wrong = []
    for route in ROUTES:
        if not isinstance(route["response"], Page):
            continue
        for limit in ("-1", "0", "201"):
            response = web_session.get(concrete(route["url"]),
                                       params={"limit": limit, "format": "csv"},
                                       headers=caller(route, tokens))
            if response.status_code != 400 or "limit" not in response.json().get("errors", {}):
                wrong.append((route["url"], limit, response.status_code))
    assert wrong == []


def test_every_list_refuses_an_empty_filter_whatever_the_callers_role(web_session, tokens):
    """A scoped role's filter is replaced by its own scope, so its empty filter was
    answered 200 where the document (and staff's same request) says 400."""
    from college_platform.validation import PAGE_PARAMETERS
    wrong = []
    for route in ROUTES:
        if not isinstance(route["response"], Page) or not route["query"]:
            continue
        query = route["query"]() if isinstance(route["query"], type) else route["query"]
        filters = [field.data_key or name for name, field in query.fields.items()
                   if name not in PAGE_PARAMETERS and not field.dump_only]
        for name in filters:
            for role in route["roles"]:
                response = web_session.get(concrete(route["url"]), params={name: ""},
                                           headers=tokens[role])
                if response.status_code != 400 or name not in response.json()["errors"]:
                    wrong.append((route["url"], name, role, response.status_code))
    assert wrong == []


def test_one_answer_names_every_problem_of_the_query(web_session, tokens):
    response = web_session.get("/v1/projects", params={"limit": "lots", "colour": "red",
                                                       "status": "lost"},
                               headers=tokens["admin"])
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"limit", "colour", "status"}
    codes = {error["field"]: error["code"] for error in response.json()["field_errors"]}
    assert codes == {"limit": "invalid", "colour": "unknown", "status": "one_of"}


def test_a_body_field_the_account_decides_given_otherwise_is_refused(web_session, tokens):
    """An enterprise user's placement at another enterprise was silently made its own."""
    response = web_session.post("/v1/placements", json={
        "enterprise_id": "partner-2", "student_id": "stu-1", "kind": "internship",
        "site": "总装车间", "starts_on": "2027-03-01", "ends_on": "2027-06-30",
        "supervisor_name": "王工"}, headers=tokens[ENTERPRISE_USER])
    assert response.status_code == 400
    assert "partner-1" in response.json()["errors"]["enterprise_id"][0]


def test_a_page_for_people_opens_whatever_its_link_carries(web_session, gateway):
    """Chat apps and campaigns add their own parameters to a shared link."""
    response = web_session.get("/", params={"from": "singlemessage", "isappinstalled": "0"})
    assert response.status_code == 200 and response.headers["Content-Type"].startswith(
        "text/html")


# methods ------------------------------------------------------------------------------------

def test_a_path_named_by_its_words_advertises_only_its_own_methods(web_session, tokens):
    """``/v1/admin/inbound/dead-letters/replay`` is also the shape of one letter's
    path: it advertised GET, and a GET there asked for a letter named "replay"."""
    methods = {}  # a path without parameters -> the methods of its routes
    for route in ROUTES:
        if "<" not in route["url"]:
            own = methods.setdefault(route["url"], set())
            own.update(route["method"].split(","))
            if "GET" in own:
                own.add("HEAD")
    wrong = []
    for path, own in methods.items():
        response = web_session.options(path, headers=tokens["admin"])
        allowed = {method.strip() for method in response.headers.get("Allow", "").split(",")}
        if response.status_code != 405 or allowed != own:
            wrong.append((path, response.status_code, sorted(allowed)))
    assert wrong == []
    replay = web_session.get("/v1/admin/inbound/dead-letters/replay", headers=tokens["admin"])
    assert replay.status_code == 405 and replay.headers["Allow"] == "POST"
