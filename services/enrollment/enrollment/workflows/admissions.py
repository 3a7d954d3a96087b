"""The provincial admission list (录取名单): admitted students enrolled at
once, each row on its own report entry."""
from __future__ import annotations

from datetime import date
from typing import Any

from college_platform.envelope import utcnow
from college_platform.repository import new_id
from enrollment import domain, imports
from enrollment.workflows.common import Document, records
from enrollment.workflows.enrolment import announce_enrolments, new_student


def admission_programme(uow: Any, programme_id: str, partner_id: str | None
                        ) -> tuple[Document, str | None]:
    """The programme a list enrols into (order class or joint major) and the
    partner its seats come from."""
    programme = domain.check_known_programme(records(uow).find_programme(programme_id),
                                             programme_id)
    domain.check_admission_list_kind(programme)
    return programme, domain.partner_for(programme, partner_id)


def admit(uow: Any, programme: Document, partner_id: str | None,
          admitted: list[tuple[int, Document]], today: date) -> list[Document]:
    """The report entries of the validated rows ``[(row_number, fields)]``: a
    row whose admission number the programme has is a duplicate; a second row
    of the same number or person, a person with another application for the
    programme, or a row beyond the seats left is rejected; the others become
    applicant, application ``enrolled``, student and consumed seat, announced
    ``student_enrolled``."""
    report: list[Document] = []
    store = records(uow)
    known = store.admitted_with_numbers(programme["_id"],
                                        [row["admission_number"] for _, row in admitted])
    numbers = store.student_numbers([a.get("student_id") for a in known.values()])
    fresh: list[tuple[int, Document, str]] = []
    first_row_of: dict[str, int] = {}
    for number, row in admitted:
        earlier = known.get(row["admission_number"])
        if earlier:
            report.append({"row": number, "status": "duplicate",
                           "admission_number": row["admission_number"],
                           "applicant_id": earlier["applicant_id"],
                           "application_id": earlier["_id"],
                           "student_id": earlier.get("student_id"),
                           "student_number": numbers.get(earlier.get("student_id"))})
            continue
        key = domain.identity_key(row)
        clash = first_row_of.get(row["admission_number"]) or first_row_of.get(key)
        if clash:
            report.append(imports.rejected(number, {"_row": [domain.admission_clash_problem(
                clash, bool(first_row_of.get(row["admission_number"])))]}))
            continue
        first_row_of[row["admission_number"]] = first_row_of[key] = number
        fresh.append((number, row, key))
    people = {a["identity_key"]: a for a in store.applicants_with_identities(
        [key for _, _, key in fresh])}
    current = store.applications_holding(programme["_id"], [p["_id"] for p in people.values()],
                                         domain.HOLDING_A_PLACE)
    seats = store.seats_left(programme["_id"], partner_id)
    now = utcnow()
    new_people: list[Document] = []
    accepted: list[tuple[int, Document, Document]] = []
    for number, row, key in fresh:
        person = people.get(key)
        if person and person["_id"] in current:
            report.append(imports.rejected(number, {"_row": [domain.admission_holding_problem(
                current[person["_id"]]["status"], programme["code"])]}))
            continue
        if len(accepted) >= seats:
            report.append(imports.rejected(number, {"_row": [
                domain.no_seat_problem(programme["code"], partner_id)]}))
            continue
        if person is None:
            person = {"_id": new_id(), **{k: v for k, v in row.items()
                                          if k != "admission_number"},
                      "identity_key": key, "created_at": now}
            people[key] = person
            new_people.append(person)
        accepted.append((number, row, person))
    if not accepted:
        return report
    if new_people:
        store.add_applicants(new_people)
    sequences = store.student_sequences(programme, len(accepted))
    applications, students = [], []
    for (number, row, person), sequence in zip(accepted, sequences):
        application = {
            "_id": new_id(), "applicant_id": person["_id"],
            "applicant_name": person["name"], "programme_id": programme["_id"],
            "programme_code": programme["code"], "partner_id": partner_id,
            "statement": None, "status": "enrolled",
            "admission_number": row["admission_number"], "offer_approvals": {},
            "history": [{"status": "enrolled", "reason": "provincial admission list",
                         "at": now}], "created_at": now}
        minor = domain.is_minor(date.fromisoformat(person["birth_date"]), today)
        student = new_student(programme, application, person, sequence, minor, today,
                              action="admission_list")
        application["student_id"] = student["_id"]
        applications.append(application)
        students.append(student)
        report.append({"row": number, "status": "imported",
                       "admission_number": row["admission_number"],
                       "applicant_id": person["_id"], "application_id": application["_id"],
                       "student_id": student["_id"],
                       "student_number": student["student_number"]})
        uow.count("applications", "Applications that reached each state.", state="enrolled")
    store.add_applications(applications)
    store.add_students(students)
    store.consume_admitted_seats(programme["_id"], partner_id,
                                 [(s["application_id"], s["_id"]) for s in students])
    announce_enrolments(uow, students)
    return report
