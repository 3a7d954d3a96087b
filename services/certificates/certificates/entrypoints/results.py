"""Results, one by one or imported from CSV; a pass issues the certificate."""
from certificates import domain, workflows
from certificates.schemas import ResultsImportReportSchema, ResultsImportSchema, ScoresSchema
from college_platform.errors import Conflict, InvalidInput, NotFound
from college_platform.rpc import rpc
from college_platform.validation import load

results_report_view = ResultsImportReportSchema()
ISSUED_CONCURRENTLY = "the certificate was issued concurrently"
# rows of a results import recorded in one transaction: a class's results in a few of them
RESULTS_PER_TRANSACTION = 250


class ResultsEntrypoints:

    @rpc
    def record_result(self, registration_id, payload):
        """Record a registered candidate's scores; a pass issues the certificate
        with its signed credential. Announces ``result_recorded`` and, on a
        pass, ``certificate_issued``.

        payload: {"theory": 78.5, "practical": 85}
        -> the registration, with "result" and "certificate_number"
        """
        scores = load(ScoresSchema(), payload)
        now = self.clock()
        self.store.transact(
            lambda uow: workflows.record_result(uow, registration_id, scores, now,
                                                self.issuer),
            on_duplicate=Conflict(ISSUED_CONCURRENTLY))
        return self.get_registration(registration_id)

    @rpc
    def import_results(self, session_id, payload):
        """Record many results from CSV (``candidate_id,theory,practical``), each
        row on its own; the report says what happened to every row. The rows
        are recorded ``RESULTS_PER_TRANSACTION`` at a time, each batch in one
        transaction of a few statements (``workflows.record_results``).

        payload: {"csv": "candidate_id,theory,practical\\nstu-1,78,85\\nstu-2,55,90\\n"}
        -> {"recorded": 2, "rejected": 0, "rows": [{"row": 2, "candidate_id": "stu-1",
            "status": "recorded", "passed": true, "certificate_number": "..."}, ...]}
        """
        text = load(ResultsImportSchema(), payload)["csv"]
        self.store.reading().records.exam_session(session_id)
        try:
            rows, report = domain.parse_results_csv(text)
        except ValueError as exc:
            raise InvalidInput("the CSV cannot be read", errors={"csv": [str(exc)]})
        for start in range(0, len(rows), RESULTS_PER_TRANSACTION):
            report.extend(self._import_rows(session_id,
                                            rows[start:start + RESULTS_PER_TRANSACTION]))
        report.sort(key=lambda item: item["row"])
        recorded = sum(1 for item in report if item["status"] == "recorded")
        return results_report_view.dump({"recorded": recorded,
                                         "rejected": len(report) - recorded, "rows": report})

    def _import_rows(self, session_id, rows):
        """Rows of an import in one transaction: a row refused is reported and
        the others are recorded. What refuses them all (a concurrent import
        recorded some of them first, and again on the transaction's retries)
        is reported on each, as when each row had its own transaction."""
        try:
            return self.store.transact(
                lambda uow: workflows.record_results(uow, session_id, rows, self.clock(),
                                                     self.issuer),
                on_duplicate=Conflict(ISSUED_CONCURRENTLY))
        except (Conflict, NotFound) as exc:
            return [{"row": row["row"], "candidate_id": row["candidate_id"],
                     "status": "rejected", "errors": {"_row": [exc.detail]}} for row in rows]
