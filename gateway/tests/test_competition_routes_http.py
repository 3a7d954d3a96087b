"""The skills competitions' routes through real HTTP: who may use which, the
caller passed to the certificates service as ``actor`` (never a filter the
caller wrote), the new competition's Location and the awards' CSV export. The
gateway runs for real; a stand-in certificates service answers its RPCs and
notes what it was asked."""
import csv
import io

import pytest
from nameko.rpc import rpc
from test_gateway_protection_http import sign_in

from gateway.service import GatewayService

ASKED = []
AWARD = {"_id": "e-1:stu-1", "student_id": "stu-1", "programme_id": "prog-1",
         "partner_id": None, "competition_id": "c-1", "competition_name": "全省技能大赛",
         "level": "provincial", "award": "first", "held_on": "2027-05-20", "entry_id": "e-1",
         "team_name": None, "tutor_ids": ["m-1"], "status": "awarded",
         "withdrawal_reason": None, "withdrawn_at": None, "certificate_number": None,
         "created_at": "2027-05-21T09:00:00+00:00"}


def page(items):
    return {"items": items, "total": len(items), "offset": 0, "limit": 20}


class StandInCertificates:
    name = "certificates"

    @rpc
    def create_competition(self, payload):
        ASKED.append(("create_competition", payload))
        return {"id": "c-1", **payload, "status": "open", "entries": 0}

    @rpc
    def list_competitions(self, query):
        ASKED.append(("list_competitions", query))
        return page([{"id": "c-1", "name": "全省技能大赛", "level": "provincial"}])

    @rpc
    def list_entries(self, competition_id, query, actor=None):
        ASKED.append(("list_entries", competition_id, query, actor))
        return page([])

    @rpc
    def list_awards(self, query, actor=None):
        ASKED.append(("list_awards", query, actor))
        return page([{**AWARD, "id": AWARD["_id"]}])

    @rpc
    def get_award(self, award_id, actor=None):
        ASKED.append(("get_award", award_id, actor))
        return {**AWARD, "id": award_id}

    @rpc
    def list_award_rules(self, query):
        ASKED.append(("list_award_rules", query))
        return page([])


@pytest.fixture
def gateway(web_session, start_service):
    ASKED.clear()
    start_service(StandInCertificates)
    return start_service(GatewayService)


@pytest.fixture
def db(gateway, database):
    return database("gateway")


READS = ("/v1/competitions", "/v1/competitions/c-1/entries", "/v1/awards",
         "/v1/awards/e-1:stu-1")


def test_an_enterprise_user_reaches_no_competition_route(web_session, gateway, db):
    hr = sign_in(web_session, db, "hr.li", "enterprise_user", enterprise_id="p-1")
    for path in READS + ("/v1/competitions/c-1", "/v1/award-credit-rules"):
        response = web_session.get(path, headers=hr)
        assert response.status_code == 403, (path, response.text)
    assert ASKED == []


def test_a_student_and_a_teacher_are_passed_on_as_themselves_whatever_they_filter(
        web_session, gateway, db):
    student = sign_in(web_session, db, "stu.li", "student", student_id="stu-1")
    teacher = sign_in(web_session, db, "wang.teacher", "teacher", mentor_id="m-1")
    for headers in (student, teacher):
        for path in ("/v1/competitions/c-1/entries?student_id=stu-9",
                     "/v1/awards?student_id=stu-9", "/v1/awards/e-1:stu-1"):
            assert web_session.get(path, headers=headers).status_code == 200, path
    actors = [(call[0], call[-1]["kind"], call[-1]["student_id"], call[-1]["mentor_id"])
              for call in ASKED]
    assert actors == [
        ("list_entries", "student", "stu-1", None), ("list_awards", "student", "stu-1", None),
        ("get_award", "student", "stu-1", None), ("list_entries", "teacher", None, "m-1"),
        ("list_awards", "teacher", None, "m-1"), ("get_award", "teacher", None, "m-1")]
    assert ASKED[1][1] == {"student_id": "stu-9"}  # the filter goes as asked, the scope too
    # a student may read competitions, not manage them nor read the award rules
    assert web_session.get("/v1/competitions", headers=student).status_code == 200
    assert web_session.get("/v1/award-credit-rules", headers=student).status_code == 403
    for path in ("/v1/competitions", "/v1/competitions/c-1/entries",
                 "/v1/competitions/c-1/results", "/v1/awards/e-1:stu-1/withdrawal",
                 "/v1/award-credit-rules"):
        assert web_session.post(path, json={}, headers=student).status_code == 403, path
        assert web_session.post(path, json={}, headers=teacher).status_code == 403, path


def test_a_student_account_not_linked_to_a_student_is_refused(web_session, gateway, db):
    orphan = sign_in(web_session, db, "stu.nobody", "student")
    for path in READS[1:]:  # every read scoped to the student
        assert web_session.get(path, headers=orphan).status_code == 403, path
    assert ASKED == []


def test_a_new_competition_answers_its_location_and_awards_export_as_csv(
        web_session, gateway, db):
    officer = sign_in(web_session, db, "zhao.cert", "certificate_officer")
    created = web_session.post("/v1/competitions", headers=officer, json={
        "name": "全省技能大赛", "level": "provincial", "organiser": "省教育厅",
        "held_on": "2027-05-20"})
    assert created.status_code == 201, created.text
    assert created.headers["Location"] == "/v1/competitions/c-1"
    exported = web_session.get("/v1/awards?format=csv&level=provincial", headers=officer)
    assert exported.status_code == 200, exported.text
    assert exported.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert [(row["id"], row["competition_name"], row["award"]) for row in rows] == [
        ("e-1:stu-1", "全省技能大赛", "first")]
    assert ASKED[-1][0] == "list_awards" and ASKED[-1][1]["level"] == "provincial"
