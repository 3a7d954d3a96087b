from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from gateway.auth import ENTERPRISE_USER, ROLES, STUDENT, TEACHER


class LoginSchema(Schema):
    username = fields.String(required=True, validate=validate.Length(min=1, max=100))
    password = fields.String(required=True, validate=validate.Length(min=1, max=200))


class NewUserSchema(Schema):
    username = fields.String(required=True, validate=validate.Regexp(
        r"^[a-zA-Z0-9_.@-]{3,64}$", error="Use 3 to 64 letters, digits or _ . @ -."))
    password = fields.String(required=True, validate=validate.Length(min=12, max=200))
    role = fields.String(required=True, validate=validate.OneOf(ROLES))
    name = fields.String(load_default=None, validate=validate.Length(max=100))
    enterprise_id = fields.String(load_default=None, validate=validate.Length(min=1, max=64))
    student_id = fields.String(load_default=None, validate=validate.Length(min=1, max=64))
    mentor_id = fields.String(load_default=None, validate=validate.Length(min=1, max=64))

    @validates_schema
    def enterprise_scope(self, data, **kwargs):
        if data["role"] == ENTERPRISE_USER and not data.get("enterprise_id"):
            raise ValidationError("An enterprise user belongs to one enterprise.", "enterprise_id")
        if data["role"] != ENTERPRISE_USER and data.get("enterprise_id"):
            raise ValidationError("Only enterprise users belong to an enterprise.",
                                  "enterprise_id")
        if data["role"] == STUDENT and not data.get("student_id"):
            raise ValidationError("A student account is linked to its student.", "student_id")
        if data["role"] != STUDENT and data.get("student_id"):
            raise ValidationError("Only student accounts are linked to a student.",
                                  "student_id")
        if data.get("mentor_id") and data["role"] not in (TEACHER, ENTERPRISE_USER):
            raise ValidationError("Only teachers and enterprise mentors link to a mentor.",
                                  "mentor_id")


class UserSchema(Schema):
    username = fields.String(attribute="_id")
    role = fields.String()
    name = fields.String(allow_none=True)
    enterprise_id = fields.String(allow_none=True)
    student_id = fields.String(allow_none=True)
    mentor_id = fields.String(allow_none=True)
    created_at = fields.DateTime()


class TokenSchema(Schema):
    access_token = fields.String(required=True, metadata={"description": "A JWT for the "
                                                          "Authorization: Bearer header."})
    token_type = fields.String(required=True, metadata={"example": "Bearer"})
    expires_in = fields.Integer(required=True, metadata={"description": "seconds"})


class PrincipalSchema(Schema):
    username = fields.String(required=True)
    role = fields.String(required=True, validate=validate.OneOf(ROLES))
    enterprise_id = fields.String(allow_none=True)
    name = fields.String(allow_none=True)
    student_id = fields.String(allow_none=True)
    mentor_id = fields.String(allow_none=True)
