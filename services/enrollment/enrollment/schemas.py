from marshmallow import Schema, ValidationError, fields, pre_load, validate, validates

from enrollment.domain import credit_code_problem, normalise_credit_code


class ContactSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    role = fields.String(load_default=None, validate=validate.Length(max=100))
    phone = fields.String(load_default=None, validate=validate.Regexp(r"^\+?[0-9 -]{5,20}$"))
    email = fields.Email(load_default=None)


class NewPartnerSchema(Schema):
    legal_name = fields.String(required=True, validate=validate.Length(min=2, max=200))
    credit_code = fields.String(required=True)
    industry = fields.String(required=True, validate=validate.Length(min=2, max=100))
    contacts = fields.List(fields.Nested(ContactSchema), load_default=list,
                           validate=validate.Length(max=20))

    @pre_load
    def normalise(self, data, **kwargs):
        if isinstance(data, dict) and isinstance(data.get("credit_code"), str):
            data = {**data, "credit_code": normalise_credit_code(data["credit_code"])}
        return data

    @validates("credit_code")
    def check_credit_code(self, value, **kwargs):
        problem = credit_code_problem(value)
        if problem:
            raise ValidationError("Not a valid unified social credit code: %s." % problem)


class PartnerSchema(Schema):
    id = fields.String(attribute="_id")
    legal_name = fields.String()
    credit_code = fields.String()
    industry = fields.String()
    contacts = fields.List(fields.Nested(ContactSchema))
    created_at = fields.DateTime()
