from marshmallow import Schema, fields, pre_load, validate

LEVELS = ("junior", "intermediate", "senior")


class AlignmentSchema(Schema):
    programmes = fields.List(fields.String(validate=validate.Length(min=1, max=100)),
                             load_default=list, validate=validate.Length(max=100))
    courses = fields.List(fields.String(validate=validate.Length(min=1, max=100)),
                          load_default=list, validate=validate.Length(max=100))
    competitions = fields.List(fields.String(validate=validate.Length(min=1, max=200)),
                               load_default=list, validate=validate.Length(max=100))


class NewCertificateSchema(Schema):
    code = fields.String(required=True, validate=validate.Regexp(
        r"^[A-Z0-9][A-Z0-9-]{1,39}$", error="Use 2 to 40 capital letters, digits or hyphens."))
    title = fields.String(required=True, validate=validate.Length(min=2, max=200))
    organisation = fields.String(required=True, validate=validate.Length(min=2, max=200))
    levels = fields.List(fields.String(validate=validate.OneOf(LEVELS)), required=True,
                         validate=validate.Length(min=1, max=3))
    alignment = fields.Nested(AlignmentSchema, load_default=lambda: AlignmentSchema().load({}))

    @pre_load
    def normalise(self, data, **kwargs):
        if isinstance(data, dict) and isinstance(data.get("code"), str):
            data = {**data, "code": data["code"].strip().upper()}
        return data


class CertificateSchema(Schema):
    id = fields.String(attribute="_id")
    code = fields.String()
    title = fields.String()
    organisation = fields.String()
    levels = fields.List(fields.String())
    alignment = fields.Nested(AlignmentSchema)
    created_at = fields.DateTime()
