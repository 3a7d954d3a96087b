"""The provincial admission list (录取名单) enrols admitted students at once,
against the real broker and database."""
from datetime import date

import pytest
from enrollment_fixtures import (
    OTHER_PARTNER,
    adult,
    collect_events,
    partner_with_agreement,
    programme,
    resident_id,
)

from college_platform.errors import Conflict, InvalidInput
from enrollment.service import EnrollmentService
from testkit.amqp import bind_probe_queue
from testkit.calls import call
from testkit.servers import wait_until


@pytest.fixture
def enrollment(start_service):
    return start_service(EnrollmentService)


def order_class(enrollment, capacity=10, seats=10):
    partner = partner_with_agreement(enrollment, codes=("2027-OC-EV",))
    return partner, programme(enrollment, partner["id"], capacity=capacity, seats=seats,
                              code="2027-OC-EV", kind="order_class")


def admitted(serial, number=None, name="李明"):
    return {**adult(serial, name=name), "admission_number": number or "27330100%05d" % serial}


def test_the_list_enrols_each_admitted_student_once_and_announces_it(
        enrollment, database, amqp_uri):
    bind_probe_queue(amqp_uri, "enrollment", "student_enrolled", "probe-admitted")
    partner, ev = order_class(enrollment)
    already_on_file = call(enrollment, "apply", {"programme_id": ev["id"],
                                                 "applicant": adult(9, name="王芳")})
    call(enrollment, "withdraw_application", already_on_file["id"], {"reason": "改走录取名单"})
    rows = [admitted(1), admitted(2, name="张伟"), admitted(9, name="王芳"),
            {**admitted(3), "resident_id": "110105200503010000"},  # wrong check character
            {"name": "赵强", "resident_id": resident_id(date(2005, 3, 1), 4)}]  # no number
    first = call(enrollment, "import_admissions", {"programme_id": ev["id"], "rows": rows})

    assert (first["rows"], first["imported"], first["duplicates"], first["rejected"]) == \
        (5, 3, 0, 2)
    by_row = {entry["row"]: entry for entry in first["report"]}
    assert "check character" in by_row[4]["errors"]["resident_id"][0]
    assert "admission_number" in by_row[5]["errors"]
    assert by_row[3]["applicant_id"] == already_on_file["applicant_id"], "the same person"
    assert sorted(by_row[n]["student_number"] for n in (1, 2, 3)) == [
        "2027-OC-EV-0001", "2027-OC-EV-0002", "2027-OC-EV-0003"]
    student = call(enrollment, "get_student", by_row[1]["student_id"])
    assert (student["status"], student["partner_id"], student["programme_kind"]) == \
        ("active", partner["id"], "order_class")
    application = call(enrollment, "get_application", by_row[1]["application_id"])
    assert (application["status"], application["admission_number"]) == \
        ("enrolled", "2733010000001")
    figures = call(enrollment, "get_programme", ev["id"])
    assert (figures["free"], figures["consumed"]) == (7, 3)
    assert (figures["quotas"][0]["free"], figures["quotas"][0]["consumed"]) == (7, 3)
    events = collect_events(amqp_uri, "probe-admitted", 3)
    assert sorted(e["student_id"] for e in events) == sorted(
        by_row[n]["student_id"] for n in (1, 2, 3))

    again = call(enrollment, "import_admissions", {"programme_id": ev["id"], "rows": rows})
    assert (again["imported"], again["duplicates"], again["rejected"]) == (0, 3, 2)
    assert {e["row"]: e["student_id"] for e in again["report"] if e["status"] == "duplicate"} \
        == {n: by_row[n]["student_id"] for n in (1, 2, 3)}
    db = database("enrollment")
    assert db.students.count_documents({}) == 3
    assert db.applicants.count_documents({}) == 3
    assert call(enrollment, "get_programme", ev["id"])["free"] == 7


def test_rows_beyond_the_seats_left_are_rejected_with_the_reason(enrollment):
    _, ev = order_class(enrollment, capacity=2, seats=2)
    report = call(enrollment, "import_admissions", {
        "programme_id": ev["id"], "rows": [admitted(n) for n in (1, 2, 3)]})
    assert (report["imported"], report["rejected"]) == (2, 1)
    assert "No seat is left" in report["report"][2]["errors"]["_row"][0]
    figures = call(enrollment, "get_programme", ev["id"])
    assert (figures["free"], figures["consumed"]) == (0, 2)


def test_the_same_person_or_number_twice_in_a_list_is_enrolled_once(enrollment):
    _, ev = order_class(enrollment)
    report = call(enrollment, "import_admissions", {"programme_id": ev["id"], "rows": [
        admitted(1), admitted(1, number="2733010000099"), admitted(2, number="2733010000001")]})
    assert (report["imported"], report["rejected"]) == (1, 2)
    assert "Row 1 already holds this person" in report["report"][1]["errors"]["_row"][0]
    assert "admission number" in report["report"][2]["errors"]["_row"][0]


def test_a_csv_list_uses_the_applicant_import_columns_and_an_admission_number(enrollment):
    _, ev = order_class(enrollment)
    text = ("name,resident_id,phone,address,admission_number\n"
            "李明,%s,13800138000,浙江省杭州市,2733010000001\n"
            "王芳,110105200503010000,,,2733010000002\n"
            "张伟,%s,,,\n") % (resident_id(date(2005, 3, 1), 1), resident_id(date(2005, 3, 1), 2))
    report = call(enrollment, "import_admissions", {
        "programme_id": ev["id"], "filename": "2027录取名单.csv", "csv": text})
    assert (report["filename"], report["rows"], report["imported"], report["rejected"]) == \
        ("2027录取名单.csv", 3, 1, 2)
    assert [entry["row"] for entry in report["report"]] == [2, 3, 4]
    assert "resident_id" in report["report"][1]["errors"]
    assert "admission_number" in report["report"][2]["errors"]
    with pytest.raises(InvalidInput) as caught:
        call(enrollment, "import_admissions", {"programme_id": ev["id"],
                                               "csv": "name,resident_id\n李明,1\n"})
    assert "admission_number" in caught.value.errors["csv"][0]


def test_an_apprenticeship_is_refused_and_a_programme_of_several_partners_needs_one(
        enrollment):
    partner = partner_with_agreement(enrollment, codes=("2027-MA-CNC", "2027-JM-AI"))
    cnc = programme(enrollment, partner["id"])
    with pytest.raises(Conflict, match="tripartite agreement"):
        call(enrollment, "import_admissions", {"programme_id": cnc["id"],
                                               "rows": [admitted(1)]})
    other = partner_with_agreement(enrollment, partner=OTHER_PARTNER, codes=("2027-JM-AI",))
    joint = call(enrollment, "create_programme", {
        "code": "2027-JM-AI", "name": "人工智能联合专业", "kind": "joint_major",
        "intake_year": 2027, "capacity": 10,
        "quotas": [{"partner_id": partner["id"], "seats": 4},
                   {"partner_id": other["id"], "seats": 4}]})
    with pytest.raises(InvalidInput) as caught:
        call(enrollment, "import_admissions", {"programme_id": joint["id"],
                                               "rows": [admitted(1)]})
    assert "partner_id" in caught.value.errors
    report = call(enrollment, "import_admissions", {
        "programme_id": joint["id"], "partner_id": other["id"], "rows": [admitted(1)]})
    assert report["imported"] == 1
    quotas = {q["partner_id"]: q for q in call(enrollment, "get_programme",
                                                joint["id"])["quotas"]}
    assert (quotas[other["id"]]["consumed"], quotas[partner["id"]]["consumed"]) == (1, 0)
    with pytest.raises(InvalidInput) as caught:
        call(enrollment, "import_admissions", {"programme_id": joint["id"]})
    assert "rows" in caught.value.errors


def test_staff_page_through_every_student_newest_first_at_any_offset(enrollment, database):
    partner, ev = order_class(enrollment, capacity=20, seats=20)
    for first in (1, 6, 11):  # three lists, each one transaction
        call(enrollment, "import_admissions", {"programme_id": ev["id"], "rows": [
            admitted(serial, name="学生%02d" % serial) for serial in range(first, first + 5)]})

    def names(**query):
        pages = [call(enrollment, "list_students", {"limit": 4, "offset": offset, **query})
                 for offset in range(0, 16, 4)]
        assert {page["total"] for page in pages} == {15}
        return [student["name"] for page in pages for student in page["items"]]

    def lists(order):  # the names of each import, in the order listed
        return [set(order[:5]), set(order[5:10]), set(order[10:])]

    just_imported = names()
    assert lists(just_imported) == [{"学生%02d" % n for n in range(first, first + 5)}
                                    for first in (11, 6, 1)]
    # numbered in the list just after (students = every student, in one order)
    wait_until(lambda: not database("enrollment").students.find_one({"list_pending": True}),
               message="every student numbered")
    assert names() == just_imported, "numbering moves no student"
    assert names(sort="-created_at") == just_imported
    assert names(sort="created_at") == just_imported[::-1]
    assert sorted(names(programme_id=ev["id"])) == sorted(just_imported)
