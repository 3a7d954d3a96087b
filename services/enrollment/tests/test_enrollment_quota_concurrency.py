"""Fifty concurrent offers at the last seats, through RPC, against the real
database: neither the programme's capacity nor the partner's quota is ever
oversold, and the ledger accounts for every seat."""
from datetime import datetime, timezone

import pytest
from enrollment_fixtures import OTHER_PARTNER, adult, partner_with_agreement, programme
from nameko import config
from nameko.standalone.rpc import ClusterRpcClient

from college_platform.errors import Conflict
from college_platform.repository import new_id
from enrollment.service import EnrollmentService
from testkit.calls import call

OFFERS_PER_PROGRAMME = 25


@pytest.fixture
def enrollment(service_config, container_factory):
    # as many workers as concurrent offers, so they really contend in the database
    with config.patch({"max_workers": 2 * OFFERS_PER_PROGRAMME}):
        container = container_factory(EnrollmentService)
        container.start()
        yield container


def awaiting_last_approval(db, programme, partner_id, first_serial, college_approved):
    """Interviewed applications, written straight to the database: the race
    under test is the last approval, and fifty trips through the pipeline
    would only slow the test down."""
    now = datetime.now(timezone.utc)
    ids = []
    for serial in range(first_serial, first_serial + OFFERS_PER_PROGRAMME):
        applicant_id = new_id()
        db.applicants.insert_one({
            "_id": applicant_id, "name": "申请人%03d" % serial, "resident_id": None,
            "passport": {"number": "E%08d" % serial, "country": "CHN"},
            "birth_date": "2006-05-%02d" % (serial % 28 + 1),
            "identity_key": "passport:CHN:E%08d" % serial, "created_at": now})
        approvals = {"college": {"approve": True, "actor": "zhou", "at": now}} \
            if college_approved else {}
        ids.append(db.applications.insert_one({
            "_id": new_id(), "applicant_id": applicant_id, "applicant_name": "申请人",
            "programme_id": programme["id"], "programme_code": programme["code"],
            "partner_id": partner_id, "status": "interviewed", "offer_approvals": approvals,
            "history": [], "created_at": now}).inserted_id)
    return ids


def test_concurrent_offers_never_oversell_capacity_or_quota(enrollment, database):
    partner = partner_with_agreement(enrollment, OTHER_PARTNER, codes=("2027-MA-CNC",))
    # quota-bound: 10 seats in the programme, but the partner may fill only 3
    by_quota = programme(enrollment, partner["id"], capacity=10, seats=3)
    # capacity-bound: a joint major without partner quotas and 3 seats
    by_capacity = call(enrollment, "create_programme", {
        "code": "2027-JM-AI", "name": "人工智能联合专业", "kind": "joint_major",
        "intake_year": 2027, "capacity": 3})
    # with a partner the enterprise's approval completes the offer; without, the college's
    db = database("enrollment")
    last_approvals = [
        (application_id, "enterprise") for application_id in
        awaiting_last_approval(db, by_quota, partner["id"], 0, college_approved=True)
    ] + [
        (application_id, "college") for application_id in
        awaiting_last_approval(db, by_capacity, None, 100, college_approved=False)
    ]
    with ClusterRpcClient() as client:
        pending = [client.enrollment.decide_offer.call_async(
            application_id, {"party": party, "approve": True})
            for application_id, party in last_approvals]
        outcomes = []
        for reply in pending:
            try:
                outcomes.append(reply.result()["status"])
            except Conflict as exc:
                outcomes.append(exc.extra.get("reason"))

    assert len(outcomes) == 2 * OFFERS_PER_PROGRAMME
    for programme_id, seats in ((by_quota["id"], 3), (by_capacity["id"], 3)):
        offered = db.applications.count_documents({"programme_id": programme_id,
                                                   "status": "offered"})
        assert offered == seats, "every seat is offered once, none twice"
        figures = db.programmes.find_one({"_id": programme_id})
        assert figures["reserved"] == seats
        assert figures["free"] == figures["capacity"] - seats
        assert db.ledger.count_documents({"programme_id": programme_id,
                                          "movement": "reserve"}) == seats
    quota = db.quotas.find_one({"programme_id": by_quota["id"]})
    assert (quota["free"], quota["reserved"]) == (0, 3)
    assert sorted(set(outcomes)) == ["offered", "programme_full", "quota_full"]
    assert outcomes.count("offered") == 6


def test_concurrent_applications_by_one_person_to_one_programme_make_one(enrollment,
                                                                          service_config,
                                                                          database):
    partner = partner_with_agreement(enrollment)
    cnc = programme(enrollment, partner["id"])
    call(enrollment, "apply", {"programme_id": cnc["id"], "applicant": adult(7)})  # on file
    database("enrollment").applications.delete_many({})

    with ClusterRpcClient(uri=service_config["AMQP_URI"]) as client:
        calls = [client.enrollment.apply.call_async(
            {"programme_id": cnc["id"], "applicant": adult(7)}) for _ in range(10)]
        outcomes = []
        for pending in calls:
            try:
                outcomes.append(pending.result()["status"])
            except Conflict:
                outcomes.append("conflict")
    assert outcomes.count("submitted") == 1, outcomes
    assert database("enrollment").applications.count_documents({}) == 1
