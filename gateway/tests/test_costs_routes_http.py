"""Costs and returns through real HTTP: who may ask, the year checked before
any service is asked, JSON or CSV, and the evidence pack as printable HTML in
the caller's language with markup escaped. The gateway runs for real; a
stand-in enrollment answers as the service does (another enterprise's partner
is missing) and notes what it was asked."""
import pytest
from nameko.rpc import rpc
from test_gateway_protection_http import sign_in

from college_platform.errors import NotFound
from gateway.service import GatewayService

ASKED = []
ACCOUNT = {"partner_id": "p-1", "year": 2027, "rate": {"mentor_hour_cny": 300.0, "set": True},
           "inputs": {"mentor_hours": 6.5, "mentor_hours_value_cny": 1950.0},
           "returns": {"hires": 1}, "rules": {"mentor_hours": "approved hours"}}


def visible(partner_id, actor):
    if partner_id != "p-1" or (actor.get("kind") == "enterprise"
                               and actor.get("enterprise_id") != partner_id):
        raise NotFound("partner %s does not exist" % partner_id)


class StandInEnrollment:
    name = "enrollment"

    @rpc
    def costs_and_returns(self, partner_id, year=None, actor=None):
        ASKED.append(("costs_and_returns", partner_id, year, actor))
        visible(partner_id, actor)
        return {**ACCOUNT, "year": year or 2026}

    @rpc
    def evidence_pack(self, partner_id, year=None, actor=None):
        ASKED.append(("evidence_pack", partner_id, year, actor))
        visible(partner_id, actor)
        return {"partner": {"id": "p-1", "legal_name": "<script>alert(1)</script>有限公司",
                            "credit_code": "91350100M000100Y43"},
                "year": year or 2026, "as_of": "2027-12-31", "agreements": [],
                "costs_and_returns": ACCOUNT}

    @rpc
    def set_valuation_rate(self, year, payload, actor=None):
        ASKED.append(("set_valuation_rate", year, payload, actor))
        return {"year": int(year), **payload, "set_by": actor["username"], "history": []}

    @rpc
    def list_valuation_rates(self):
        return {"items": []}


@pytest.fixture
def gateway(web_session, start_service):
    ASKED.clear()
    start_service(StandInEnrollment)
    return start_service(GatewayService)


@pytest.fixture
def db(gateway, database):
    return database("gateway")


def test_an_officer_sets_a_rate_and_a_teacher_or_student_may_not_see_costs(
        web_session, gateway, db):
    officer = sign_in(web_session, db, "officer.li", "admissions_officer")
    response = web_session.put("/v1/valuation-rates/2027", json={"mentor_hour_cny": 300},
                               headers=officer)
    assert response.status_code == 200, response.text
    assert ASKED[-1][:3] == ("set_valuation_rate", "2027", {"mentor_hour_cny": 300})
    assert ASKED[-1][3]["username"] == "officer.li"
    coordinator = sign_in(web_session, db, "projects.wu", "project_coordinator")
    assert web_session.put("/v1/valuation-rates/2027", json={"mentor_hour_cny": 1},
                           headers=coordinator).status_code == 403
    for username, role, links in (("teacher.zhou", "teacher", {"mentor_id": "m-1"}),
                                  ("student.li", "student", {"student_id": "s-1"})):
        caller = sign_in(web_session, db, username, role, **links)
        for path in ("/v1/partners/p-1/costs-and-returns", "/v1/partners/p-1/evidence-pack"):
            assert web_session.get(path, headers=caller).status_code == 403, (role, path)


def test_a_bad_year_is_a_field_error_before_any_service_is_asked(web_session, gateway, db):
    officer = sign_in(web_session, db, "officer.li", "admissions_officer")
    ASKED.clear()
    for path in ("/v1/partners/p-1/costs-and-returns", "/v1/partners/p-1/evidence-pack"):
        for year in ("abc", "1999", "2027.5"):
            response = web_session.get(path, params={"year": year}, headers=officer)
            assert response.status_code == 400, (path, year, response.text)
            assert "year" in response.json()["errors"]
    response = web_session.get("/v1/partners/p-1/evidence-pack", params={"lang": "fr"},
                               headers=officer)
    assert response.status_code == 400 and "lang" in response.json()["errors"]
    assert ASKED == []


def test_an_enterprise_sees_its_own_as_json_or_csv_and_another_is_missing(
        web_session, gateway, db):
    own = sign_in(web_session, db, "hr.wang", "enterprise_user", enterprise_id="p-1")
    found = web_session.get("/v1/partners/p-1/costs-and-returns", params={"year": 2027},
                            headers=own)
    assert found.status_code == 200 and found.json()["inputs"]["mentor_hours_value_cny"] == 1950
    assert ASKED[-1][2] == 2027 and ASKED[-1][3]["enterprise_id"] == "p-1"
    as_csv = web_session.get("/v1/partners/p-1/costs-and-returns",
                             headers={**own, "Accept": "text/csv"})
    assert as_csv.headers["Content-Type"].startswith("text/csv")
    assert "mentor_hours_value_cny,1950.0" in as_csv.content.decode("utf-8-sig")
    assert "no-store" in as_csv.headers["Cache-Control"]
    other = sign_in(web_session, db, "hr.zhao", "enterprise_user", enterprise_id="p-2")
    for path in ("/v1/partners/p-1/costs-and-returns", "/v1/partners/p-1/evidence-pack",
                 "/v1/partners/p-1/evidence-pack?format=csv"):
        assert web_session.get(path, headers=other).status_code == 404, path


def test_the_pack_is_printable_html_in_the_callers_language_with_markup_escaped(
        web_session, gateway, db):
    officer = sign_in(web_session, db, "officer.li", "admissions_officer")
    pack = web_session.get("/v1/partners/p-1/evidence-pack", params={"year": 2027},
                           headers=officer)
    assert pack.status_code == 200 and pack.headers["Content-Type"].startswith("text/html")
    assert "default-src 'none'" in pack.headers["Content-Security-Policy"]
    assert "<script>" not in pack.text and "&lt;script&gt;alert(1)&lt;/script&gt;" in pack.text
    assert 'lang="zh-CN"' in pack.text
    english = web_session.get("/v1/partners/p-1/evidence-pack",
                              headers={**officer, "Accept-Language": "en-GB,en;q=0.9"})
    assert 'lang="en"' in english.text and "approved hours" in english.text
    assert 'lang="zh-CN"' in web_session.get("/v1/partners/p-1/evidence-pack?lang=zh-CN",
                                             headers={**officer,
                                                      "Accept-Language": "en"}).text
    figures = web_session.get("/v1/partners/p-1/evidence-pack?format=csv", headers=officer)
    assert figures.headers["Content-Type"].startswith("text/csv")
    assert figures.content.decode("utf-8-sig").startswith("year,section,measure,value,rule")
