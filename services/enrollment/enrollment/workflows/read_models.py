"""What the aggregated views read of enrollment (docs/views.md): read-only,
outside any transaction; the parts are shaped by ``enrollment.summaries``."""
from __future__ import annotations

from datetime import date
from typing import Any

from college_contracts.enrollment import PROGRAMME_KINDS
from college_platform.repository import group_by
from enrollment import costs, summaries
from enrollment.workflows import costs as cost_workflows
from enrollment.workflows import graduation
from enrollment.workflows.commitments import progress_of
from enrollment.workflows.common import Document, records


def student_summaries(uow: Any, ids: list[str]) -> dict[str, Document]:
    """{student_id: {"student", "apprenticeship", "personal"}}; {} for a
    student enrollment does not know."""
    store = records(uow)
    students = store.students_with_ids(ids)
    programmes = store.programmes_with_ids(list({s["programme_id"] for s in students}),
                                           {"code": 1, "name": 1, "kind": 1})
    applicants = store.applicants_with_ids(
        list({s["applicant_id"] for s in students}),
        {"resident_id": 1, "phone": 1, "address": 1, "passport": 1})
    agreements = store.tripartites_of_students([s["_id"] for s in students])
    checks = {check["student_id"]: check for check in graduation.checks_of_students(
        uow, students)}
    surveys = group_by(store.surveys_of_students([s["_id"] for s in students]), "student_id")
    answer: dict[str, Document] = {student_id: {} for student_id in ids}
    for student in students:
        answer[student["_id"]] = summaries.student_part(
            student, programmes.get(student["programme_id"]),
            applicants.get(student["applicant_id"]), agreements.get(student["_id"], []),
            checks[student["_id"]], surveys.get(student["_id"], []))
    return answer


IN_FORCE = ("active", "suspended")


def commitments_in_force(uow: Any, agreements: list[Document], today: date,
                         tolerance: float) -> list[Document]:
    """The progress of the clauses of each agreement in force that has clauses."""
    return [progress_of(uow, agreement, today, tolerance) for agreement in agreements
            if agreement["status"] in IN_FORCE and agreement.get("clauses")]


def enterprise_summaries(uow: Any, ids: list[str], today: date,
                         tolerance: float) -> dict[str, Document]:
    """{partner_id: {"partner", "agreements", "seats", "students",
    "apprentices", "contribution", "commitments", "costs_and_returns"}}; {} for an
    unknown partner. The costs and returns are this calendar year's."""
    store = records(uow)
    partners = store.partners_with_ids(ids)
    known = [p["_id"] for p in partners]
    agreements = group_by(store.of_partners("agreements", known,
                                            {"history": 0, "amendments": 0}), "partner_id")
    quotas = group_by(store.of_partners("quotas", known), "partner_id")
    programmes = store.programmes_with_ids(
        list({q["programme_id"] for held in quotas.values() for q in held}),
        {"code": 1, "name": 1, "kind": 1, "intake_year": 1})
    student_fields = {"name": 1, "programme_id": 1, "status": 1, "partner_id": 1,
                      "created_at": 1, "destination.outcome": 1,
                      "retention.12.still_employed": 1}
    students = store.of_partners("students", known, student_fields)
    contracts = store.of_partners("apprentice_contracts", known)
    answered = group_by(store.answered_surveys({"enterprise_id": {"$in": known}}),
                        "enterprise_id")
    sponsored = {s["_id"] for s in students}
    students += store.students_with_ids(  # apprentices employed by a partner that did not sponsor
        list({c["student_id"] for c in contracts} - sponsored), student_fields)
    students_by_partner = group_by(students, "partner_id")
    students_by_id = {s["_id"]: s for s in students}
    contracts_by_partner = group_by(contracts, "partner_id")
    answer: dict[str, Document] = {partner_id: {} for partner_id in ids}
    for partner in partners:
        pid = partner["_id"]
        answer[pid] = summaries.enterprise_part(
            partner, agreements.get(pid, []), quotas.get(pid, []), programmes,
            students_by_partner.get(pid, []), contracts_by_partner.get(pid, []),
            students_by_id, answered.get(pid, []),
            commitments_in_force(uow, agreements.get(pid, []), today, tolerance))
        answer[pid]["costs_and_returns"] = {
            key: value for key, value in cost_workflows.account(uow, pid, today.year).items()
            if key != "rules"}
    return answer


def indicator_facts(uow: Any, today: date, tolerance: float) -> list[Document]:
    """Enrollment's additive rows for the dashboard."""
    store = records(uow)
    agreements, programmes, quotas, students, answered = store.indicator_sources(
        list(PROGRAMME_KINDS))
    with_clauses = store.of_partners(
        "agreements", sorted({a["partner_id"] for a in agreements if a["status"] in IN_FORCE}),
        {"history": 0, "amendments": 0})
    facts: list[Document] = summaries.indicator_facts(
        agreements, programmes, quotas, students, today, answered,
        commitments_in_force(uow, with_clauses, today, tolerance))
    since, until = costs.year_bounds(today.year)
    facts += costs.indicator_rows(today.year, store.facts_between(since, until),
                                  store.agreements_with_declarations(), students,
                                  store.valuation_rate(today.year))
    return facts
