"""Lists as CSV: every page with the same filters, safe to open in Excel."""
import csv
import io
import json
from urllib.parse import parse_qs

import pytest
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request, Response

from college_platform.errors import InvalidInput
from gateway import csv_export


def request_for(path="/v1/students", query=None, headers=None):
    request = Request(EnvironBuilder(path=path, query_string=query, headers=headers)
                      .get_environ())
    request.principal, request.json_body, request.path_values = "someone", None, {}
    return request


def fake_list(items, seen=None):
    """A list route over ``items`` that pages like the services do."""
    def fetch(request):
        args = parse_qs(request.query_string.decode())
        if seen is not None:
            seen.append(args)
        offset, limit = int(args["offset"][0]), int(args["limit"][0])
        body = {"items": items[offset:offset + limit], "total": len(items),
                "offset": offset, "limit": limit}
        return Response(json.dumps(body), status=200, content_type="application/json")
    return fetch


def rows_of(response):
    raw = b"".join(response.response)
    assert raw.startswith("\ufeff".encode("utf-8"))  # Excel reads UTF-8 only with the BOM
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))


@pytest.mark.parametrize("query, headers, wanted", [
    ("format=csv", None, True),
    ("format=json", {"Accept": "text/csv"}, False),
    (None, {"Accept": "text/csv"}, True),
    (None, {"Accept": "*/*"}, False),
    (None, None, False),
])
def test_csv_is_asked_for_by_format_or_accept(query, headers, wanted):
    assert csv_export.wanted(request_for(query=query, headers=headers)) is wanted


def test_an_unknown_format_is_a_field_error():
    with pytest.raises(InvalidInput) as raised:
        csv_export.wanted(request_for(query="format=xlsx"))
    assert "format" in raised.value.errors


def test_every_page_is_exported_with_the_callers_filters():
    items = [{"id": "s%03d" % n, "name": "学生%d" % n} for n in range(450)]
    seen = []
    response = csv_export.export(request_for(query="status=active&limit=5&offset=40&format=csv"),
                                 fake_list(items, seen))
    rows = rows_of(response)
    assert rows[0] == ["id", "name"]
    assert rows[1:] == [[item["id"], item["name"]] for item in items]
    assert response.headers["X-Total-Count"] == "450"
    assert all(args["status"] == ["active"] and "format" not in args for args in seen)
    assert [args["offset"][0] for args in seen] == ["0", "200", "400"]


def test_the_export_stops_at_the_cap_and_says_so():
    items = [{"id": str(n)} for n in range(450)]
    response = csv_export.export(request_for(), fake_list(items), max_rows=250)
    assert len(rows_of(response)) == 1 + 250
    assert response.headers["X-Export-Truncated"] == "250 of 450 rows"


def test_nested_values_are_flattened():
    item = {"id": "p1", "programme": {"code": "CNC", "name": "数控"}, "tags": ["a", "b"],
            "history": [{"status": "active"}], "grade": None, "late": True}
    rows = rows_of(csv_export.export(request_for(), fake_list([item])))
    assert dict(zip(*rows)) == {"id": "p1", "programme.code": "CNC", "programme.name": "数控",
                                "tags": "a; b", "history": '[{"status": "active"}]',
                                "grade": "", "late": "true"}


@pytest.mark.parametrize("text", ["=HYPERLINK(\"http://evil\")", "+1+1", "-2+3", "@SUM(A1)",
                                  "\t=1"])
def test_cells_a_spreadsheet_would_evaluate_are_defused(text):
    rows = rows_of(csv_export.export(request_for(), fake_list([{"name": text, "score": -5}])))
    assert rows[1] == ["'" + text, "-5"]


def test_a_refused_first_page_is_answered_as_it_is():
    def forbidden(request):
        return Response("{}", status=403, content_type="application/problem+json")
    assert csv_export.export(request_for(), forbidden).status_code == 403


def test_the_file_name_can_be_sent_whatever_the_path_holds():
    response = csv_export.export(request_for("/v1/enterprises/企业%C2%BB/contribution"),
                                 fake_list([{"term": "2027-spring"}]))
    disposition = response.headers["Content-Disposition"]
    disposition.encode("latin-1")  # an HTTP header the server can send
    assert disposition.startswith('attachment; filename="v1-enterprises-_-contribution-')


# OWASP CSV injection: = + - @ and their full-width forms (which spreadsheets in
# Chinese and Japanese locales read as formulas too), tab and carriage return
@pytest.mark.parametrize("text", ["＝HYPERLINK(\"http://evil\")", "＋1+1", "－2+3",
                                  "＠SUM(A1)", "\r=1", "\t＝1"])
def test_full_width_formula_starts_tab_and_return_are_defused(text):
    rows = rows_of(csv_export.export(request_for(), fake_list([{"name": text}])))
    assert rows[1] == ["'" + text]


def test_an_export_is_never_kept_in_a_cache():
    response = csv_export.export(request_for(), fake_list([{"name": "李明"}]))
    assert response.headers["Cache-Control"] == "no-store"
