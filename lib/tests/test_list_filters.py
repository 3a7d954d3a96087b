"""A list filter given empty never widens the list: ``?enterprise_id=`` or a
scope the gateway forced as None (an enterprise account with no enterprise)
is a 400 naming the field, never "every enterprise's rows". Checked on every
list query of every service, so a new filter is covered by default."""
import inspect

import pytest

from college_contracts.api import certificates, enrollment, mentors, projects
from college_platform.errors import InvalidInput
from college_platform.validation import PageQuerySchema, load

PAGING = ("offset", "limit", "sort")  # where a page starts, its size and order: no filter
QUERY_SCHEMAS = sorted({cls for module in (enrollment, projects, mentors, certificates)
                        for _, cls in inspect.getmembers(module, inspect.isclass)
                        if issubclass(cls, PageQuerySchema) and cls is not PageQuerySchema},
                       key=lambda cls: cls.__name__)
FILTERS = [(schema, name) for schema in QUERY_SCHEMAS for name in schema().fields
           if name not in PAGING]


def test_every_service_lists_with_filters():
    names = {name for _, name in FILTERS}
    assert {"partner_id", "enterprise_id", "visible_to_enterprise", "candidate_id"} <= names


@pytest.mark.parametrize("empty", [None, ""])
@pytest.mark.parametrize("schema, name", FILTERS,
                         ids=["%s.%s" % (schema.__name__, name) for schema, name in FILTERS])
def test_a_filter_given_empty_is_a_field_error(schema, name, empty):
    with pytest.raises(InvalidInput) as raised:
        load(schema(), {name: empty})
    assert name in raised.value.errors


@pytest.mark.parametrize("schema", QUERY_SCHEMAS, ids=[s.__name__ for s in QUERY_SCHEMAS])
def test_a_filter_left_out_still_lists_everything(schema):
    required = {name: "x" for name, field in schema().fields.items() if field.required}
    params = load(schema(), required)
    assert (params["offset"], params["limit"]) == (0, 20)
