"""The projects service's read-model parts and dashboard facts, shaped from
stored documents without broker or database."""
from datetime import date, datetime, timedelta, timezone

from projects import summaries

TODAY = date(2027, 3, 24)
PLACEMENT = {"_id": "pl-1", "student_id": "s-1", "enterprise_id": "p-1",
             "starts_on": "2027-03-01", "ends_on": "2027-06-30", "ended_on": None,
             "status": "active", "created_at": datetime(2027, 2, 20, tzinfo=timezone.utc)}


def at(day):
    return datetime.fromisoformat(day + "T09:00:00+00:00")


def checkin(week, status):
    return {"_id": "pl-1:" + week, "placement_id": "pl-1", "week_starting": week,
            "status": status}


def alert(week, kind):
    return {"_id": "pl-1:" + week, "placement_id": "pl-1", "week_starting": week, "kind": kind}


CHECKINS = [checkin("2027-03-01", "confirmed"), checkin("2027-03-08", "logged"),
            checkin("2027-03-22", "confirmed")]
ALERTS = [alert("2027-03-08", "not_confirmed"), alert("2027-03-15", "not_logged")]

MILESTONES = [{"id": "m1", "title": "方案设计", "due_date": "2027-04-01", "weight": 40},
              {"id": "m2", "title": "Final delivery", "due_date": "2027-05-15", "weight": 60}]


def project(status, **extra):
    history = [{"status": s, "at": at(day)} for s, day in (
        ("draft", "2027-02-01"), ("published", "2027-02-10"), ("in_progress", "2027-03-01"),
        ("delivered", "2027-06-28"), ("evaluated", "2027-07-02"), ("closed", "2027-07-10"))]
    order = [h["status"] for h in history]
    return {"_id": "pr-1", "title": "产线视觉质检", "enterprise_id": "p-1", "status": status,
            "start_date": "2027-03-01", "end_date": "2027-06-30", "milestones": MILESTONES,
            "status_history": history[:order.index(status) + 1], "created_at": at("2027-02-01"),
            **extra}


def deliverable(milestone_id, version, late):
    return {"_id": "%s-v%d" % (milestone_id, version), "team_id": "t-1",
            "milestone_id": milestone_id, "version": version, "late": late}


def student_part(**given):
    arguments = {"student": {"_id": "s-1", "status": "active"}, "memberships": [],
                 "grades": [], "projects": {}, "deliverables": {}, "placements": [],
                 "checkins": {}, "alerts": {}, "feedback": [], "today": TODAY,
                 "grace_days": 2}
    arguments.update(given)
    return summaries.student_part(**arguments)


def test_a_placement_counts_the_weeks_due_and_keeps_alerts_open_until_confirmed():
    part = student_part(placements=[PLACEMENT], checkins={"pl-1": CHECKINS},
                        alerts={"pl-1": ALERTS})
    placement = part["placements"][0]
    # three weeks are past their grace period on 24 March; the fourth is under way
    assert placement["checkins"] == {"expected": 3, "logged": 3, "confirmed": 2, "missed": 2}
    assert placement["compliance"] == 0.33  # one confirmed of the three weeks due
    assert placement["open_alerts"] == [{"week_starting": "2027-03-15", "kind": "not_logged"},
                                        {"week_starting": "2027-03-08", "kind": "not_confirmed"}]
    assert part["risk_signals"]["missed_checkins"] == 2
    assert part["risk_signals"]["open_alerts"] == 2

    late_confirmation = CHECKINS[:1] + [checkin("2027-03-08", "confirmed")] + CHECKINS[2:]
    part = student_part(placements=[PLACEMENT], checkins={"pl-1": late_confirmation},
                        alerts={"pl-1": ALERTS})
    placement = part["placements"][0]
    assert placement["compliance"] == 0.67
    assert placement["checkins"]["missed"] == 2  # a late confirmation does not undo a miss
    assert [a["week_starting"] for a in placement["open_alerts"]] == ["2027-03-15"]
    assert part["risk_signals"]["open_alerts"] == 1


def test_weeks_missed_before_any_sweep_are_missed_open_and_a_risk_at_every_read():
    """Issue 27, item 8: four weeks due, one logged and confirmed, showed compliance
    0.25 but no missed week, no open alert and no risk until the hourly sweep ran."""
    placement = {**PLACEMENT, "starts_on": "2027-02-22"}
    part = student_part(placements=[placement],
                        checkins={"pl-1": [checkin("2027-02-22", "confirmed")]})
    shown = part["placements"][0]
    assert shown["checkins"] == {"expected": 4, "logged": 1, "confirmed": 1, "missed": 3}
    assert shown["compliance"] == 0.25
    assert shown["open_alerts"] == [{"week_starting": "2027-03-15", "kind": "not_logged"},
                                    {"week_starting": "2027-03-08", "kind": "not_logged"},
                                    {"week_starting": "2027-03-01", "kind": "not_logged"}]
    assert part["risk_signals"]["missed_checkins"] == 3
    assert part["risk_signals"]["open_alerts"] == 3
    swept = {"pl-1": [{"placement_id": "pl-1", "week_starting": "2027-03-01"}]}  # as read
    rows = summaries.indicator_facts(
        projects=[], feedback=[], placements=[placement],
        checkins={"pl-1": [checkin("2027-02-22", "confirmed")]}, alerts=swept,
        programmes={}, today=TODAY, grace_days=2)
    assert sum(r["value"] for r in rows if r["metric"] == "alerts_open") == 3


def test_a_part_says_the_day_it_next_changes_with_time_alone():
    """A week's grace period ending, a milestone falling due, feedback falling
    overdue: the gateway refreshes the view on that day, as no event says so."""
    assert student_part(placements=[PLACEMENT])["changes_on"] == "2027-03-31"
    membership = [{"project_id": "pr-1", "team_id": "t-1", "student_id": "s-1"}]
    assert student_part(memberships=membership, projects={"pr-1": project("in_progress")},
                        )["changes_on"] == "2027-04-02"
    ended = {**PLACEMENT, "status": "ended", "ended_on": "2027-03-19"}
    assert student_part(placements=[ended], today=date(2027, 3, 30))["changes_on"] == \
        "2027-04-03"  # overdue from the day after 14 days past its end
    assert "changes_on" not in student_part(placements=[ended], today=date(2027, 4, 10))


def test_a_placement_not_yet_due_has_no_compliance():
    part = student_part(placements=[{**PLACEMENT, "starts_on": "2027-03-22"}], today=TODAY)
    assert part["placements"][0]["compliance"] is None
    assert part["placements"][0]["checkins"]["expected"] == 0


def test_late_deliverables_are_late_submissions_and_overdue_milestones_under_way():
    work = {"t-1": [deliverable("m1", 1, False), deliverable("m1", 2, True)]}
    membership = [{"project_id": "pr-1", "team_id": "t-1", "student_id": "s-1"}]
    part = student_part(memberships=membership, projects={"pr-1": project("in_progress")},
                        deliverables=work, today=date(2027, 5, 20))
    # m1's latest version came late; m2 is past due with nothing submitted
    assert part["projects"][0]["late_deliverables"] == 2
    assert part["risk_signals"]["late_deliverables"] == 2
    part = student_part(memberships=membership, projects={"pr-1": project("in_progress")},
                        deliverables=work, today=date(2027, 5, 10))
    assert part["projects"][0]["late_deliverables"] == 1


def test_a_graded_project_carries_its_grade_and_lineage():
    lineage = [{"milestone_id": "m1", "weight": 40, "score": 85.0, "contribution": 34.0}]
    grade = {"project_id": "pr-1", "team_id": "t-1", "student_id": "s-1", "grade": 76.6,
             "milestones": lineage}
    # a grade outlives the membership (a student removed after the evaluation keeps it)
    part = student_part(grades=[grade], projects={"pr-1": project("evaluated")})
    assert part["projects"] == [{
        "project_id": "pr-1", "title": "产线视觉质检", "enterprise_id": "p-1",
        "status": "evaluated", "team_id": "t-1", "grade": 76.6, "grade_lineage": lineage,
        "late_deliverables": 0}]


def test_feedback_the_student_owes_is_overdue_two_weeks_after_the_end():
    ended = {**PLACEMENT, "status": "ended", "ended_on": "2027-05-14"}
    delivered = project("evaluated", delivered_on="2027-06-28")
    membership = [{"project_id": "pr-1", "team_id": "t-1", "student_id": "s-1"}]
    part = student_part(placements=[ended], memberships=membership,
                        projects={"pr-1": delivered}, today=date(2027, 7, 13))
    assert part["feedback"]["overdue"] == [
        {"subject_kind": "project", "subject_id": "pr-1", "due_on": "2027-07-12"},
        {"subject_kind": "placement", "subject_id": "pl-1", "due_on": "2027-05-28"}]
    assert part["risk_signals"]["overdue_feedback"] == 2

    given = [{"_id": "f-1", "direction": "student_to_enterprise", "subject_kind": "placement",
              "subject_id": "pl-1", "average": 4.0, "enterprise_id": "p-1",
              "created_at": datetime(2027, 7, 1, tzinfo=timezone.utc)},
             {"_id": "f-2", "direction": "enterprise_to_student", "subject_kind": "placement",
              "subject_id": "pl-1", "average": 4.5, "enterprise_id": "p-1",
              "created_at": datetime(2027, 7, 2, tzinfo=timezone.utc)},
             {"_id": "f-3", "direction": "enterprise_to_student", "subject_kind": "project",
              "subject_id": "pr-1", "average": 3.0, "enterprise_id": "p-2",
              "created_at": datetime(2027, 7, 3, tzinfo=timezone.utc)}]
    part = student_part(placements=[ended], memberships=membership,
                        projects={"pr-1": delivered}, feedback=given, today=date(2027, 7, 12))
    assert part["feedback"] == {"overdue": [], "received_average": 3.75, "received": [
        {"enterprise_id": "p-2", "subject_kind": "project", "subject_id": "pr-1",
         "average": 3.0, "given_at": "2027-07-03T00:00:00+00:00"},
        {"enterprise_id": "p-1", "subject_kind": "placement", "subject_id": "pl-1",
         "average": 4.5, "given_at": "2027-07-02T00:00:00+00:00"}]}


def test_a_running_placement_or_a_project_not_handed_in_owes_no_feedback():
    membership = [{"project_id": "pr-1", "team_id": "t-1", "student_id": "s-1"}]
    part = student_part(placements=[PLACEMENT], memberships=membership,
                        projects={"pr-1": project("in_progress")}, today=date(2027, 6, 1))
    assert part["feedback"]["overdue"] == []


def test_a_student_the_service_never_heard_of_is_an_empty_part():
    assert student_part(student=None) == {}
    assert set(student_part()) == {"projects", "placements", "feedback", "risk_signals"}


def test_an_enterprise_part_counts_posted_projects_and_its_feedback_turnaround():
    draft = {**project("draft"), "_id": "pr-0", "created_at": at("2027-01-01")}
    evaluated = project("evaluated", delivered_on="2027-06-28")
    ended = {**PLACEMENT, "status": "ended", "ended_on": "2027-05-14"}
    feedback = [
        {"direction": "enterprise_to_student", "subject_kind": "placement",
         "subject_id": "pl-1", "average": 4.0, "created_at": at("2027-05-20")},
        {"direction": "enterprise_to_student", "subject_kind": "project",
         "subject_id": "pr-1", "average": 5.0, "created_at": at("2027-07-08")},
        {"direction": "student_to_enterprise", "subject_kind": "placement",
         "subject_id": "pl-1", "average": 3.0, "created_at": at("2027-05-15")}]
    part = summaries.enterprise_part(
        partner={"_id": "p-1"}, tally=summaries.project_tally([draft, evaluated]),
        projects=[draft, evaluated], feedback=feedback,
        subjects={("placement", "pl-1"): ended, ("project", "pr-1"): evaluated})
    assert part["projects"] == [
        {"project_id": "pr-1", "title": "产线视觉质检", "status": "evaluated",
         "published_at": "2027-02-10T09:00:00+00:00"},
        {"project_id": "pr-0", "title": "产线视觉质检", "status": "draft", "published_at": None}]
    assert part["projects_by_status"] == {"draft": 1, "evaluated": 1}
    assert part["feedback_given"] == {"count": 2, "average": 4.5}
    assert part["feedback_received"] == {"count": 1, "average": 3.0}
    # 6 days after the placement's end, 10 after the project's delivery
    assert part["contribution"] == {"projects_posted": 1, "feedback_turnaround_days": 8.0}

    quiet = summaries.enterprise_part(partner={"_id": "p-2"}, tally=None, projects=[],
                                      feedback=[], subjects={})
    assert quiet["contribution"] == {"projects_posted": 0, "feedback_turnaround_days": None}
    assert summaries.enterprise_part(partner=None, tally=None, projects=[], feedback=[],
                                     subjects={}) == {}


def test_a_tally_counts_what_the_enterprise_part_shows_and_lists_the_newest_hundred():
    projects = [{**project("draft"), "_id": "pr-%03d" % n,
                 "created_at": at("2027-01-01") + timedelta(hours=n)} for n in range(120)]
    projects[7] = project("evaluated")  # created on 1 February, after the drafts
    tally = summaries.project_tally(projects)
    assert tally["by_status"] == {"draft": 119, "evaluated": 1}
    assert tally["projects_posted"] == 1
    assert [entry["id"] for entry in tally["newest"]] == ["pr-1"] + [
        "pr-%03d" % n for n in range(119, 20, -1)]
    # the part shows the hundred the tally lists, and says some were left out
    newest = [p for p in projects if p["_id"] in {entry["id"] for entry in tally["newest"]}]
    part = summaries.enterprise_part(partner={"_id": "p-1"}, tally=tally, projects=newest,
                                     feedback=[], subjects={})
    assert len(part["projects"]) == 100 and part["projects_truncated"] is True
    assert part["projects_by_status"] == {"draft": 119, "evaluated": 1}


def test_a_tally_follows_a_project_through_its_statuses():
    assert summaries.tally_moved("draft", "published") == {"$inc": {
        "by_status.draft": -1, "by_status.published": 1, "projects_posted": 1}}
    # published once: no later move counts it again
    assert summaries.tally_moved("published", "cancelled") == {"$inc": {
        "by_status.published": -1, "by_status.cancelled": 1}}
    added = summaries.tally_added([project("evaluated")])
    assert added["$inc"] == {"projects_posted": 1, "by_status.evaluated": 1}
    assert added["$push"]["newest"]["$slice"] == 100
    # a status that fell to nothing is left out of the part
    part = summaries.enterprise_part(
        partner=None, tally={"by_status": {"draft": 0, "published": 1}, "projects_posted": 1,
                             "newest": []}, projects=[], feedback=[], subjects={})
    assert part["projects_by_status"] == {"published": 1}


def test_indicator_facts_are_summed_per_term_programme_and_enterprise():
    rows = summaries.indicator_facts(
        projects=[project("closed", on_time=True), {**project("published"), "_id": "pr-2"},
                  {**project("draft"), "_id": "pr-3"}],
        feedback=[{"direction": "enterprise_to_student", "enterprise_id": "p-1",
                   "student_id": "s-1", "average": 4.5, "created_at": at("2027-07-08"),
                   "subject_kind": "project", "subject_id": "pr-1"},
                  {"direction": "student_to_enterprise", "enterprise_id": "p-1",
                   "student_id": "s-1", "average": 3.0, "created_at": at("2027-09-08"),
                   "subject_kind": "placement", "subject_id": "pl-1"}],
        placements=[PLACEMENT], checkins={"pl-1": CHECKINS}, alerts={"pl-1": ALERTS},
        programmes={"s-1": "prog-1"}, today=TODAY, grace_days=2)
    facts = {(r["metric"], r["term"], r["programme_id"], r["enterprise_id"]): r["value"]
             for r in rows}
    assert facts == {
        ("projects_published", "2026-autumn", None, "p-1"): 2,  # published in February
        ("projects_completed", "2027-spring", None, "p-1"): 1,
        ("projects_completed_on_time", "2027-spring", None, "p-1"): 1,
        ("student_rating_sum", "2027-spring", "prog-1", "p-1"): 4.5,
        ("student_rating_count", "2027-spring", "prog-1", "p-1"): 1,
        # the project ended on 30 June (no delivery day recorded), rated on 8 July
        ("feedback_turnaround_days_sum", "2027-spring", "prog-1", "p-1"): 8,
        ("feedback_turnaround_count", "2027-spring", "prog-1", "p-1"): 1,
        ("enterprise_rating_sum", "2027-autumn", "prog-1", "p-1"): 3.0,
        ("enterprise_rating_count", "2027-autumn", "prog-1", "p-1"): 1,
        ("checkins_expected", "2027-spring", "prog-1", "p-1"): 3,
        ("checkins_done", "2027-spring", "prog-1", "p-1"): 1,
        ("alerts_open", "2027-spring", "prog-1", "p-1"): 2,
    }
    assert all(r["breakdown"] is None for r in rows)
