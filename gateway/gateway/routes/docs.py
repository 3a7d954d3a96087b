"""The API's own description: the OpenAPI document and a reference page.

The page is Swagger UI, installed under gateway/web/vendor by ``make install``
and served from here: it loads nothing from another host, so it works on a
college network without internet access."""
from pathlib import Path

from college_platform.errors import NotFound
from college_platform.http import json_response
from gateway.api import ServiceUnavailable, route
from gateway.openapi import openapi_document
from gateway.schemas import OpenApiDocumentSchema

WEB = Path(__file__).resolve().parent.parent.parent / "web"
SWAGGER_UI = WEB / "vendor" / "node_modules" / "swagger-ui-dist"
# the only files the page needs; nothing else under web/ is served
ASSETS = {
    "swagger-ui.css": (SWAGGER_UI / "swagger-ui.css", "text/css; charset=utf-8"),
    "swagger-ui-bundle.js": (SWAGGER_UI / "swagger-ui-bundle.js",
                             "text/javascript; charset=utf-8"),
    "reference.js": (WEB / "reference.js", "text/javascript; charset=utf-8"),
}
# Swagger UI styles some elements inline and shows images as data: URLs
CONTENT_SECURITY_POLICY = ("default-src 'self'; style-src 'self' 'unsafe-inline'; "
                           "img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; "
                           "form-action 'self'; object-src 'none'")


class DocsRoutes:

    @route("GET", "/v1/openapi.json", public=True, personal_data=False,
           summary="This API's OpenAPI 3.1 document", response=OpenApiDocumentSchema)
    def openapi(self, request):
        return json_response(200, openapi_document(type(self)))

    @route("GET", "/v1/docs", public=True, summary="The interactive API reference (HTML)",
           media_types=("text/html; charset=utf-8",))
    def api_reference(self, request):
        return 200, {"Content-Type": "text/html; charset=utf-8",
                     "Content-Security-Policy": CONTENT_SECURITY_POLICY}, \
            (WEB / "docs.html").read_text(encoding="utf-8")

    @route("GET", "/v1/docs/<asset>", public=True, summary="A file of the API reference page",
           media_types=sorted({content_type for _, content_type in ASSETS.values()}))
    def api_reference_asset(self, request, asset):
        if asset not in ASSETS:
            raise NotFound("the API reference has no file %s" % asset)
        path, content_type = ASSETS[asset]
        if not path.exists():
            raise ServiceUnavailable("the API reference's assets are not installed "
                                     "(make install)")
        return 200, {"Content-Type": content_type, "Cache-Control": "public, max-age=3600"}, \
            path.read_text(encoding="utf-8")
