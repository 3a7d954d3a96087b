"""The aggregated views' rules, without broker or database."""
from datetime import datetime, timedelta, timezone
from unittest.mock import patch

from college_contracts import CONTRACTS
from gateway.readmodels import Claim
from gateway.routes.views import ViewRoutes
from gateway.views import (
    ENTERPRISE_VIEW,
    FACTS,
    SERVICES,
    STUDENT_VIEW,
    WATCHED_EVENTS,
    SweepRound,
    contribution_index,
    contribution_row,
    dashboard,
    enterprise_view,
    facts_wait_seconds,
    risk_of,
    stale_views,
    student_360,
    student_360_for_enterprise,
    student_related_to,
    sweep_size,
    time_marks,
)


def test_an_event_marks_the_publishers_part_of_each_view_it_names_and_its_facts():
    marks = stale_views("projects", "checkin_logged", {
        "placement_id": "pl1", "student_id": "s1", "enterprise_id": "e1"})
    assert marks == sorted([(ENTERPRISE_VIEW, "e1", "projects"), (FACTS, "all", "projects"),
                            (STUDENT_VIEW, "s1", "projects")])


def test_what_counts_toward_a_clause_marks_enrollments_enterprise_part_and_facts_too():
    marks = stale_views("projects", "placement_started", {
        "placement_id": "pl1", "student_id": "s1", "enterprise_id": "e1"})
    assert marks == sorted([(ENTERPRISE_VIEW, "e1", "enrollment"),
                            (ENTERPRISE_VIEW, "e1", "projects"),
                            (FACTS, "all", "enrollment"), (FACTS, "all", "projects"),
                            (STUDENT_VIEW, "s1", "projects")])
    hours = stale_views("mentors", "timesheet_decided", {"enterprise_id": "e1"})
    assert (ENTERPRISE_VIEW, "e1", "enrollment") in hours
    assert (FACTS, "all", "enrollment") in hours
    alert = stale_views("enrollment", "clause_at_risk", {
        "agreement_id": "a1", "partner_id": "e1", "clause_id": "seats"})
    assert alert == [(ENTERPRISE_VIEW, "e1", "enrollment"), (FACTS, "all", "enrollment")]


def clause_rows(status, party, delivered, due, term="2027-spring", enterprise_id="e1"):
    dimensions = {"term": term, "programme_id": None, "enterprise_id": enterprise_id}
    return [{"metric": "clauses", "value": 1, "breakdown": status, **dimensions},
            {"metric": "fulfilment_delivered", "value": delivered, "breakdown": party,
             **dimensions},
            {"metric": "fulfilment_due", "value": due, "breakdown": party, **dimensions}]


def test_the_commitments_count_clauses_by_status_and_divide_delivered_by_due_per_party():
    rows = {"enrollment": clause_rows("at_risk", "enterprise", 0.2, 0.6)
            + clause_rows("met", "enterprise", 0.4, 0.4)
            + clause_rows("missed", "college", 0.5, 1.0, term="2026-autumn")
            + clause_rows("on_track", "enterprise", 0.3, 0.3, enterprise_id="e2")}
    assert dashboard(rows, {})["indicators"]["commitments"] == {
        "clauses_by_status": {"on_track": 1, "at_risk": 1, "met": 1, "missed": 1},
        "at_risk": 1, "missed": 1, "enterprise_fulfilment": round(0.9 / 1.3, 4),
        "college_fulfilment": 0.5}
    of_e1 = dashboard(rows, {"enterprise_id": "e1", "term": "2027-spring"})
    assert of_e1["indicators"]["commitments"] == {
        "clauses_by_status": {"on_track": 0, "at_risk": 1, "met": 1, "missed": 0},
        "at_risk": 1, "missed": 0, "enterprise_fulfilment": 0.6, "college_fulfilment": None}
    assert dashboard({}, {})["indicators"]["commitments"]["enterprise_fulfilment"] is None


def test_the_enterprise_view_shows_enrollments_commitments_or_their_empty_shape():
    commitments = {"agreements": [{"agreement_id": "a1", "fulfilment": {
        "enterprise": 0.5, "college": None}, "clauses_by_status": {"missed": 1}}],
        "clauses_behind": [{"agreement_id": "a1", "clause_id": "seats", "status": "missed"}]}
    view = enterprise_view("e1", {"enrollment": {"partner": {"legal_name": "华为"},
                                                 "commitments": commitments}}, {}, [], None)
    assert view["commitments"] == commitments
    assert enterprise_view("e1", {}, {}, ["enrollment"], None)["commitments"] == {
        "agreements": [], "clauses_behind": []}


def test_a_draft_marks_its_enterprises_view_and_no_fact():
    marks = stale_views("projects", "project_drafted", {
        "project_id": "p1", "enterprise_id": "e1", "title": "t", "team_size": 3})
    assert marks == [(ENTERPRISE_VIEW, "e1", "projects")]


def test_a_completed_project_marks_every_graded_student():
    marks = stale_views("projects", "project_completed", {
        "project_id": "p1", "enterprise_id": "e1",
        "grades": [{"student_id": "s1", "grade": 80}, {"student_id": "s2", "grade": 70}]})
    assert {(kind, key) for kind, key, _ in marks if kind == STUDENT_VIEW} == {
        (STUDENT_VIEW, "s1"), (STUDENT_VIEW, "s2")}


def test_what_counts_towards_graduation_marks_enrollments_part_of_the_student_too():
    grant = stale_views("certificates", "credits_granted", {"student_id": "s1"})
    assert {(kind, key, service) for kind, key, service in grant if kind == STUDENT_VIEW} == {
        (STUDENT_VIEW, "s1", "certificates"), (STUDENT_VIEW, "s1", "enrollment")}
    hours = stale_views("projects", "placement_ended", {"student_id": "s1",
                                                        "enterprise_id": "e1"})
    assert (STUDENT_VIEW, "s1", "enrollment") in hours
    checkin = stale_views("projects", "checkin_logged", {"student_id": "s1"})
    assert (STUDENT_VIEW, "s1", "enrollment") not in checkin


def test_a_review_that_names_only_the_team_marks_its_members():
    marks = stale_views("projects", "deliverable_reviewed", {"team_id": "t1"},
                        team_members=["s1", "s2"])
    assert (STUDENT_VIEW, "s2", "projects") in marks


def test_a_new_student_is_filled_from_every_service():
    marks = stale_views("enrollment", "student_enrolled", {"student_id": "s1", "partner_id": "e1"})
    assert {service for kind, key, service in marks if kind == STUDENT_VIEW} == {
        "enrollment", "projects", "mentors", "certificates"}
    assert (ENTERPRISE_VIEW, "e1", "enrollment") in marks


def test_a_teachers_certificate_marks_no_student():
    marks = stale_views("certificates", "result_recorded", {
        "candidate_id": "m1", "candidate_kind": "teacher"})
    assert marks == [(FACTS, "all", "certificates")]


def test_a_programme_marks_each_partner_given_a_quota_and_a_transfer_both_sponsors():
    """Issue 27, item 2: an event names every view it changes."""
    marks = stale_views("enrollment", "programme_created", {
        "programme_id": "p1", "partner_ids": ["e1", "e2"]})
    assert {key for kind, key, _ in marks if kind == ENTERPRISE_VIEW} == {"e1", "e2"}
    marks = stale_views("enrollment", "enrolment_status_changed", {
        "student_id": "s1", "partner_id": "e2", "previous_partner_id": "e1"})
    assert {key for kind, key, _ in marks if kind == ENTERPRISE_VIEW} == {"e1", "e2"}


def test_a_part_that_changes_with_time_is_read_again_then():
    fetched = datetime(2027, 3, 24, 9, tzinfo=timezone.utc)
    marks = time_marks(STUDENT_VIEW, "projects", {
        "s1": {"placements": [], "changes_in_seconds": 3600.0},
        "s2": {"placements": [], "changes_in_seconds": 60.0},
        "s3": {"placements": []}, "s4": {}}, fetched)
    assert marks == [(STUDENT_VIEW, "s1", "projects", fetched + timedelta(hours=1)),
                     (STUDENT_VIEW, "s2", "projects", fetched + timedelta(minutes=1))]
    assert time_marks(STUDENT_VIEW, "mentors", {"s1": {"mentors": {}}}, fetched) == []


def test_no_signal_no_risk():
    assert risk_of({}) == {"level": "none", "reasons": []}
    assert risk_of(None)["level"] == "none"


def test_risk_grows_with_the_kinds_and_the_weight_of_signals():
    assert risk_of({"missed_checkins": 1})["level"] == "low"
    assert risk_of({"missed_checkins": 3})["level"] == "medium"
    assert risk_of({"missed_checkins": 1, "late_deliverables": 1})["level"] == "medium"
    assert risk_of({"missed_checkins": 1, "late_deliverables": 1,
                    "overdue_feedback": 1})["level"] == "high"
    assert risk_of({"missed_checkins": 3, "open_alerts": 2})["level"] == "high"


def test_risk_says_why():
    reasons = risk_of({"missed_checkins": 2, "open_alerts": 0})["reasons"]
    assert reasons == [{"code": "missed_checkins", "count": 2,
                        "message": "2 missed weekly check-ins"}]


def test_the_360_keeps_every_section_and_names_what_is_missing():
    parts = {"enrollment": {"student": {"student_id": "s1", "name": "王芳"}},
             "projects": {"projects": [{"project_id": "p1"}],
                          "risk_signals": {"open_alerts": 1}}}
    view = student_360("s1", parts, {"enrollment": "t1", "projects": "t2"},
                       ["mentors", "certificates"])
    assert view["student"]["name"] == "王芳"
    assert view["projects"] == [{"project_id": "p1"}]
    assert view["certificates"] == [] and view["mentors"] == {"school": None, "industry": None}
    assert view["partial"] is True and view["missing"] == ["certificates", "mentors"]
    assert view["risk"]["level"] == "low"


def test_a_complete_360_is_not_partial():
    view = student_360("s1", {"enrollment": {"student": {}}}, {}, [])
    assert view["partial"] is False and view["missing"] == []


def test_an_enterprise_may_see_students_it_sponsors_or_hosts_only():
    sponsored = {"enrollment": {"student": {"partner_id": "e1"}}}
    hosted = {"enrollment": {"student": {"partner_id": None}},
              "projects": {"placements": [{"enterprise_id": "e2"}]}}
    assert student_related_to(sponsored, "e1")
    assert not student_related_to(sponsored, "e2")
    assert student_related_to(hosted, "e2")
    assert not student_related_to(hosted, "e1")


def test_the_contribution_index_ranks_enterprises_against_the_best():
    rows = contribution_index([
        contribution_row("e1", {"projects_posted": 4, "mentor_hours": 100, "seats_offered": 10,
                                "seats_filled": 10, "feedback_turnaround_days": 2}, None),
        contribution_row("e2", {"projects_posted": 2, "mentor_hours": 0, "seats_offered": 10,
                                "seats_filled": 5, "feedback_turnaround_days": 4}, None),
        contribution_row("e3", {}, None),
    ])
    indexes = {row["enterprise_id"]: row["index"] for row in rows}
    assert indexes == {"e1": 100.0, "e2": 37.5, "e3": 0.0}
    assert rows[1]["seats_honoured"] == 0.5


def test_once_it_has_graduates_an_enterprise_counts_the_hires_it_kept_not_the_seats():
    rows = contribution_index([
        contribution_row("keeps", {"seats_offered": 10, "seats_filled": 2, "graduates": 10,
                                   "hires_kept": 8}, None),
        contribution_row("fills", {"seats_offered": 10, "seats_filled": 10, "graduates": 10,
                                   "hires_kept": 1}, None),
        contribution_row("new", {"seats_offered": 10, "seats_filled": 10}, None)])
    indexes = {row["enterprise_id"]: row["index"] for row in rows}
    assert indexes == {"keeps": 20.0, "fills": 2.5, "new": 25.0}
    assert rows[0]["hires_kept_ratio"] == 0.8


def facts():
    return {
        "enrollment": [
            {"metric": "seats_offered", "value": 30, "term": "2026-autumn",
             "programme_id": "p1", "enterprise_id": "e1", "breakdown": "order_class"},
            {"metric": "seats_filled", "value": 15, "term": "2026-autumn",
             "programme_id": "p1", "enterprise_id": "e1", "breakdown": "order_class"},
            {"metric": "seats_offered", "value": 10, "term": "2027-spring",
             "programme_id": "p2", "enterprise_id": "e2", "breakdown": "apprenticeship"},
        ],
        "mentors": [
            {"metric": "teachers_professional", "value": 10},
            {"metric": "teachers_double_qualified", "value": 6},
        ],
        "certificates": [
            {"metric": "results_total", "value": 4, "term": "2026-autumn",
             "programme_id": "p1", "breakdown": "WEB-01/junior"},
            {"metric": "results_passed", "value": 3, "term": "2026-autumn",
             "programme_id": "p1", "breakdown": "WEB-01/junior"},
        ],
    }


def test_the_dashboard_divides_summed_numerators_by_summed_denominators():
    indicators = dashboard(facts(), {})["indicators"]
    assert indicators["enrolment"]["seats_offered"] == 40
    assert indicators["enrolment"]["fill_rate"] == 0.375
    assert indicators["teachers"]["double_qualified_ratio"] == 0.6
    assert indicators["certificates"]["pass_rate_by_certificate"] == [
        {"certificate": "WEB-01", "level": "junior", "passed": 3, "total": 4, "rate": 0.75}]


def test_the_graduation_rate_is_the_selected_cohorts_graduates_over_their_students():
    def cohort(metric, value, term, enterprise_id, kind):
        return {"metric": metric, "value": value, "term": term, "programme_id": "p-" + kind,
                "enterprise_id": enterprise_id, "breakdown": kind}
    rows = {"enrollment": [cohort("cohort_students", 40, "2024-autumn", "e1", "order_class"),
                           cohort("graduates", 30, "2024-autumn", "e1", "order_class"),
                           cohort("cohort_students", 10, "2024-autumn", "e2", "joint_major"),
                           cohort("graduates", 10, "2024-autumn", "e2", "joint_major"),
                           cohort("cohort_students", 50, "2027-autumn", "e1", "order_class")]}
    graduation = dashboard(rows, {})["indicators"]["graduation"]
    assert (graduation["graduates"], graduation["cohort_students"]) == (40, 100)
    assert graduation["graduation_rate"] == 0.4
    assert graduation["graduates_by_kind"] == [
        {"kind": "joint_major", "students": 10, "graduates": 10},
        {"kind": "order_class", "students": 90, "graduates": 30}]
    rows["enrollment"] += [cohort("graduates_employed", 32, "2024-autumn", "e1", "order_class"),
                           cohort("sponsor_hires", 20, "2024-autumn", "e1", "order_class"),
                           cohort("sponsor_hires_kept", 12, "2024-autumn", "e1", "order_class")]
    graduation = dashboard(rows, {})["indicators"]["graduation"]
    assert (graduation["employment_rate"], graduation["sponsor_hire_rate"],
            graduation["hires_kept_ratio"]) == (0.8, 0.5, 0.3)
    cohort_2024 = dashboard(rows, {"term": "2024-autumn", "enterprise_id": "e1"})
    assert cohort_2024["indicators"]["graduation"]["graduation_rate"] == 0.75


def test_employers_satisfaction_is_the_mean_per_competency_lowest_first():
    def rating(metric, value, enterprise_id, competency):
        return {"metric": metric, "value": value, "term": "2027-autumn", "programme_id": "p",
                "enterprise_id": enterprise_id, "breakdown": competency}
    rows = {"enrollment": [rating("survey_rating_sum", 9, "e1", "数控编程"),
                           rating("survey_rating_count", 2, "e1", "数控编程"),
                           rating("survey_rating_sum", 3, "e2", "数控编程"),
                           rating("survey_rating_count", 1, "e2", "数控编程"),
                           rating("survey_rating_sum", 5, "e1", "设备维护"),
                           rating("survey_rating_count", 2, "e1", "设备维护")]}
    assert dashboard(rows, {})["indicators"]["satisfaction"]["by_competency"] == [
        {"competency": "设备维护", "ratings": 2, "mean": 2.5},
        {"competency": "数控编程", "ratings": 3, "mean": 4.0}]
    assert dashboard(rows, {"enterprise_id": "e2"})["indicators"]["satisfaction"][
        "by_competency"] == [
        {"competency": "数控编程", "ratings": 1, "mean": 3.0}]


def test_the_dashboard_filters_by_term_programme_and_enterprise():
    by_term = dashboard(facts(), {"term": "2027-spring"})
    assert by_term["indicators"]["enrolment"]["seats_offered"] == 10
    assert by_term["indicators"]["certificates"]["pass_rate"] is None
    # a teacher's qualification has no term: it counts college-wide
    assert by_term["indicators"]["teachers"]["double_qualified"] == 6
    by_enterprise = dashboard(facts(), {"enterprise_id": "e1"})
    assert by_enterprise["indicators"]["enrolment"]["seats_offered"] == 30
    assert [row["enterprise_id"] for row in by_enterprise["contribution"]] == ["e1"]
    assert dashboard(facts(), {})["terms"] == ["2027-spring", "2026-autumn"]


def test_competition_awards_are_counted_by_level_lowest_first_and_filtered():
    def awards(value, term, programme_id, enterprise_id, level):
        return {"metric": "awards", "value": value, "term": term,
                "programme_id": programme_id, "enterprise_id": enterprise_id,
                "breakdown": level}
    rows = {"certificates": [awards(2, "2027-spring", "p1", "e1", "national"),
                             awards(3, "2027-spring", "p1", "e1", "college"),
                             awards(1, "2026-autumn", "p2", None, "provincial"),
                             awards(1, "2026-autumn", "p2", "e2", "world")]}
    assert dashboard(rows, {})["indicators"]["awards"] == {"total": 7, "by_level": [
        {"level": "college", "awards": 3}, {"level": "provincial", "awards": 1},
        {"level": "national", "awards": 2}, {"level": "world", "awards": 1}]}
    assert dashboard(rows, {"term": "2026-autumn"})["indicators"]["awards"] == {
        "total": 2, "by_level": [{"level": "provincial", "awards": 1},
                                 {"level": "world", "awards": 1}]}
    by_enterprise = dashboard(rows, {"enterprise_id": "e1", "programme_id": "p1"})
    assert by_enterprise["indicators"]["awards"]["by_level"] == [
        {"level": "college", "awards": 3}, {"level": "national", "awards": 2}]
    assert dashboard({}, {})["indicators"]["awards"] == {"total": 0, "by_level": []}


def test_an_award_marks_its_students_360_its_sponsors_view_and_the_facts():
    for event_type in ("award_granted", "award_withdrawn"):
        marks = stale_views("certificates", event_type, {
            "award_id": "en1:s1", "student_id": "s1", "programme_id": "p1",
            "partner_id": "e1", "competition_id": "c1", "level": "national",
            "award": "first"})
        assert marks == sorted([(ENTERPRISE_VIEW, "e1", "certificates"),
                                (FACTS, "all", "certificates"),
                                (STUDENT_VIEW, "s1", "certificates")])


def test_the_360_shows_the_students_awards_and_no_enterprise_sees_them():
    award = {"award_id": "en1:s1", "competition_id": "c1", "competition_name": "数控大赛",
             "level": "provincial", "award": "first", "held_on": "2027-05-20",
             "status": "awarded", "certificate_number": None}
    parts = {"enrollment": {"student": {"student_id": "s1", "partner_id": "e1"}},
             "certificates": {"awards": [award]}}
    view = student_360("s1", parts, {}, [])
    assert view["awards"] == [award]
    assert student_360("s1", {}, {}, ["certificates"])["awards"] == []
    assert student_360_for_enterprise(view, "e1")["awards"] == []


def test_an_empty_dashboard_has_no_ratios_rather_than_errors():
    indicators = dashboard({}, {})["indicators"]
    assert indicators["projects"]["on_time_rate"] is None
    assert indicators["placements"]["checkin_compliance"] is None


def test_the_enterprise_view_falls_back_to_its_own_contribution_figures():
    parts = {"enrollment": {"partner": {"legal_name": "华为"},
                            "contribution": {"seats_offered": 4, "seats_filled": 3}},
             "projects": {"contribution": {"projects_posted": 2}}}
    view = enterprise_view("e1", parts, {}, ["mentors", "certificates"], None)
    assert view["partner"]["legal_name"] == "华为"
    assert view["contribution"]["seats_honoured"] == 0.75
    assert view["contribution"]["projects_posted"] == 2
    assert view["missing"] == ["certificates", "mentors"]


def test_partners_active_counts_the_latest_term_unless_a_term_is_chosen():
    rows = {"enrollment": [
        {"metric": "partners_active", "value": 1, "term": "2026-autumn", "enterprise_id": "e1"},
        {"metric": "partners_active", "value": 1, "term": "2027-spring", "enterprise_id": "e1"},
        {"metric": "partners_active", "value": 1, "term": "2027-spring", "enterprise_id": "e2"},
    ]}
    assert dashboard(rows, {})["indicators"]["partners"]["partners_active"] == 2
    assert dashboard(rows, {"term": "2026-autumn"})["indicators"]["partners"][
        "partners_active"] == 1


def test_every_watched_event_has_a_handler_and_a_contract():
    handled = {(entrypoint.source_service, entrypoint.event_type)
               for name in dir(ViewRoutes)
               for entrypoint in getattr(getattr(ViewRoutes, name), "nameko_entrypoints", ())
               if hasattr(entrypoint, "event_type")}
    watched = {(service, event_type) for service, types in WATCHED_EVENTS.items()
               for event_type in types}
    assert handled == watched
    assert all(event_type in CONTRACTS[service] for service, event_type in watched)


def test_the_sweep_goes_round_each_kind_of_view_in_the_rounds_time_at_most_a_batch_a_tick():
    # 200 enterprises in 15 minutes of 10 s ticks: 3 a tick, not the whole batch
    assert sweep_size(200, 10, 900, 100) == 3
    assert sweep_size(10_000, 10, 900, 100) == 100  # as fast as the batch allows
    assert sweep_size(5, 10, 900, 100) == 1  # never none


def test_a_sweep_round_reads_the_stored_keys_once_and_hands_them_out_a_few_a_tick():
    stored = ["e%03d" % n for n in range(200)]
    loads = []

    def load_keys():
        loads.append(1)
        return list(reversed(stored))

    def every_key(keys):
        return keys

    round_ = SweepRound()
    handed = [round_.next_keys(load_keys, every_key, 10, 900, 100) for _ in range(67)]
    assert [len(keys) for keys in handed[:3]] == [3, 3, 3]  # 200 in 900 s of 10 s ticks
    assert [key for keys in handed for key in keys] == stored  # each once, in key order
    assert len(loads) == 1  # one read of the stored keys for the whole round
    round_.next_keys(load_keys, every_key, 10, 900, 100)  # the round is over: a new one
    assert len(loads) == 2


def test_a_view_removed_during_the_round_is_not_swept():
    round_ = SweepRound()
    keys = round_.next_keys(lambda: ["a", "b", "c"],
                            lambda chosen: [key for key in chosen if key != "b"], 10, 10, 100)
    assert keys == ["a", "c"]


def test_the_sweep_tick_marks_the_rounds_next_views_of_each_kind_for_refresh():
    class StoredViews:
        def __init__(self):
            self.sweeps = {}
            self.stored = {STUDENT_VIEW: ["s1", "s2"], ENTERPRISE_VIEW: ["e1"]}
            self.marked = []

        def all_keys(self, kind):
            return self.stored[kind]

        def existing_keys(self, kind, keys):
            return [key for key in keys if key in self.stored[kind]]

        def mark(self, marks):
            self.marked.extend(marks)

        def recover_leases(self):
            pass

    routes = ViewRoutes()
    routes.read_models = StoredViews()
    routes.sweep_views()  # two students in a round of 90 ticks: one a tick
    marked = {(kind, key) for kind, key, _ in routes.read_models.marked if kind != FACTS}
    assert marked == {(STUDENT_VIEW, "s1"), (ENTERPRISE_VIEW, "e1")}
    assert {service for kind, _, service in routes.read_models.marked if kind == FACTS} == \
        set(SERVICES)
    routes.read_models.marked.clear()
    routes.sweep_views()
    assert (STUDENT_VIEW, "s2") in {(kind, key) for kind, key, _ in routes.read_models.marked}


def test_slow_facts_reads_are_spaced_to_keep_them_a_bounded_share_of_the_services_time():
    assert facts_wait_seconds(0.05, 2, 0.1) == 2  # quick reads: the minimum interval
    assert facts_wait_seconds(0.8, 2, 0.1) == 8  # 0.8 s of reading, then 8 s apart
    assert facts_wait_seconds(None, 2, 0.1) == 2  # never read


def test_the_facts_refresh_waits_after_a_slow_read_and_records_how_long_each_took():
    class StoredFacts:
        def __init__(self):
            self.checked, self.saved = (None, 0.0), []

        def facts_checked(self, service):
            return self.checked

        def claim(self, kind, service, keys, lease_seconds):
            return Claim("token", keys, False)

        def save_facts(self, service, rows, fetched_at, read_seconds):
            self.saved.append(read_seconds)
            self.checked = (fetched_at, read_seconds)

        def release(self, token):
            pass

    clock = {"now": 0.0}
    routes = ViewRoutes()
    routes.read_models = StoredFacts()

    def slow_call(service, method, deadline):  # the facts read takes 1 s
        clock["now"] += 1.0
        return []
    routes.call = slow_call
    moments = iter([datetime(2027, 3, 1, 8, 0, s, tzinfo=timezone.utc) for s in range(60)])
    with patch("gateway.routes.views.time.monotonic", lambda: clock["now"]), \
            patch("gateway.routes.views.utcnow", lambda: next(moments)):
        routes._refresh_facts("projects")  # 08:00:00, read for 1 s
        for _ in range(8):  # 08:00:01 to 08:00:08: within 10 s of a 1 s read
            routes._refresh_facts("projects")
        assert routes.read_models.saved == [1.0]
        routes._refresh_facts("projects")  # 08:00:09 is still within 10 s
        routes._refresh_facts("projects")  # 08:00:10
    assert routes.read_models.saved == [1.0, 1.0]


def a_360_with_two_enterprises():
    """A student sponsored by e1 with a placement at e1 and one at e2 (arranged by
    the college), a project of each, mentors, exams, credits and feedback."""
    parts = {
        "enrollment": {
            "student": {"student_id": "s1", "student_number": "2027001", "name": "李明",
                        "status": "active", "intake_year": 2027, "partner_id": "e1",
                        "programme": {"programme_id": "prog1", "code": "MA", "name": "学徒班"},
                        "history": [{"status": "suspended", "at": "2027-01-01",
                                     "reason": "病假"}]},
            "apprenticeship": {"contract": {"contract_id": "c1", "partner_id": "e1",
                                            "monthly_wage": 4200},
                               "agreements": [{"agreement_id": "a1", "partner_id": "e1"}]},
            "personal": {"resident_id": "110105200503010016", "phone": "13800138000"},
            "graduation": {"eligible": False, "requirements_version": 1,
                           "missing": ["60 more placement hours"], "requirements": [
                               {"requirement": "placement_hours", "needed": 100, "has": 40,
                                "met": False, "missing": "60 more placement hours"}]}},
        "projects": {
            "projects": [{"project_id": "p1", "enterprise_id": "e1", "late_deliverables": 3},
                         {"project_id": "p2", "enterprise_id": "e2", "late_deliverables": 0}],
            "placements": [
                {"placement_id": "pl1", "enterprise_id": "e1", "checkins": {"missed": 4},
                 "open_alerts": [{"week_starting": "2027-03-01"}] * 2},
                {"placement_id": "pl2", "enterprise_id": "e2", "checkins": {"missed": 1},
                 "open_alerts": [{"week_starting": "2027-04-05"}]}],
            "feedback": {"overdue": [
                {"subject_kind": "placement", "subject_id": "pl1", "due_on": "2027-02-01"},
                {"subject_kind": "project", "subject_id": "p2", "due_on": "2027-03-01"}],
                "received": [{"enterprise_id": "e1", "average": 2.0},
                             {"enterprise_id": "e2", "average": 5.0}],
                "received_average": 3.5},
            "risk_signals": {"missed_checkins": 5, "open_alerts": 3, "late_deliverables": 3,
                             "overdue_feedback": 2}},
        "mentors": {"mentors": {"school": {"mentor_id": "t1", "name": "周老师"},
                                "industry": {"mentor_id": "m1", "enterprise_id": "e1"},
                                "needs_reassignment": False}},
        "certificates": {"registrations": [{"registration_id": "r1"}],
                         "results": [{"registration_id": "r1", "theory": 40}],
                         "certificates": [{"number": "X-1", "status": "valid"}],
                         "credits": {"total": 4, "grants": [{"credits": 4}]}},
    }
    return student_360("s1", parts, {}, [])


def test_a_hosting_enterprise_sees_its_own_part_of_a_360_and_nothing_another_did_or_said():
    view = student_360_for_enterprise(a_360_with_two_enterprises(), "e2")
    assert view["student"]["name"] == "李明" and view["student"]["student_number"] == "2027001"
    assert "history" not in view["student"] and "partner_id" not in view["student"]
    assert view["apprenticeship"] == {"contract": None, "agreements": []}
    assert view["personal"] is None
    assert [p["placement_id"] for p in view["placements"]] == ["pl2"]
    assert [p["project_id"] for p in view["projects"]] == ["p2"]
    assert view["feedback"]["overdue"] == [
        {"subject_kind": "project", "subject_id": "p2", "due_on": "2027-03-01"}]
    assert view["feedback"]["received"] == [{"enterprise_id": "e2", "average": 5.0}]
    assert view["feedback"]["received_average"] == 5.0
    assert view["mentors"] == {"school": None, "industry": None, "needs_reassignment": False}
    assert view["registrations"] == [] and view["results"] == []
    assert view["credits"] == {"total": 0, "grants": []}
    assert view["graduation"] is None, "it counts hours at other enterprises"
    assert view["certificates"] == [{"number": "X-1", "status": "valid"}]
    # the risk comes from its own placements and projects only
    assert {r["code"]: r["count"] for r in view["risk"]["reasons"]} == {
        "missed_checkins": 1, "open_alerts": 1, "overdue_feedback": 1}
    assert "e1" not in str(view) and "病假" not in str(view)


def test_the_sponsor_also_sees_the_enrolment_it_is_party_to():
    view = student_360_for_enterprise(a_360_with_two_enterprises(), "e1")
    assert view["student"]["partner_id"] == "e1"
    assert view["student"]["history"][0]["status"] == "suspended"
    assert view["apprenticeship"]["contract"]["contract_id"] == "c1"
    assert view["personal"] is not None  # masked by the gateway's privacy rule
    assert view["mentors"]["industry"]["mentor_id"] == "m1"
    assert view["mentors"]["school"]["mentor_id"] == "t1"
    assert [p["placement_id"] for p in view["placements"]] == ["pl1"]
    assert view["registrations"] == [] and view["results"] == []
    assert view["graduation"] is None
    assert "e2" not in str(view)


def test_what_counts_toward_costs_and_returns_marks_enrollments_enterprise_part_and_facts():
    for source, event_type, data in (
            ("projects", "checkin_confirmed", {"placement_id": "pl1", "student_id": "s1",
                                               "enterprise_id": "e1"}),
            ("certificates", "certificate_issued", {"candidate_kind": "student",
                                                    "candidate_id": "s1", "partner_id": "e1"}),
            ("certificates", "certificate_revoked", {"candidate_kind": "student",
                                                     "candidate_id": "s1", "partner_id": "e1"})):
        marks = stale_views(source, event_type, data)
        assert (ENTERPRISE_VIEW, "e1", "enrollment") in marks, event_type
        assert (FACTS, "all", "enrollment") in marks, event_type


def cost_rows(enterprise_id, **figures):
    return [{"metric": "costs", "value": value, "term": None, "programme_id": None,
             "enterprise_id": enterprise_id, "breakdown": name}
            for name, value in figures.items()]


def test_the_costs_and_returns_sum_the_selected_enterprises_figures_of_the_year():
    college = [{"metric": "costs_year", "value": 2027, "term": None, "programme_id": None,
                "enterprise_id": None, "breakdown": None},
               {"metric": "costs_rate_set", "value": 1, "term": None, "programme_id": None,
                "enterprise_id": None, "breakdown": None}]
    rows = {"enrollment": college + cost_rows("e1", mentor_hours=10, mentor_hours_value_cny=3000,
                                              intern_hours=38.5)
            + cost_rows("e2", mentor_hours=5, mentor_hours_value_cny=1500)}
    found = dashboard(rows, {})["indicators"]["costs_and_returns"]
    assert (found["year"], found["rate_set"], found["mentor_hours"],
            found["mentor_hours_value_cny"], found["intern_hours"]) == (2027, True, 15, 4500,
                                                                        38.5)
    of_e2 = dashboard(rows, {"enterprise_id": "e2"})["indicators"]["costs_and_returns"]
    assert (of_e2["year"], of_e2["mentor_hours"], of_e2["intern_hours"]) == (2027, 5, 0)
    unrated = dashboard({"enrollment": college[:1] + cost_rows("e1", mentor_hours=10)},
                        {})["indicators"]["costs_and_returns"]
    assert (unrated["rate_set"], unrated["mentor_hours_value_cny"]) == (False, None)


def test_the_enterprise_view_shows_this_years_costs_and_returns_or_none():
    found = {"year": 2027, "inputs": {"mentor_hours": 6.5}, "returns": {"hires": 1}}
    view = enterprise_view("e1", {"enrollment": {"costs_and_returns": found}}, {}, [], None)
    assert view["costs_and_returns"] == found
    assert enterprise_view("e1", {}, {}, ["enrollment"], None)["costs_and_returns"] is None
