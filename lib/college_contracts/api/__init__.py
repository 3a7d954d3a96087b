"""The HTTP API's request and response schemas, one module per service.

The services validate their RPC input and shape their output with these; the
gateway declares them on its routes, and the OpenAPI document is generated
from them, so the published API cannot drift from what the code checks."""
from marshmallow import ValidationError, fields, validates_schema

SET_BY_THE_GATEWAY = ("Set by the gateway: the signed-in user; leave it out (another value "
                      "is refused).")


def decided_for_the_caller(field_type=fields.String, description="", **kwargs):
    """A field the gateway fills from the path or from the caller's role (an
    enterprise user acts for its own enterprise): optional in the API's
    description, which says who decides, yet needed by the service, which
    ``needs_decided(...)`` checks."""
    return field_type(load_default=None, metadata={"description": description}, **kwargs)


def needs_decided(*names):
    """The schema check of ``decided_for_the_caller`` fields: the gateway gave
    them (or the caller named them, where its role decides nothing), else each
    is missing as a required field is."""
    @validates_schema(skip_on_field_errors=False, pass_original=True)
    def decided_fields_given(self, data, original_data, **kwargs):
        given = original_data if isinstance(original_data, dict) else {}
        missing = [name for name in names if given.get(name) is None]
        if missing:
            raise ValidationError({name: ["Missing data for required field."]
                                   for name in missing})
    return decided_fields_given
