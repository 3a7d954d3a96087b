"""JSON over HTTP: responses and RFC 9457 problem details."""
import json
from datetime import date, datetime

JSON = "application/json"
PROBLEM_JSON = "application/problem+json"


def _default(value):
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return str(value)


def dumps(payload):
    return json.dumps(payload, default=_default, ensure_ascii=False)


def json_response(status, payload, headers=None):
    return status, {"Content-Type": JSON, **(headers or {})}, dumps(payload)


def problem(status, title, detail=None, type_="about:blank", **extensions):
    body = {"type": type_, "title": title, "status": status}
    if detail:
        body["detail"] = detail
    body.update(extensions)
    return status, {"Content-Type": PROBLEM_JSON}, dumps(body)
