"""Graduation against the real broker and database: requirements, what
students achieved learnt from the certificates and projects services' events,
the check and the registrar's confirmation."""
import pytest
from enrollment_fixtures import adult, collect_events, partner_with_agreement, programme

from college_platform.envelope import new_event
from college_platform.errors import Conflict, InvalidInput, NotFound
from enrollment.service import EnrollmentService
from testkit.amqp import bind_probe_queue, drain, publish_event
from testkit.calls import call
from testkit.servers import wait_until

REQUIREMENTS = {"credits": 10, "placement_hours": 100, "actor": "registrar.li",
                "certificates": [{"code": "CNC-1X", "level": "intermediate"}],
                "projects": {"count": 1, "min_grade": 60}}
NOTHING_REQUIRED = {**REQUIREMENTS, "certificates": [], "credits": 0, "placement_hours": 0,
                    "projects": {"count": 0, "min_grade": 0}}


@pytest.fixture
def enrollment(start_service):
    return start_service(EnrollmentService)


def cohort(enrollment, size=3):
    partner = partner_with_agreement(enrollment, codes=("2027-OC-EV",))
    ev = programme(enrollment, partner["id"], capacity=10, seats=10, code="2027-OC-EV",
                   kind="order_class")
    report = call(enrollment, "import_admissions", {"programme_id": ev["id"], "rows": [
        {**adult(n), "admission_number": "27330100%05d" % n} for n in range(1, size + 1)]})
    students = sorted((row["student_number"], row["student_id"]) for row in report["report"])
    return ev, [student_id for _, student_id in students]


def achieve(amqp_uri, student_id, credits=10, hours=100, level="intermediate", grade=75):
    """What the certificates and projects services announce of a student."""
    grant = "grant-%s" % student_id
    publish_event(amqp_uri, "certificates", new_event("credits_granted", "certificates", {
        "grant_id": grant, "student_id": student_id, "certificate_number": "N-%s" % student_id,
        "programme_id": "p", "credits": credits}))
    publish_event(amqp_uri, "certificates", new_event("certificate_issued", "certificates", {
        "certificate_number": "N-%s" % student_id, "candidate_id": student_id,
        "candidate_kind": "student", "certificate_code": "CNC-1X", "level": level,
        "issued_on": "2029-06-01"}))
    publish_event(amqp_uri, "projects", new_event("placement_ended", "projects", {
        "placement_id": "pl-%s" % student_id, "student_id": student_id, "enterprise_id": "e",
        "ended_on": "2029-05-01", "early": False, "hours": hours}))
    publish_event(amqp_uri, "projects", new_event("project_completed", "projects", {
        "project_id": "pr-%s" % student_id, "enterprise_id": "e", "on_time": True,
        "grades": [{"student_id": student_id, "grade": grade}]}))
    return grant


def checked(enrollment, ev, **query):
    return {c["student_id"]: c for c in call(enrollment, "graduation_check", ev["id"], query)[
        "items"]}


def test_a_cohort_is_checked_and_only_who_meets_the_requirements_graduates(
        enrollment, amqp_uri, database):
    bind_probe_queue(amqp_uri, "enrollment", "enrolment_status_changed", "probe-graduated")
    ev, (ready, short, suspended) = cohort(enrollment)
    first = call(enrollment, "set_graduation_requirements", ev["id"], REQUIREMENTS)
    assert (first["version"], first["set_by"]) == (1, "registrar.li")
    achieve(amqp_uri, ready)
    achieve(amqp_uri, short, hours=40, grade=55)
    achieve(amqp_uri, suspended)
    call(enrollment, "change_student_status", suspended, {"action": "suspend",
                                                          "reason": "病假一学期"})
    wait_until(lambda: database("enrollment").achievements.count_documents({}) == 12,
               message="the achievements are learnt")

    checks = checked(enrollment, ev)
    assert checks[ready]["eligible"] and checks[ready]["requirements_version"] == 1
    assert checks[short]["missing"] == [
        "60 more placement hours", "1 more enterprise project graded 60 or above"]
    assert checks[suspended]["missing"] == ["suspended: graduates only after resuming"]
    page = call(enrollment, "graduation_check", ev["id"], {"eligible": True})
    assert (page["total"], page["eligible"]) == (1, 1)

    report = call(enrollment, "confirm_graduation", ev["id"], {
        "student_ids": [ready, short, suspended], "actor": "registrar.li"})
    assert (report["graduated"], report["not_graduated"]) == (1, 2)
    outcome = {s["student_id"]: s for s in report["students"]}
    assert outcome[ready]["graduated"] and not outcome[short]["graduated"]
    assert outcome[short]["missing"] == checks[short]["missing"]
    graduate = call(enrollment, "get_student", ready)
    assert (graduate["status"], graduate["graduation_requirements_version"]) == ("graduated", 1)
    assert graduate["history"][-1]["confirmed_by"] == "registrar.li"
    assert call(enrollment, "get_student", short)["status"] == "active"
    event, = collect_events(amqp_uri, "probe-graduated", 2)[1:]  # after the suspension
    assert (event["student_id"], event["previous_status"], event["status"]) == \
        (ready, "active", "graduated")

    again = call(enrollment, "confirm_graduation", ev["id"], {
        "student_ids": [ready], "actor": "registrar.li"})
    assert again["students"][0]["missing"] == ["already graduated"]
    assert database("enrollment").outbox.count_documents(
        {"event.type": "enrolment_status_changed"}) == 2, "graduated and announced once"


def test_a_reversed_grant_or_a_revoked_certificate_stops_counting_even_if_delivered_first(
        enrollment, amqp_uri, database):
    ev, (student, *_) = cohort(enrollment, size=1)
    call(enrollment, "set_graduation_requirements", ev["id"], REQUIREMENTS)
    reversal = {"grant_id": "grant-%s" % student, "student_id": student,
                "certificate_number": "N-%s" % student, "programme_id": "p", "credits": 10}
    publish_event(amqp_uri, "certificates", new_event("credits_reversed", "certificates",
                                                      reversal))
    wait_until(lambda: database("enrollment").achievements.count_documents({}) == 1,
               message="the reversal is kept")
    achieve(amqp_uri, student)  # the grant, delivered after its reversal
    publish_event(amqp_uri, "certificates", new_event("certificate_revoked", "certificates", {
        "certificate_number": "N-%s" % student, "candidate_id": student,
        "candidate_kind": "student", "reason": "考试作弊"}))
    wait_until(lambda: database("enrollment").achievements.count_documents(
        {"withdrawn": True}) == 2 and database("enrollment").achievements.count_documents(
        {}) == 4, message="the revocation is learnt")
    check = checked(enrollment, ev)[student]
    assert check["missing"] == ["10 more credits", "the certificate CNC-1X (intermediate)"]


def test_credits_granted_again_after_their_reversal_count_again(enrollment, amqp_uri, database):
    """A conversion rule changed, or an award corrected back: certificates reverses
    the grant and grants it again under the same id, at a later time."""
    ev, (student, *_) = cohort(enrollment, size=1)
    call(enrollment, "set_graduation_requirements", ev["id"], REQUIREMENTS)
    achieve(amqp_uri, student, credits=0)  # all but the credits
    grant = {"grant_id": "grant-%s" % student, "student_id": student,
             "certificate_number": "N-%s" % student, "programme_id": "p", "credits": 10}
    for event_type, granted_at in (("credits_granted", "2029-06-01T08:00:00.000Z"),
                                   ("credits_reversed", "2029-06-01T08:00:00.000Z"),
                                   ("credits_granted", "2029-07-01T09:30:00.250Z")):
        publish_event(amqp_uri, "certificates", new_event(event_type, "certificates", {
            **grant, "granted_at": granted_at}))
    wait_until(lambda: database("enrollment").achievements.count_documents(
        {"student_id": student}) == 6, message="both grants and the reversal are kept")
    assert checked(enrollment, ev)[student]["missing"] == []


def test_a_cohort_keeps_the_requirements_it_started_under(enrollment, amqp_uri, database):
    ev, (student, *_) = cohort(enrollment, size=1)
    call(enrollment, "set_graduation_requirements", ev["id"], REQUIREMENTS)
    stricter = call(enrollment, "set_graduation_requirements", ev["id"], {
        **REQUIREMENTS, "credits": 200, "effective_from": "2999-09-01"})
    assert stricter["version"] == 2
    versions = call(enrollment, "list_graduation_requirements", ev["id"])
    assert [v["version"] for v in versions] == [2, 1]
    achieve(amqp_uri, student)
    wait_until(lambda: database("enrollment").achievements.count_documents({}) == 4,
               message="the achievements are learnt")
    check = call(enrollment, "student_graduation_check", student)
    assert check["eligible"] and check["requirements_version"] == 1


def test_wrong_requirements_name_each_field_and_an_unknown_programme_is_not_found(enrollment):
    ev, _ = cohort(enrollment, size=1)
    with pytest.raises(InvalidInput) as caught:
        call(enrollment, "set_graduation_requirements", ev["id"], {
            "credits": -1, "placement_hours": "many", "actor": "registrar.li",
            "certificates": [{"code": "", "level": "expert"}]})
    assert set(caught.value.errors) == {"credits", "placement_hours", "certificates"}
    with pytest.raises(NotFound):
        call(enrollment, "graduation_check", "no-such-programme")
    with pytest.raises(NotFound):
        call(enrollment, "confirm_graduation", "no-such-programme", {
            "student_ids": ["x"], "actor": "registrar.li"})


def test_a_graduates_destination_and_retention_are_recorded_and_announced(
        enrollment, amqp_uri, database):
    bind_probe_queue(amqp_uri, "enrollment", "destination_recorded", "probe-destinations")
    bind_probe_queue(amqp_uri, "enrollment", "retention_recorded", "probe-retention")
    ev, (graduate, still_studying) = cohort(enrollment, size=2)
    sponsor = call(enrollment, "get_student", graduate)["partner_id"]
    call(enrollment, "set_graduation_requirements", ev["id"], NOTHING_REQUIRED)
    call(enrollment, "confirm_graduation", ev["id"], {"student_ids": [graduate],
                                                      "actor": "registrar.li"})
    hire = {"kind": "hired", "enterprise_id": sponsor, "position": "数控工艺员",
            "started_on": "2020-07-01", "actor": "registrar.li"}
    with pytest.raises(Conflict):  # not a graduate
        call(enrollment, "record_destination", still_studying, hire)
    with pytest.raises(InvalidInput) as caught:
        call(enrollment, "record_destination", graduate, {"kind": "hired",
                                                          "actor": "registrar.li"})
    assert set(caught.value.errors) == {"employer_name"}
    with pytest.raises(Conflict):  # a retention check needs a hire first
        call(enrollment, "record_retention", graduate, {"months": 6, "still_employed": True,
                                                        "actor": "registrar.li"})
    call(enrollment, "record_destination", graduate, {**hire, "kind": "other",
                                                      "enterprise_id": None})
    recorded = call(enrollment, "record_destination", graduate, hire)  # corrected
    assert recorded["destination"]["outcome"] == "hired_by_sponsor"
    with pytest.raises(Conflict) as early:
        call(enrollment, "record_retention", graduate, {
            "months": 12, "still_employed": True, "checked_on": "2021-06-30",
            "actor": "registrar.li"})
    assert early.value.extra == {"due_on": "2021-07-01"}
    kept = call(enrollment, "record_retention", graduate, {
        "months": 12, "still_employed": True, "actor": "registrar.li"})
    assert kept["retention"]["12"]["still_employed"] is True
    assert len(database("enrollment").students.find_one({"_id": graduate})[
        "destination_history"]) == 1, "the corrected record is kept"

    destination = collect_events(amqp_uri, "probe-destinations", 2)[-1]
    assert (destination["outcome"], destination["enterprise_id"], destination["partner_id"]) \
        == ("hired_by_sponsor", sponsor, sponsor)
    retention, = collect_events(amqp_uri, "probe-retention", 1)
    assert (retention["months"], retention["still_employed"]) == (12, True)
    part = call(enrollment, "enterprise_summaries", [sponsor])[sponsor]
    assert part["hires"] == {"graduates": 1, "hired": 1, "kept_12_months": 1,
                             "hires_kept_ratio": 1.0}


def test_an_employers_reported_hire_and_departure_become_the_destination_and_retention(
        enrollment, amqp_uri, database):
    ev, (graduate,) = cohort(enrollment, size=1)
    sponsor = call(enrollment, "get_student", graduate)["partner_id"]
    call(enrollment, "set_graduation_requirements", ev["id"], NOTHING_REQUIRED)
    call(enrollment, "confirm_graduation", ev["id"], {"student_ids": [graduate],
                                                      "actor": "registrar.li"})
    publish_event(amqp_uri, "projects", new_event("graduate_departure_reported", "projects", {
        "student_id": graduate, "enterprise_id": "someone-else", "left_on": "2021-03-01"}))
    hired = new_event("graduate_hire_reported", "projects", {
        "student_id": graduate, "enterprise_id": sponsor, "started_on": "2020-07-01",
        "position": "数控工艺员"})
    publish_event(amqp_uri, "projects", hired)
    publish_event(amqp_uri, "projects", hired)  # delivered twice: recorded once
    stored = wait_until(lambda: (lambda s: s if s.get("destination") else None)(
        call(enrollment, "get_student", graduate)), message="the hire recorded")
    assert (stored["destination"]["outcome"], stored["destination"]["recorded_by"]) == \
        ("hired_by_sponsor", "enterprise-system:%s" % sponsor)
    publish_event(amqp_uri, "projects", new_event("graduate_departure_reported", "projects", {
        "student_id": graduate, "enterprise_id": sponsor, "left_on": "2021-03-01",
        "reason": "另谋高就"}))
    left = wait_until(lambda: (lambda s: s if s.get("retention") else None)(
        call(enrollment, "get_student", graduate)), message="the departure recorded")
    # left after the 6-month check fell due (2021-01-01), before the 12-month one
    assert list(left["retention"]) == ["12"]
    assert left["retention"]["12"]["still_employed"] is False
    assert database("enrollment").students.find_one({"_id": graduate}).get(
        "destination_history") is None
    # a departure from a non-employer is kept as a dead letter with its reason, not applied
    letters = drain(amqp_uri, "evt-projects-graduate_departure_reported--"
                              "enrollment.on_graduate_departure_reported.dead")
    assert len(letters) == 1 and "whom it does not employ" in str(letters[0][1])


def test_a_hired_graduates_employer_is_surveyed_reminded_and_answers_on_each_competency(
        enrollment, amqp_uri, database):
    bind_probe_queue(amqp_uri, "enrollment", "employer_survey_reminder", "probe-reminders")
    bind_probe_queue(amqp_uri, "enrollment", "employer_survey_answered", "probe-answers")
    ev, (graduate,) = cohort(enrollment, size=1)
    sponsor = call(enrollment, "get_student", graduate)["partner_id"]
    programme = call(enrollment, "set_competencies", ev["id"], {
        "competencies": ["数控编程", "设备维护"]})
    assert programme["competencies"] == ["数控编程", "设备维护"]
    call(enrollment, "set_graduation_requirements", ev["id"], NOTHING_REQUIRED)
    call(enrollment, "confirm_graduation", ev["id"], {"student_ids": [graduate],
                                                      "actor": "registrar.li"})
    call(enrollment, "record_destination", graduate, {
        "kind": "hired", "enterprise_id": sponsor, "started_on": "2020-07-01",
        "actor": "registrar.li"})
    acme = {"kind": "enterprise", "enterprise_id": sponsor}
    listed = call(enrollment, "list_surveys", {}, acme)
    assert [(s["months"], s["due_on"], s["status"]) for s in listed["items"]] == [
        (6, "2021-01-01", "open"), (12, "2021-07-01", "open")]
    assert call(enrollment, "list_surveys", {}, {"kind": "enterprise",
                                                 "enterprise_id": "rival"})["total"] == 0
    six_months = listed["items"][0]["id"]
    with pytest.raises(NotFound):
        call(enrollment, "answer_survey", six_months, {"ratings": {"数控编程": 4}},
             {"kind": "enterprise", "enterprise_id": "rival"})

    assert call(enrollment, "run_expiry_sweep")["survey_reminders"] == 2
    assert call(enrollment, "run_expiry_sweep")["survey_reminders"] == 0, "not again so soon"
    reminders = collect_events(amqp_uri, "probe-reminders", 2)
    assert sorted((r["months"], r["reminders"]) for r in reminders) == [(6, 1), (12, 1)]

    with pytest.raises(InvalidInput):
        call(enrollment, "answer_survey", six_months, {
            "ratings": {"数控编程": 4}, "actor": "hr.wang"}, acme)
    answered = call(enrollment, "answer_survey", six_months, {
        "ratings": {"数控编程": 4, "设备维护": 2}, "comment": "设备维护需加强",
        "actor": "hr.wang"}, acme)
    assert (answered["status"], answered["answered_by"]) == ("answered", "hr.wang")
    with pytest.raises(Conflict):
        call(enrollment, "answer_survey", six_months, {
            "ratings": {"数控编程": 5, "设备维护": 5}, "actor": "hr.wang"}, acme)
    answer, = collect_events(amqp_uri, "probe-answers", 1)
    assert answer["ratings"] == {"数控编程": 4, "设备维护": 2}
    results = call(enrollment, "survey_results", {"programme_id": ev["id"]})
    assert (results["answered"], results["lowest"][0]) == (1, "设备维护")
    surveys = call(enrollment, "student_summaries", [graduate])[graduate]["graduation"]["surveys"]
    assert [(s["months"], s["status"], s["mean"]) for s in surveys] == [
        (6, "answered", 3.0), (12, "open", None)]

    # hired by another employer instead: the first employer's open survey is closed
    call(enrollment, "record_destination", graduate, {
        "kind": "further_study", "employer_name": "深圳职业技术大学",
        "started_on": "2021-09-01", "actor": "registrar.li"})
    statuses = {s["months"]: s["status"] for s in call(enrollment, "list_surveys", {
        "student_id": graduate})["items"]}
    assert statuses == {6: "answered", 12: "closed"}
