// The API reference page: Swagger UI on the gateway's own OpenAPI document.
// validatorUrl null: Swagger UI would otherwise send the document to an outside validator.
window.addEventListener("load", function () {
  window.ui = SwaggerUIBundle({
    url: "openapi.json",
    dom_id: "#reference",
    deepLinking: true,
    validatorUrl: null,
    tryItOutEnabled: false,
  });
});
