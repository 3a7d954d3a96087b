"""Reading the people of an imported file (the applicant import and the
provincial admission list alike): CSV rows checked one by one, so that good
rows are kept whatever the others hold. Plain code, no broker or database."""
import csv
import io

from college_platform.errors import InvalidInput
from college_platform.validation import load

APPLICANT_COLUMNS = ("name", "resident_id", "birth_date", "phone", "email", "address")


def rejected(row_number, errors):
    return {"row": row_number, "status": "rejected", "errors": errors}


def read_csv(text, max_rows, required=()):
    """The rows of CSV ``text`` as ``[(row_number, cells)]`` (row 1 is the
    header) and the report entries of the rows that cannot be read. A header
    without ``name``, ``resident_id`` or ``passport_number`` and the columns
    ``required`` is refused as a whole."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    try:
        headers = set(reader.fieldnames or ())
    except csv.Error as exc:
        raise InvalidInput("the CSV header is unreadable", errors={"csv": [
            "Unreadable header: %s." % exc]})
    if "name" not in headers or not headers & {"resident_id", "passport_number"} \
            or not headers >= set(required):
        raise InvalidInput("the CSV lacks required columns", errors={"csv": [
            "The header needs name and resident_id or passport_number columns%s." % (
                "".join(", %s" % column for column in required))]})
    rows, problems = [], []
    try:
        for row_number, row in enumerate(reader, start=2):
            if row_number - 1 > max_rows:
                problems.append(rejected(row_number, {"_row": [
                    "Only the first %d rows of a file are read; import the rest in another "
                    "file." % max_rows]}))
                break
            if None in row:
                problems.append(rejected(row_number, {"_row": [
                    "The row has more cells than the header."]}))
                continue
            rows.append((row_number, {key: (value or "").strip() for key, value in row.items()}))
    except csv.Error as exc:  # the rows before the unreadable one are kept
        problems.append(rejected(reader.line_num, {"_row": ["Unreadable CSV: %s." % exc]}))
    return rows, problems


def person_from_cells(cells, extra=()):
    """A CSV row's cells in the shape of the applicant schema (a passport is
    given by two columns); ``extra`` columns are passed on as they are."""
    candidate = {key: cells.get(key) for key in APPLICANT_COLUMNS + tuple(extra)}
    if cells.get("passport_number") or cells.get("passport_country"):
        candidate["passport"] = {"number": cells.get("passport_number", ""),
                                 "country": cells.get("passport_country", "")}
    return candidate


def validated(schema, row_number, candidate):
    """(fields, None) for a good row, (None, its rejection) for a bad one."""
    try:
        return load(schema, candidate), None
    except InvalidInput as exc:
        return None, rejected(row_number, exc.errors)


def tally(report):
    counts = {status: sum(1 for r in report if r["status"] == status)
              for status in ("imported", "duplicate", "rejected")}
    return {"rows": len(report), "imported": counts["imported"],
            "duplicates": counts["duplicate"], "rejected": counts["rejected"]}
