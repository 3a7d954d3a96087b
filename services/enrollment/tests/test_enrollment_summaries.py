"""Enrollment's read-model parts and indicator facts, shaped without broker or database."""
from datetime import date, datetime, timezone

from enrollment import summaries
from enrollment.commitments import fulfilment

TODAY = date(2026, 11, 22)
ENROLLED_AT = datetime(2026, 9, 1, 8, 0, tzinfo=timezone.utc)
PROGRAMME = {"_id": "prog-cnc", "code": "2027-MA-CNC", "name": "数控技术现代学徒制班",
             "kind": "apprenticeship", "intake_year": 2027, "capacity": 40, "consumed": 3}
CONTRACT = {"_id": "c-1", "student_id": "s-1", "partner_id": "p-1", "programme_id": "prog-cnc",
            "starts_on": "2027-09-01", "ends_on": "2030-06-30", "position": "数控学徒工",
            "monthly_wage": 2400}


def a_student(**changes):
    return {"_id": "s-1", "applicant_id": "a-1", "name": "李明",
            "student_number": "2027-MA-CNC-0001", "programme_id": "prog-cnc",
            "programme_code": "2027-MA-CNC", "programme_kind": "apprenticeship",
            "partner_id": "p-1", "intake_year": 2027, "status": "active",
            "enrolled_on": "2027-09-01", "apprentice_contract": CONTRACT,
            "history": [{"status": "active", "action": "enrol", "at": ENROLLED_AT},
                        {"status": "suspended", "action": "suspend", "reason": "病假",
                         "at": datetime(2026, 10, 1, tzinfo=timezone.utc)}],
            "created_at": ENROLLED_AT, **changes}


NO_CHECK = {"eligible": False, "requirements_version": None, "requirements": [],
            "missing": ["the programme has no graduation requirements yet"]}


def test_a_students_part_holds_enrolment_apprenticeship_and_unmasked_personal_data():
    applicant = {"_id": "a-1", "resident_id": "110105200503010016", "phone": "13800138000",
                 "address": "深圳市南山区科技园1号"}
    tripartite = [{"_id": "t-1", "version": 1, "status": "superseded", "signatures": {}},
                  {"_id": "t-2", "version": 2, "status": "signed", "signatures": {
                      "college": {"signed_at": datetime(2027, 8, 1, tzinfo=timezone.utc)},
                      "student": {"signed_at": datetime(2027, 8, 3, tzinfo=timezone.utc)}}}]

    part = summaries.student_part(a_student(), PROGRAMME, applicant, tripartite, NO_CHECK)

    assert part["student"]["programme"] == {"programme_id": "prog-cnc", "code": "2027-MA-CNC",
                                            "name": "数控技术现代学徒制班",
                                            "kind": "apprenticeship"}
    assert part["student"]["enrolled_at"] == "2027-09-01"
    assert [h["status"] for h in part["student"]["history"]] == ["suspended", "active"]
    assert part["student"]["history"][0] == {"status": "suspended", "reason": "病假",
                                             "at": "2026-10-01T00:00:00+00:00"}
    assert part["apprenticeship"]["contract"]["contract_id"] == "c-1"
    assert [(a["agreement_id"], a["status"], a["signed_at"])
            for a in part["apprenticeship"]["agreements"]] == [
        ("t-2", "signed", "2027-08-03T00:00:00+00:00"), ("t-1", "superseded", None)]
    assert part["personal"] == {"resident_id": "110105200503010016", "phone": "13800138000",
                                "address": "深圳市南山区科技园1号", "passport": None}
    assert part["graduation"] == {"graduated_on": None, **NO_CHECK, "destination": None,
                                  "retention": {}, "surveys": []}


def test_a_graduates_part_shows_their_employer_surveys_due_first_without_the_comment():
    answered = {"_id": "s1:e1:2027-07-01:6m", "student_id": "s1", "enterprise_id": "e1",
                "months": 6, "due_on": "2028-01-01", "status": "answered",
                "answered_at": datetime(2028, 1, 5, tzinfo=timezone.utc),
                "ratings": {"safety": 4, "teamwork": 3, "craft": 4}, "comment": "守时"}
    still_open = {"_id": "s1:e1:2027-07-01:12m", "student_id": "s1", "enterprise_id": "e1",
                  "months": 12, "due_on": "2028-07-01", "status": "open"}

    part = summaries.student_part(a_student(), PROGRAMME, None, [], NO_CHECK,
                                  [still_open, answered])

    assert part["graduation"]["surveys"] == [
        {"survey_id": "s1:e1:2027-07-01:6m", "enterprise_id": "e1", "months": 6,
         "due_on": "2028-01-01", "status": "answered",
         "answered_at": "2028-01-05T00:00:00+00:00",
         "ratings": {"safety": 4, "teamwork": 3, "craft": 4}, "mean": 3.67},
        {"survey_id": "s1:e1:2027-07-01:12m", "enterprise_id": "e1", "months": 12,
         "due_on": "2028-07-01", "status": "open", "answered_at": None, "ratings": {},
         "mean": None}]


def test_a_student_without_an_apprenticeship_has_no_contract():
    part = summaries.student_part(a_student(apprentice_contract=None), PROGRAMME,
                                  {"_id": "a-1", "passport": {"number": "K1234567",
                                                              "country": "GBR"}}, [],
                                  NO_CHECK)
    assert part["apprenticeship"] == {"contract": None, "agreements": []}
    assert part["personal"]["passport"] == {"number": "K1234567", "country": "GBR"}


def test_a_long_history_keeps_the_newest_100_and_says_it_was_cut():
    history = [{"status": "active", "at": datetime(2027, 1, 1, tzinfo=timezone.utc),
                "reason": str(n)} for n in range(120)]
    part = summaries.student_part(a_student(history=history), PROGRAMME, None, [], NO_CHECK)
    assert len(part["student"]["history"]) == 100
    assert part["student"]["history"][0]["reason"] == "119"
    assert part["student"]["history_truncated"] is True


def test_an_enterprise_part_sums_its_seats_and_lists_only_current_apprentices():
    partner = {"_id": "p-1", "legal_name": "深圳智造科技有限公司", "credit_code": "X",
               "industry": "智能制造", "contacts": [], "created_at": ENROLLED_AT}
    quotas = [{"programme_id": "prog-cnc", "partner_id": "p-1", "seats": 30, "consumed": 2}]
    withdrawn = a_student(_id="s-2", status="withdrawn")
    contracts = [CONTRACT, {**CONTRACT, "_id": "c-2", "student_id": "s-2"}]
    students = [a_student(), withdrawn]

    part = summaries.enterprise_part(partner, [], quotas, {"prog-cnc": PROGRAMME}, students,
                                     contracts, {s["_id"]: s for s in students})

    assert part["partner"]["legal_name"] == "深圳智造科技有限公司"
    assert part["seats"] == [{"programme_id": "prog-cnc", "code": "2027-MA-CNC",
                              "name": "数控技术现代学徒制班", "kind": "apprenticeship",
                              "intake_year": 2027, "offered": 30, "filled": 2}]
    assert {s["student_id"] for s in part["students"]} == {"s-1", "s-2"}
    assert part["apprentices"] == [{"student_id": "s-1", "name": "李明", "contract_id": "c-1",
                                    "starts_on": "2027-09-01", "ends_on": "2030-06-30"}]
    assert part["student_counts"] == {"total": 2, "by_status": {"active": 1, "withdrawn": 1},
                                      "by_programme": {"prog-cnc": 2}}
    assert part["apprentice_count"] == 1
    assert part["contribution"] == {"seats_offered": 30, "seats_filled": 2,
                                    "graduates": 0, "hires_kept": 0}


def test_an_enterprise_part_names_the_newest_20_students_and_counts_them_all():
    partner = {"_id": "p-1", "legal_name": "深圳智造科技有限公司", "created_at": ENROLLED_AT}
    students = [a_student(_id="s-%02d" % n, created_at=datetime(2027, 9, 1, n % 24,
                                                                  tzinfo=timezone.utc),
                          status="active" if n % 3 else "graduated")
                for n in range(24)]

    part = summaries.enterprise_part(partner, [], [], {}, students, [], {})

    assert [s["student_id"] for s in part["students"]] == ["s-%02d" % n
                                                           for n in range(23, 3, -1)]
    assert part["student_counts"] == {"total": 24, "by_status": {"graduated": 8, "active": 16},
                                      "by_programme": {"prog-cnc": 24}}


def test_terms_between_two_days_follow_the_academic_calendar():
    assert summaries.terms_between(date(2026, 2, 28), date(2026, 9, 1)) == [
        "2025-autumn", "2026-spring", "2026-autumn"]


def agreement(status, history, partner_id="p-1", starts_on="2020-01-01", ends_on="2099-12-31"):
    return {"_id": "ag-" + status, "partner_id": partner_id, "status": status,
            "starts_on": starts_on, "ends_on": ends_on,
            "history": [{"status": s, "at": datetime.fromisoformat(at + "T10:00:00+00:00")}
                        for s, at in history]}


def facts_of(rows, metric):
    return {(r["term"], r["programme_id"], r["enterprise_id"], r["breakdown"]): r["value"]
            for r in rows if r["metric"] == metric}


def test_partners_are_active_in_the_terms_their_agreements_were_active_up_to_today():
    agreements = [
        agreement("active", [("draft", "2026-01-05"), ("active", "2026-02-01")]),
        # terminated in spring 2026: counted once per term for the same partner
        agreement("terminated", [("draft", "2025-12-01"), ("active", "2025-12-02"),
                                 ("terminated", "2026-04-01")]),
        agreement("suspended", [("draft", "2026-10-01"), ("active", "2026-10-02"),
                                ("suspended", "2026-10-10")], partner_id="p-2"),
    ]
    rows = summaries.indicator_facts(agreements, [], [], [], TODAY)
    assert facts_of(rows, "partners_active") == {
        ("2025-autumn", None, "p-1", None): 1, ("2026-spring", None, "p-1", None): 1,
        ("2026-autumn", None, "p-1", None): 1, ("2026-autumn", None, "p-2", None): 1}
    assert facts_of(rows, "agreements_active") == {(None, None, "p-1", None): 1}


def test_an_agreement_never_active_makes_no_partner_active():
    rows = summaries.indicator_facts([agreement("terminated", [
        ("draft", "2026-01-05"), ("terminated", "2026-01-06")])], [], [], [], TODAY)
    assert rows == []


def test_seats_count_in_the_intake_term_per_partner_and_outside_any_quota():
    quotas = [{"programme_id": "prog-cnc", "partner_id": "p-1", "seats": 30, "consumed": 2}]
    rows = summaries.indicator_facts([], [PROGRAMME], quotas, [], TODAY)
    assert facts_of(rows, "seats_offered") == {
        ("2027-autumn", "prog-cnc", "p-1", "apprenticeship"): 30,
        ("2027-autumn", "prog-cnc", None, "apprenticeship"): 10}
    assert facts_of(rows, "seats_filled") == {
        ("2027-autumn", "prog-cnc", "p-1", "apprenticeship"): 2,
        ("2027-autumn", "prog-cnc", None, "apprenticeship"): 1}


def test_apprentices_are_current_students_with_a_contract_counted_for_the_employer():
    students = [a_student(), a_student(_id="s-2", status="suspended"),
                a_student(_id="s-3", apprentice_contract=None)]
    rows = summaries.indicator_facts([], [], [], students, TODAY)
    assert facts_of(rows, "apprentices") == {(None, "prog-cnc", "p-1", None): 2}


def test_each_student_counts_in_their_cohort_and_graduates_among_its_graduates():
    students = [a_student(), a_student(_id="s-2", status="graduated"),
                a_student(_id="s-3", status="withdrawn", apprentice_contract=None)]
    rows = summaries.indicator_facts([], [], [], students, TODAY)
    assert facts_of(rows, "cohort_students") == {
        ("2027-autumn", "prog-cnc", "p-1", "apprenticeship"): 3}
    assert facts_of(rows, "graduates") == {
        ("2027-autumn", "prog-cnc", "p-1", "apprenticeship"): 1}
    assert facts_of(rows, "apprentices") == {(None, "prog-cnc", "p-1", None): 1}


def test_a_graduate_counts_by_destination_and_as_a_hire_kept_after_12_months_with_the_sponsor():
    kept = a_student(status="graduated", destination={"outcome": "hired_by_sponsor"},
                     retention={"12": {"still_employed": True}})
    left = a_student(_id="s-2", status="graduated", destination={"outcome": "hired_by_sponsor"},
                     retention={"6": {"still_employed": True}, "12": {"still_employed": False}})
    elsewhere = a_student(_id="s-3", status="graduated",
                          destination={"outcome": "hired_by_other"},
                          retention={"12": {"still_employed": True}})
    studying = a_student(_id="s-4", status="graduated", destination={"outcome": "further_study"})
    rows = summaries.indicator_facts([], [], [], [kept, left, elsewhere, studying], TODAY)
    cohort = ("2027-autumn", "prog-cnc", "p-1", "apprenticeship")
    assert {metric: facts_of(rows, metric).get(cohort) for metric in (
        "graduates", "graduates_employed", "graduates_further_study", "sponsor_hires",
        "sponsor_hires_kept")} == {"graduates": 4, "graduates_employed": 3,
                                   "graduates_further_study": 1, "sponsor_hires": 2,
                                   "sponsor_hires_kept": 1}


def test_an_enterprise_part_counts_the_graduates_it_sponsored_hired_and_kept():
    partner = {"_id": "p-1", "legal_name": "深圳智造科技有限公司"}
    students = [
        {"_id": "s-1", "name": "a", "programme_id": "x", "status": "graduated",
         "partner_id": "p-1", "destination": {"outcome": "hired_by_sponsor"},
         "retention": {"12": {"still_employed": True}}},
        {"_id": "s-2", "name": "b", "programme_id": "x", "status": "graduated",
         "partner_id": "p-1", "destination": {"outcome": "hired_by_sponsor"}},
        {"_id": "s-3", "name": "c", "programme_id": "x", "status": "graduated",
         "partner_id": "p-1", "destination": {"outcome": "further_study"}},
        {"_id": "s-4", "name": "d", "programme_id": "x", "status": "active",
         "partner_id": "p-1"}]
    part = summaries.enterprise_part(partner, [], [], {}, students, [], {}, [
        {"ratings": {"数控编程": 4, "设备维护": 2}}])
    assert part["hires"] == {"graduates": 3, "hired": 2, "kept_12_months": 1,
                             "hires_kept_ratio": 0.3333}
    assert part["satisfaction"]["lowest"][0] == "设备维护"


def test_each_answered_survey_adds_its_ratings_per_competency_for_the_employer():
    rows = summaries.indicator_facts([], [], [], [], TODAY, [
        {"ratings": {"数控编程": 4, "设备维护": 2}, "programme_id": "prog-cnc",
         "enterprise_id": "p-9", "intake_year": 2027}])
    assert facts_of(rows, "survey_rating_sum") == {
        ("2027-autumn", "prog-cnc", "p-9", "数控编程"): 4,
        ("2027-autumn", "prog-cnc", "p-9", "设备维护"): 2}
    assert set(facts_of(rows, "survey_rating_count").values()) == {1}


# -- commitments ------------------------------------------------------------------------------

def a_clause(clause_id, status, party="enterprise", due_on="2027-06-30", done=0.2, elapsed=0.6):
    return {"id": clause_id, "party": party, "metric": "seats_filled", "target": 30.0,
            "due_on": due_on, "description": "订单班招生", "progress": 30 * done,
            "done": done, "elapsed": elapsed, "status": status}


def progress_of(agreement_id, clauses, partner_id="p-1"):
    return {"agreement_id": agreement_id, "partner_id": partner_id, "clauses": clauses,
            "fulfilment": fulfilment(clauses)}


def test_an_enterprise_part_shows_each_agreements_fulfilment_and_the_clauses_behind_first():
    partner = {"_id": "p-1", "legal_name": "华为"}
    found = [progress_of("a-2", [a_clause("seats", "at_risk", due_on="2027-03-31"),
                                 a_clause("hires", "met", done=1.0, elapsed=0.5),
                                 a_clause("teachers", "missed", party="college",
                                          due_on="2027-06-30", done=0.5, elapsed=1.0)]),
             progress_of("a-1", [a_clause("kit", "at_risk", due_on="2026-12-31")])]
    part = summaries.enterprise_part(partner, [], [], {}, [], [], {}, commitments=found)
    commitments = part["commitments"]
    assert commitments["agreements"][1] == {
        "agreement_id": "a-2", "fulfilment": {"enterprise": round(0.7 / 1.1, 4), "college": 0.5},
        "clauses_by_status": {"on_track": 0, "at_risk": 1, "met": 1, "missed": 1}}
    assert [(c["agreement_id"], c["clause_id"]) for c in commitments["clauses_behind"]] == [
        ("a-2", "teachers"), ("a-1", "kit"), ("a-2", "seats")]
    assert commitments["clauses_behind"][0] == {
        "agreement_id": "a-2", "clause_id": "teachers", "party": "college",
        "description": "订单班招生", "metric": "seats_filled", "target": 30.0,
        "progress": 15.0, "due_on": "2027-06-30", "status": "missed"}
    assert summaries.enterprise_part(partner, [], [], {}, [], [], {})["commitments"] == {
        "agreements": [], "clauses_behind": []}


def test_the_clauses_behind_are_capped_like_the_other_lists():
    many = progress_of("a-1", [a_clause("c%02d" % n, "at_risk") for n in range(25)])
    part = summaries.commitments_part([many])
    assert len(part["clauses_behind"]) == summaries.ENTERPRISE_LIST_ITEMS
    assert part["clauses_behind_truncated"] is True
    assert part["agreements"][0]["clauses_by_status"]["at_risk"] == 25


def test_each_clause_counts_by_status_and_toward_its_partys_fulfilment_in_its_due_term():
    found = progress_of("a-1", [a_clause("seats", "at_risk", due_on="2027-03-31"),
                                a_clause("teachers", "missed", party="college",
                                         due_on="2026-12-31", done=0.5, elapsed=1.0)])
    rows = summaries.indicator_facts([], [], [], [], TODAY, commitments=[found])
    assert {(r["metric"], r["term"], r["enterprise_id"], r["breakdown"]): r["value"]
            for r in rows} == {
        ("clauses", "2027-spring", "p-1", "at_risk"): 1,
        ("fulfilment_delivered", "2027-spring", "p-1", "enterprise"): 0.2,
        ("fulfilment_due", "2027-spring", "p-1", "enterprise"): 0.6,
        ("clauses", "2026-autumn", "p-1", "missed"): 1,
        ("fulfilment_delivered", "2026-autumn", "p-1", "college"): 0.5,
        ("fulfilment_due", "2026-autumn", "p-1", "college"): 1.0}
