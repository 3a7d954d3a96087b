"""The provincial admission list (录取名单)."""
from college_platform.errors import Conflict
from college_platform.rpc import rpc
from college_platform.validation import load
from enrollment import imports
from enrollment.schemas import MAX_ADMISSION_ROWS, AdmissionImportSchema, AdmissionRowSchema
from enrollment.workflows import admissions


class AdmissionListEntrypoints:

    @rpc
    def import_admissions(self, payload):
        """Enrol the students of the provincial admissions office's list (录取名单):
        they are admitted already, so each good row becomes, at once, an applicant
        (or the person already on file), an application ``enrolled`` with its
        admission number, a student with a student number and a consumed seat, and
        announces ``student_enrolled``. Order-class and joint-major programmes
        only (an apprentice needs a tripartite agreement and a contract). The
        whole list is one transaction; rows are reported one by one: a row whose
        admission number the programme already has is a duplicate, bad rows and
        rows beyond the seats left are rejected with the reason.

        payload: {"programme_id": "<id>", "partner_id": "<id>", "filename": "录取名单.csv",
                  "rows": [{"name": "李明", "resident_id": "1101...", "phone": "138...",
                            "admission_number": "2027330100123"}]}
                 or {"programme_id": "<id>", "csv": "name,resident_id,admission_number\n..."}
        -> {"filename", "programme_id", "partner_id", "rows", "imported", "duplicates",
            "rejected", "report": [{"row": 1, "status": "imported", "student_id": "<id>",
            "student_number": "2027-OC-EV-0001", ...}, {"row": 2, "status": "rejected",
            "errors": {...}}]}
        """
        fields = load(AdmissionImportSchema(), payload)
        programme, partner_id = self.store.read(lambda uow: admissions.admission_programme(
            uow, fields["programme_id"], fields["partner_id"]))
        if fields["rows"] is not None:
            entries, report = list(enumerate(fields["rows"], start=1)), []
        else:
            cells, report = imports.read_csv(fields["csv"], MAX_ADMISSION_ROWS,
                                             required=("admission_number",))
            entries = [(number, imports.person_from_cells(row, extra=("admission_number",)))
                       for number, row in cells]
        admitted = []
        for number, candidate in entries:
            row, rejection = imports.validated(AdmissionRowSchema(), number, candidate)
            if rejection:
                report.append(rejection)
            else:
                admitted.append((number, row))
        today = self.clock.today()
        report += self.store.transact(
            lambda uow: admissions.admit(uow, programme, partner_id, admitted, today),
            on_duplicate=Conflict("the same list is being imported by another request; "
                                  "try again"))
        report.sort(key=lambda entry: entry["row"])
        return {"filename": fields["filename"], "programme_id": programme["_id"],
                "partner_id": partner_id, **imports.tally(report), "report": report}
