from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from college_platform.validation import PageQuerySchema


class NewProjectSchema(Schema):
    title = fields.String(required=True, validate=validate.Length(min=2, max=200))
    enterprise_id = fields.String(required=True, validate=validate.Length(min=1, max=64))
    brief = fields.String(required=True, validate=validate.Length(min=10, max=20000))
    required_competencies = fields.List(
        fields.String(validate=validate.Length(min=1, max=100)),
        load_default=list, validate=validate.Length(max=50))
    course_code = fields.String(load_default=None, validate=validate.Length(max=40))
    credit_weight = fields.Float(load_default=0.0, validate=validate.Range(min=0, max=30))
    team_size = fields.Integer(required=True, validate=validate.Range(min=1, max=30))
    start_date = fields.Date(required=True)
    end_date = fields.Date(required=True)
    ip_terms = fields.String(load_default=None, validate=validate.Length(max=5000))
    confidential = fields.Boolean(load_default=False)

    @validates_schema
    def dates_in_order(self, data, **kwargs):
        if data["end_date"] < data["start_date"]:
            raise ValidationError("The project must end on or after its start date.", "end_date")


class ProjectSchema(Schema):
    id = fields.String(attribute="_id")
    title = fields.String()
    enterprise_id = fields.String()
    brief = fields.String()
    required_competencies = fields.List(fields.String())
    course_code = fields.String(allow_none=True)
    credit_weight = fields.Float()
    team_size = fields.Integer()
    start_date = fields.String()
    end_date = fields.String()
    ip_terms = fields.String(allow_none=True)
    confidential = fields.Boolean()
    status = fields.String()
    created_at = fields.DateTime()


class ProjectQuerySchema(PageQuerySchema):
    enterprise_id = fields.String(load_default=None)

