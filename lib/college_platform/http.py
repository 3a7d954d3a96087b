"""JSON over HTTP. (Problem details are the gateway's: gateway/gateway/api.py.)"""
import json
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

JSON = "application/json"
PROBLEM_JSON = "application/problem+json"


def _default(value: object) -> str:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return str(value)


def dumps(payload: Any) -> str:
    return json.dumps(payload, default=_default, ensure_ascii=False)


def json_response(status: int, payload: Any,
                  headers: Mapping[str, str] | None = None) -> tuple[int, dict[str, str], str]:
    return status, {"Content-Type": JSON, **(headers or {})}, dumps(payload)

