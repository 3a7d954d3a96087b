"""Every answer a running gateway gives a test is checked against the API's
reference: a 2xx must be a status the operation documents, in a media type it
documents, and a JSON body must match the response schema the route declares
(``response=`` in ``route_table(GatewayService)``, published in the OpenAPI
document). So each end-to-end test checks the shape of every answer it gets,
not only the fields it asserts on, and a route that drifts from its reference
fails the first test that calls it.

``System`` watches its gateways (``watch``); the check wraps ``requests``'
``Session.send``, which every ``requests.get/post/request`` goes through.
Answers of other servers (the services' own health, RabbitMQ) are not checked."""
import json
import threading
from functools import lru_cache
from urllib.parse import urlsplit

import requests
from jsonschema import Draft202012Validator, FormatChecker
from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map, Rule

_watched = set()  # "127.0.0.1:<port>" of the gateways under test
_lock = threading.Lock()
_original_send = requests.Session.send


class AnswerBreaksItsReference(AssertionError):
    """A gateway answer that its OpenAPI reference does not describe."""


def watch(base_url):
    """Check every answer from the gateway at ``base_url`` from now on."""
    with _lock:
        _watched.add(urlsplit(base_url).netloc)
        if requests.Session.send is _original_send:
            requests.Session.send = _checked_send


def forget(base_url):
    with _lock:
        _watched.discard(urlsplit(base_url).netloc)


def _checked_send(session, request, **kwargs):
    response = _original_send(session, request, **kwargs)
    if not kwargs.get("stream") and urlsplit(request.url).netloc in _watched:
        check_answer(request.method, urlsplit(request.url).path, response.status_code,
                     response.headers.get("Content-Type", ""), response.content)
    return response


@lru_cache(maxsize=1)
def _reference():
    """The route map (path -> route) and the OpenAPI document the gateway publishes,
    both built from ``route_table(GatewayService)``."""
    from gateway.api import route_table
    from gateway.openapi import openapi_document, openapi_path
    from gateway.service import GatewayService

    rules = [Rule(route["url"], methods=route["method"].split(","),
                  endpoint=openapi_path(route["url"]))
             for route in route_table(GatewayService)]
    return Map(rules, strict_slashes=False).bind("gateway"), \
        openapi_document(GatewayService)


@lru_cache(maxsize=None)
def _validator(template, method, status, media_type):
    """The validator of one documented JSON answer; its references resolve
    within the document's components."""
    _, document = _reference()
    content = document["paths"][template][method.lower()]["responses"][str(status)]["content"]
    schema = next(value["schema"] for name, value in content.items()
                  if name.split(";")[0].strip() == media_type)
    return Draft202012Validator({**schema, "components": document["components"]},
                                format_checker=FormatChecker())


def documented_answer(method, path, status):
    """(the operation's path template, its documented answer for ``status``),
    or None for a path no route serves (the check leaves those alone)."""
    routes, document = _reference()
    try:
        template, _ = routes.match(path, method=method)
    except HTTPException:
        return None
    operation = document["paths"][template][method.lower()]
    return template, operation["responses"].get(str(status))


def check_answer(method, path, status, content_type, body):
    """Raise ``AnswerBreaksItsReference`` unless a success answer is one the
    operation documents: its status, its media type and, for JSON, its schema."""
    if not 200 <= status < 300:
        return
    method = "GET" if method == "HEAD" else method
    found = documented_answer(method, path, status)
    if found is None:
        return
    template, answer = found
    where = "%s %s (%s) answered %d" % (method, path, template, status)
    if answer is None:
        raise AnswerBreaksItsReference("%s, a status its reference does not document" % where)
    content = answer.get("content")
    if not content:  # documented without a body (204)
        if body:
            raise AnswerBreaksItsReference("%s with a body; its reference documents none"
                                           % where)
        return
    media_type = content_type.split(";")[0].strip()
    documented = {name.split(";")[0].strip(): value for name, value in content.items()}
    if media_type not in documented:
        raise AnswerBreaksItsReference("%s as %r; its reference documents %s"
                                       % (where, media_type, sorted(documented)))
    if not is_json(media_type):
        return
    validator = _validator(template, method, status, media_type)
    error = next(iter(sorted(validator.iter_errors(json.loads(body)),
                             key=lambda e: list(e.absolute_path))), None)
    if error is not None:
        raise AnswerBreaksItsReference("%s with a body that breaks its declared schema at %s: "
                                       "%s" % (where, "/".join(map(str, error.absolute_path))
                                               or "(top)", error.message[:500]))


def is_json(media_type):
    from gateway.openapi import is_json as documented_as_json
    return documented_as_json(media_type)
