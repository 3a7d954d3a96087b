"""The outbound contract's rules without a broker or database: which
enterprise an internal event concerns, what it may know, the CloudEvent's
stable id, the webhook signature, the retry schedule and the dead letter."""
import hashlib
import hmac

import pytest

from college_contracts import outbound as contract
from college_contracts import read
from college_platform.envelope import new_event
from college_platform.errors import InvalidInput
from projects import outbound

ACME, RIVAL = "acme", "rival"
LOOKUPS = outbound.Lookups(project_enterprise={"p-1": ACME}.get,
                           sponsor_of={"s-1": ACME, "s-2": RIVAL}.get)


def translated(source, event_type, data, event_id=None):
    event = new_event(event_type, source, data)
    if event_id:
        event["id"] = event_id
    return outbound.translate(source, event, read(event), LOOKUPS)


def status_change(**changes):
    return {"student_id": "s-1", "programme_id": "prog-b", "previous_status": "active",
            "status": "transferred", "reason": "换专业 at the student's request",
            "from_programme_id": "prog-a", "partner_id": RIVAL, "previous_partner_id": ACME,
            "programme_kind": "order_class", **changes}


PLACEMENT = {"placement_id": "pl-1", "student_id": "s-1", "enterprise_id": ACME,
             "starts_on": "2027-03-01", "ends_on": "2027-06-30"}
ISSUED = {"certificate_number": "X-1", "candidate_id": "s-2", "candidate_kind": "student",
          "certificate_code": "1+X-CNC", "level": "intermediate", "issued_on": "2027-05-01",
          "partner_id": None}


def test_a_placement_goes_to_its_enterprise_alone_as_a_public_cloud_event():
    out, = translated("projects", "placement_started", PLACEMENT)
    assert out.enterprise_id == ACME
    event = out.event
    assert event["type"] == "edu.college.placement.started.v1"
    assert event["source"] == "/college" and event["specversion"] == "1.0"
    assert event["subject"] == "pl-1"
    assert event["data"] == {"placement_id": "pl-1", "student_id": "s-1",
                             "starts_on": "2027-03-01", "ends_on": "2027-06-30"}


def test_a_transfer_tells_the_new_sponsor_where_and_the_old_one_only_that_the_student_left():
    by_enterprise = {out.enterprise_id: out.event["data"]
                     for out in translated("enrollment", "enrolment_status_changed",
                                           status_change())}
    assert by_enterprise[RIVAL] == {"student_id": "s-1", "previous_status": "active",
                                    "status": "transferred", "sponsored": True,
                                    "programme_id": "prog-b"}
    assert by_enterprise[ACME] == {"student_id": "s-1", "previous_status": "active",
                                   "status": "transferred", "sponsored": False,
                                   "programme_id": None}
    for data in by_enterprise.values():  # nobody's comment, nor the other party
        assert "reason" not in data and "partner_id" not in data


def test_an_event_about_no_enterprise_goes_nowhere():
    assert translated("enrollment", "enrolment_status_changed",
                      status_change(partner_id=None, previous_partner_id=None)) == []
    assert translated("enrollment", "application_offered", {
        "application_id": "a-1", "applicant_id": "ap-1", "programme_id": "p",
        "partner_id": None}) == []
    assert translated("certificates", "certificate_issued",
                      {**ISSUED, "candidate_kind": "teacher", "candidate_id": "t-1"}) == []
    assert translated("projects", "deliverable_reviewed", {
        "project_id": "unknown", "team_id": "t", "milestone_id": "m", "deliverable_id": "d",
        "version": 1, "reviewer_kind": "tutor", "score": 80}) == []
    assert translated("projects", "team_formed", {
        "project_id": "p-1", "team_id": "t", "student_ids": [], "enterprise_id": ACME}) == []


def test_a_certificate_goes_to_the_students_sponsor_from_enrollments_events():
    out, = translated("certificates", "certificate_issued", ISSUED)
    assert out.enterprise_id == RIVAL
    assert out.event["data"] == {"certificate_number": "X-1", "student_id": "s-2",
                                 "certificate_code": "1+X-CNC", "level": "intermediate",
                                 "issued_on": "2027-05-01"}
    revoked, = translated("certificates", "certificate_revoked", {
        "certificate_number": "X-1", "candidate_id": "s-2", "candidate_kind": "student",
        "reason": "exam misconduct"})
    assert revoked.enterprise_id == RIVAL
    assert "reason" not in revoked.event["data"]  # never why


def test_a_review_goes_to_the_enterprise_whose_project_it_is():
    out, = translated("projects", "deliverable_reviewed", {
        "project_id": "p-1", "team_id": "t", "milestone_id": "m", "deliverable_id": "d-1",
        "version": 2, "reviewer_kind": "tutor", "score": 88.5, "late": True})
    assert out.enterprise_id == ACME and out.event["subject"] == "d-1"
    assert out.event["data"]["score"] == 88.5


def test_the_cloud_event_id_is_the_same_for_the_same_fact_however_announced():
    first, = translated("projects", "placement_started", PLACEMENT)
    again, = translated("projects", "placement_started", PLACEMENT)  # a new internal id
    other, = translated("projects", "placement_started", {**PLACEMENT, "placement_id": "pl-2"})
    assert first.event["id"] == again.event["id"] != other.event["id"]
    # a fact with no natural key: the internal event's id decides
    one, _ = translated("enrollment", "enrolment_status_changed", status_change(), "e-1")
    same, _ = translated("enrollment", "enrolment_status_changed", status_change(), "e-1")
    later, _ = translated("enrollment", "enrolment_status_changed", status_change(), "e-2")
    assert one.event["id"] == same.event["id"] != later.event["id"]


def test_every_public_type_has_a_translation_and_a_subject():
    assert sorted(outbound.PUBLIC_TYPE.values()) == sorted(contract.EVENT_TYPES)
    for public_type, (schema, subject) in contract.TYPES.items():
        assert subject in schema().fields, public_type


def test_the_signature_is_hmac_sha256_over_timestamp_dot_body():
    body = b'{"id":"1"}'
    header = outbound.signature("whsec_x", 1700000000, body)
    expected = hmac.new(b"whsec_x", b"1700000000." + body, hashlib.sha256).hexdigest()
    assert header == "t=1700000000,v1=" + expected
    assert outbound.signature("whsec_y", 1700000000, body) != header
    assert outbound.signature("whsec_x", 1700000001, body) != header


def test_retries_back_off_exponentially_and_the_last_attempt_is_dead():
    assert outbound.schedule(5, 2.0) == [2.0, 4.0, 8.0, 16.0]
    assert outbound.backoff(20, 2.0) == 3600.0  # capped
    assert outbound.after_failure(1, 5, 2.0, can_pass=True) == outbound.Failure(False, 2.0)
    assert outbound.after_failure(4, 5, 2.0, can_pass=True) == outbound.Failure(False, 16.0)
    assert outbound.after_failure(5, 5, 2.0, can_pass=True).dead
    assert outbound.after_failure(1, 5, 2.0, can_pass=False).dead


@pytest.mark.parametrize("status, can_pass", [
    (None, True), (500, True), (503, True), (429, True),
    (400, False), (401, False), (404, False), (410, False), (301, False)])
def test_network_errors_server_errors_and_429_are_retried_other_answers_are_not(
        status, can_pass):
    assert outbound.retryable(status) is can_pass


@pytest.mark.parametrize("url, allow_local, ok", [
    ("https://erp.example.com/hook", False, True),
    ("http://erp.example.com/hook", False, False),
    ("http://erp.example.com/hook", True, False),
    ("http://127.0.0.1:9000/hook", False, False),
    ("http://127.0.0.1:9000/hook", True, True),
    ("http://localhost:9000/hook", True, True),
    ("ftp://erp.example.com/hook", True, False),
    # never inside the college's network: a subscriber would make the platform call it
    ("https://10.0.0.5/hook", False, False),
    ("https://192.168.1.20/hook", True, False),
    ("https://169.254.169.254/latest/meta-data", False, False),
    ("https://[::1]:8443/hook", False, False),
    ("https://localhost/hook", False, False),
    ("https://127.0.0.1/hook", False, False),
    ("https://127.0.0.1/hook", True, True),
    ("https://203.0.113.9/hook", False, False),  # reserved for documentation
    ("https://8.8.8.8/hook", False, True),
])
def test_a_webhook_is_https_and_plain_http_only_to_this_machine_when_allowed(
        url, allow_local, ok):
    if ok:
        outbound.check_webhook_url(url, allow_local)
    else:
        with pytest.raises(InvalidInput) as refused:
            outbound.check_webhook_url(url, allow_local)
        assert "url" in refused.value.extra.get("errors", refused.value.extra)


def test_one_delivery_per_subscription_and_cloud_event():
    assert outbound.delivery_id("sub-1", "e") == outbound.delivery_id("sub-1", "e")
    assert outbound.delivery_id("sub-1", "e") != outbound.delivery_id("sub-2", "e")


def test_a_webhook_whose_name_resolves_inside_the_network_is_dead_at_once(monkeypatch):
    from projects import delivery
    answers = {"erp.example.com": "93.184.216.34", "rebound.example.com": "10.1.2.3"}
    monkeypatch.setattr(delivery.socket, "getaddrinfo", lambda host, port, **kw: [
        (2, 1, 6, "", (answers[host], port))])
    delivery.check_host("https://erp.example.com/hook", allow_local_http=False)
    with pytest.raises(delivery.WebhookFailed) as refused:
        delivery.check_host("https://rebound.example.com/hook", allow_local_http=False)
    assert refused.value.can_pass is False and "10.1.2.3" in str(refused.value)


def test_each_queue_subscription_gets_an_unguessable_name_of_its_enterprises_own():
    names = {outbound.new_queue(ACME) for _ in range(50)}
    assert len(names) == 50
    for name in names:
        prefix, token = name.rsplit(".", 1)
        assert prefix == "college.outbound." + ACME
        assert len(token) * 6 >= 128 and contract.QUEUE_TOKEN.match(token)
        assert contract.is_queue_of(ACME, name) and not contract.is_queue_of(RIVAL, name)
        assert not contract.is_queue_of("acm", name)  # a prefix of the id is another id
    assert outbound.target_of(outbound.QUEUE, name, None) == name


@pytest.mark.parametrize("name", [
    "college.outbound.acme",             # as it was named before tokens, guessable
    "college.outbound.acme.",
    "college.outbound.acme.short",        # under 128 bits
    "college.outbound.acme.%s.x" % ("a" * 32),
    "college.outbound.acme.%s" % ("a.b" * 11),
    "college.outbound.acme-2.%s" % ("a" * 32),
])
def test_a_name_without_a_whole_token_of_the_enterprise_is_not_its_queue(name):
    assert not contract.is_queue_of(ACME, name)


def test_a_token_is_url_safe_without_a_dot():
    with pytest.raises(ValueError):
        contract.queue_for(ACME, "abc.def" * 5)
    assert contract.queue_for(ACME, "A-_z" * 6) == "college.outbound.acme." + "A-_z" * 6
