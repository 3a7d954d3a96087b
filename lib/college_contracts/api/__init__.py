"""The HTTP API's request and response schemas, one module per service.

The services validate their RPC input and shape their output with these; the
gateway declares them on its routes, and the OpenAPI document is generated
from them, so the published API cannot drift from what the code checks."""
from collections.abc import Callable
from typing import Any

from marshmallow import ValidationError, fields, validates_schema

SET_BY_THE_GATEWAY = ("Set by the gateway: the signed-in user; leave it out (another value "
                      "is refused).")


def decided_for_the_caller(field_type: Callable[..., fields.Field] = fields.String,
                           description: str = "", **kwargs: Any) -> fields.Field:
    """A field the gateway fills from the path or from the caller's role (an
    enterprise user acts for its own enterprise): optional in the API's
    description, which says who decides, yet needed by the service, which
    ``needs_decided(...)`` checks."""
    return field_type(load_default=None, metadata={"description": description}, **kwargs)


def needs_decided(*names: str) -> Callable[..., None]:
    """The schema check of ``decided_for_the_caller`` fields: the gateway gave
    them (or the caller named them, where its role decides nothing), else each
    is missing as a required field is."""
    @validates_schema(skip_on_field_errors=False, pass_original=True)
    def decided_fields_given(self: Any, data: dict[str, Any], original_data: Any,
                             **kwargs: Any) -> None:
        given = original_data if isinstance(original_data, dict) else {}
        missing = [name for name in names if given.get(name) is None]
        if missing:
            raise ValidationError({name: ["Missing data for required field."]
                                   for name in missing})
    return decided_fields_given
