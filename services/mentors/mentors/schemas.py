from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from college_platform.validation import PageQuerySchema

MENTOR_KINDS = ("industry", "teacher")


class NewMentorSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    kind = fields.String(required=True, validate=validate.OneOf(MENTOR_KINDS))
    enterprise_id = fields.String(load_default=None)
    expertise = fields.List(fields.String(validate=validate.Length(min=1, max=100)),
                            load_default=list, validate=validate.Length(max=30))
    qualifications = fields.List(fields.String(validate=validate.Length(min=1, max=200)),
                                 load_default=list, validate=validate.Length(max=30))
    load_limit = fields.Integer(load_default=5, validate=validate.Range(min=1, max=50))

    @validates_schema
    def enterprise_matches_kind(self, data, **kwargs):
        if data["kind"] == "industry" and not data.get("enterprise_id"):
            raise ValidationError("An industry mentor comes from a partner enterprise.",
                                  "enterprise_id")
        if data["kind"] == "teacher" and data.get("enterprise_id"):
            raise ValidationError("A college teacher has no enterprise.", "enterprise_id")


class MentorSchema(Schema):
    id = fields.String(attribute="_id")
    name = fields.String()
    kind = fields.String()
    enterprise_id = fields.String(allow_none=True)
    expertise = fields.List(fields.String())
    qualifications = fields.List(fields.String())
    load_limit = fields.Integer()
    created_at = fields.DateTime()


class MentorQuerySchema(PageQuerySchema):
    enterprise_id = fields.String(load_default=None)

