"""The API's shared conventions through the running gateway: its published
description, bounded and sortable pages, and lists exported as CSV."""
import csv
import io

import pytest
import requests
from openapi_spec_validator import validate

from enrollment.domain import credit_code_check_character
from testkit.servers import wait_until
from testkit.system import System

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def system(module_vhost, mongo_uri):
    running = System(module_vhost, mongo_uri, names=("enrollment", "gateway"))
    yield running
    running.stop()


@pytest.fixture(scope="module")
def officer(system):
    return system.user("zhou.admissions", "admissions_officer")


def credit_code(number):
    first_17 = "91350100M%08d" % number
    return first_17 + credit_code_check_character(first_17)


@pytest.fixture(scope="module")
def partners(system, officer):
    """210 partners: more than one page of the largest size."""
    names = ["=HYPERLINK(\"http://evil.example\")"] + ["企业%03d" % n for n in range(1, 210)]
    session = requests.Session()
    for number, name in enumerate(names):
        contacts = [{"name": "王芳", "phone": "13800138000", "email": "wang@example.com"}]
        response = session.post(system.url("gateway", "/v1/partners"), headers=officer,
                                json={"legal_name": name, "credit_code": credit_code(number),
                                      "industry": "智能制造", "contacts": contacts},
                                timeout=15)
        assert response.status_code == 201, response.text
    return names


def get(system, headers, path, **params):
    return requests.get(system.url("gateway", path), headers=headers, params=params, timeout=30)


def test_the_gateway_publishes_a_valid_document_of_its_routes(system):
    response = requests.get(system.url("gateway", "/v1/openapi.json"), timeout=15)
    assert response.status_code == 200
    document = response.json()
    validate(document)
    assert "post" in document["paths"]["/v1/partners"]


def test_the_reference_page_and_its_assets_are_served_without_a_token(system):
    page = requests.get(system.url("gateway", "/v1/docs"), timeout=15)
    assert page.status_code == 200 and "swagger-ui-bundle.js" in page.text
    bundle = requests.get(system.url("gateway", "/v1/docs/swagger-ui-bundle.js"), timeout=15)
    assert bundle.status_code == 200 and "SwaggerUIBundle" in bundle.text
    unknown = requests.get(system.url("gateway", "/v1/docs/package.json"), timeout=15)
    assert unknown.status_code == 404


def test_a_page_is_at_most_200_items(system, officer, partners):
    assert len(get(system, officer, "/v1/partners", limit=200).json()["items"]) == 200
    too_many = get(system, officer, "/v1/partners", limit=201)
    assert too_many.status_code == 400
    assert "limit" in too_many.json()["errors"]


def test_a_csv_export_refuses_the_page_sizes_the_json_list_refuses(system, officer, partners):
    """The export answers every row, so the page size never reached the service
    that refuses a bad one: a negative limit was accepted with format=csv."""
    for limit in (-1, 0, 201):
        for asked in ({"format": "csv"}, {}):
            refused = get(system, officer, "/v1/partners", limit=limit, **asked)
            assert refused.status_code == 400, (limit, asked, refused.text[:200])
            assert "limit" in refused.json()["errors"]


def test_a_parameter_a_list_does_not_take_is_refused_by_name(system, officer, partners):
    """A misspelt filter, or an operator in its name, answered every row."""
    for name in ("nonexistent", "legal_name[$ne]", "partner_id[$ne]"):
        refused = get(system, officer, "/v1/partners", **{name: "x"})
        assert refused.status_code == 400, (name, refused.text[:200])
        assert refused.json()["errors"] == {name: ["Unknown field."]}
        assert refused.json()["field_errors"][0]["code"] == "unknown"


def test_long_lists_sort_on_an_allowed_field_only(system, officer, partners):
    applicants = get(system, officer, "/v1/applicants", sort="-name")
    assert applicants.status_code == 200
    refused = get(system, officer, "/v1/applicants", sort="resident_id")
    assert refused.status_code == 400 and "sort" in refused.json()["errors"]


def test_a_list_exports_every_row_as_csv_for_excel(system, officer, partners):
    response = get(system, {**officer, "Accept": "text/csv"}, "/v1/partners")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/csv")
    assert response.content.startswith("\ufeff".encode("utf-8"))
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert len(rows) == len(partners)
    names = {row["legal_name"] for row in rows}
    assert "企业209" in names
    assert "'=HYPERLINK(\"http://evil.example\")" in names  # never a live formula
    assert get(system, officer, "/v1/partners", format="csv").content == response.content


def test_a_csv_export_needs_the_same_role_as_the_list(system, partners):
    student = system.user("li.student", "student", student_id="s-1")
    assert get(system, student, "/v1/partners", format="csv").status_code == 403


def test_a_csv_export_masks_personal_data_as_the_json_list_does(system, officer, partners):
    coordinator = system.user("lin.projects", "project_coordinator")
    page = get(system, coordinator, "/v1/partners", limit=1).json()["items"][0]
    assert page["contacts"][0]["phone"] == "*******8000"
    response = get(system, coordinator, "/v1/partners", format="csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert len(rows) == len(partners)
    assert "13800138000" not in response.text and "wang@example.com" not in response.text
    assert '"phone": "*******8000"' in rows[0]["contacts"]
    # the admissions office sees the numbers, and the export of them is on the audit trail
    full = get(system, officer, "/v1/partners", format="csv")
    assert "13800138000" in full.text
    admin = system.user("root.admin", "admin")

    def audited_reads():
        events = get(system, admin, "/v1/audit-events", kind="personal_data_read",
                     username="zhou.admissions", path_prefix="/v1/partners").json()["items"]
        return {subject for event in events for subject in event["subject_ids"]}
    wait_until(lambda: len(audited_reads()) == len(partners),
               message="every exported partner's unmasked read audited")
