"""The staff web console: static files under gateway/web, served by the
gateway itself so the console works on a machine with no internet and every
request it makes goes to this one host. The console calls the JSON API
under /v1 with the token it gets from POST /v1/auth/token."""
import hashlib
from pathlib import Path

from werkzeug.wrappers import Response

from college_platform.errors import NotFound
from gateway.api import route

WEB_ROOT = Path(__file__).resolve().parents[2] / "web"

CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".ico": "image/x-icon",
}


# the console's own files; the rest of web/ (the API reference and its
# vendored packages) is not the console's to serve
CONSOLE_PARTS = ("js", "css", "i18n", "favicon.svg")


def console_file(relative, parts=CONSOLE_PARTS):
    """The console's file at ``relative`` under the web root, or NotFound: no
    path leaves the console's own folders and only known kinds of file are
    served."""
    root = WEB_ROOT.resolve()
    target = (root / relative).resolve()
    if root not in target.parents or target.relative_to(root).parts[0] not in parts \
            or not target.is_file() or target.suffix not in CONTENT_TYPES:
        raise NotFound("no console file %s" % relative)
    return target


def file_response(request, target, cache_control):
    body = target.read_bytes()
    etag = '"%s"' % hashlib.sha256(body).hexdigest()[:32]
    # the Content-Security-Policy that keeps the console to this origin (no
    # inline script, no other host) is added to every response by the gateway
    headers = {"Cache-Control": cache_control, "ETag": etag}
    if etag in request.headers.get("If-None-Match", ""):
        return Response(status=304, headers=headers)
    return Response(body, status=200, headers=headers,
                    content_type=CONTENT_TYPES[target.suffix])


class ConsoleRoutes:

    @route("GET", "/", public=True, summary="The web console",
           media_types=(CONTENT_TYPES[".html"],))
    def console_index(self, request):
        # revalidated on every visit so a new release is picked up at once
        return file_response(request, console_file("index.html", parts=("index.html",)),
                             "no-cache")

    @route("GET", "/console/<path:path>", public=True,
           summary="The web console's scripts, styles and message catalogues",
           media_types=sorted(set(CONTENT_TYPES.values())))
    def console_asset(self, request, path):
        # cached briefly, then revalidated with the ETag: no build step
        # fingerprints the file names
        return file_response(request, console_file(path), "public, max-age=300, must-revalidate")
