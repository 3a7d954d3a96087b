"""JSON over HTTP. (Problem details are the gateway's: gateway/gateway/api.py.)"""
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

