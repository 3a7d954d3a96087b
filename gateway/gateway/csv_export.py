"""Lists as CSV for spreadsheets: ``Accept: text/csv`` or ``?format=csv`` on
any list route. The route's handler is asked for every page in turn, with the
caller's filters, scoping and sort, and the rows are streamed as they come.

The file opens correctly in Excel (UTF-8 with a byte order mark, so Chinese
names are not mangled), nested values are flattened into ``a.b`` columns, and
a cell that a spreadsheet would run as a formula is defused with a quote.
"""
import csv
import io
import json
import logging
import re
from datetime import datetime, timezone
from urllib.parse import urlencode

from werkzeug.wrappers import Response

from college_platform.errors import InvalidInput
from college_platform.validation import MAX_PAGE_SIZE

log = logging.getLogger(__name__)

CSV = "text/csv; charset=utf-8"
MAX_ROWS = 50_000
BOM = "\ufeff"
# a spreadsheet evaluates a cell starting with one of these as a formula (OWASP's
# CSV injection list, and the full-width forms ＝＋－＠ that spreadsheets in Chinese
# and Japanese locales take for = + - @)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")
LIST_SEPARATOR = "; "
# HTTP headers are Latin-1: a path part in another script (an id the caller
# typed) would make the header unsendable and the connection drop unanswered
UNSAFE_IN_FILE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


def wanted(request):
    """Whether the caller asks for CSV; an unknown ``format`` is a 400."""
    requested = request.args.get("format")
    if requested is not None:
        if requested not in ("csv", "json"):
            raise InvalidInput("unknown format", errors={
                "format": ["Must be one of: csv, json."]})
        return requested == "csv"
    return request.accept_mimetypes.best_match(["application/json", "text/csv"]) == "text/csv"


def flatten(item, prefix=""):
    """``{"a": {"b": 1}, "tags": ["x", "y"]}`` -> ``{"a.b": 1, "tags": "x; y"}``;
    a list of objects stays JSON in one cell rather than exploding the columns."""
    row = {}
    for key, value in item.items():
        name = prefix + str(key)
        if isinstance(value, dict):
            row.update(flatten(value, name + "."))
        elif isinstance(value, list):
            if all(not isinstance(element, (dict, list)) for element in value):
                row[name] = LIST_SEPARATOR.join(cell_text(element) for element in value)
            else:
                row[name] = json.dumps(value, ensure_ascii=False, default=str)
        else:
            row[name] = value
    return row


def cell_text(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def safe_cell(value):
    """The text of a cell; text a spreadsheet would take for a formula gets a
    leading quote. Numbers stay numbers (a negative one is no formula)."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    text = cell_text(value)
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def csv_lines(columns, rows, header=False):
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    if header:
        writer.writerow([safe_cell(column) for column in columns])
    for row in rows:  # a key the first page did not have is left out
        writer.writerow([safe_cell(row.get(column)) for column in columns])
    return buffer.getvalue()


def columns_for(rows):
    """Every key of the first page's rows, in the order they first appear."""
    columns = {}
    for row in rows:
        columns.update(dict.fromkeys(row))
    return list(columns)


def page_request(request, offset, limit):
    """The same request for another page: the same filters, path and caller."""
    args = [(key, value) for key, value in request.args.items(multi=True)
            if key not in ("offset", "limit", "format")]
    args += [("offset", str(offset)), ("limit", str(limit))]
    environ = dict(request.environ, QUERY_STRING=urlencode(args))
    copy = request.__class__(environ)
    for attribute in ("path_values", "principal", "json_body", "shallow"):
        setattr(copy, attribute, getattr(request, attribute, None))
    return copy


def export(request, fetch_page, max_rows=MAX_ROWS):
    """Every row of the list (up to ``max_rows``) as a CSV response.

    ``fetch_page(request)`` answers one page as the JSON route would. The
    first page is fetched before answering, so a bad filter or a missing
    permission is still a problem response; later pages are streamed."""
    first = fetch_page(page_request(request, 0, MAX_PAGE_SIZE))
    if first.status_code != 200:
        return first
    page = json.loads(first.get_data(as_text=True))
    total = page["total"]
    rows = [flatten(item) for item in page["items"]]
    columns = columns_for(rows)

    def lines():
        yield (BOM + csv_lines(columns, rows[:max_rows], header=True)).encode("utf-8")
        offset, sent = len(page["items"]), min(len(rows), max_rows)
        while sent < max_rows and offset < total:
            response = fetch_page(page_request(request, offset, MAX_PAGE_SIZE))
            if response.status_code != 200:  # the headers are gone: end the file here
                log.error("CSV export of %s stopped at row %d: %s", request.path, sent,
                          response.get_data(as_text=True))
                return
            items = json.loads(response.get_data(as_text=True))["items"]
            if not items:
                return
            batch = [flatten(item) for item in items][:max_rows - sent]
            yield csv_lines(columns, batch).encode("utf-8")
            offset += len(items)
            sent += len(batch)

    name = UNSAFE_IN_FILE_NAME.sub("_", request.path.strip("/").replace("/", "-")) or "export"
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    headers = {
        "Content-Disposition": 'attachment; filename="%s-%s.csv"' % (name, stamp),
        "X-Total-Count": str(total),
        "Cache-Control": "no-store",  # rows of personal data: no browser or proxy keeps them
    }
    if total > max_rows:
        headers["X-Export-Truncated"] = "%d of %d rows" % (max_rows, total)
    return Response(lines(), status=200, headers=headers, content_type=CSV,
                    direct_passthrough=True)
