import pytest

from college_platform.errors import InvalidInput
from college_platform.validation import load
from projects.schemas import NewProjectSchema

PROJECT = {"title": "产线视觉质检", "enterprise_id": "p1", "brief": "Build a vision QC cell",
           "team_size": 4, "start_date": "2027-03-01", "end_date": "2027-06-30"}


def test_a_project_cannot_end_before_it_starts():
    with pytest.raises(InvalidInput) as caught:
        load(NewProjectSchema(), {**PROJECT, "end_date": "2027-02-01"})
    assert "end_date" in caught.value.errors


@pytest.mark.parametrize("field", ["title", "enterprise_id", "brief", "team_size",
                                   "start_date", "end_date"])
def test_every_required_project_field_is_reported(field):
    payload = dict(PROJECT)
    del payload[field]
    with pytest.raises(InvalidInput) as caught:
        load(NewProjectSchema(), payload)
    assert field in caught.value.errors
