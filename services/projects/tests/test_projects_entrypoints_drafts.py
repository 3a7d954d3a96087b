import pytest

from college_platform.envelope import new_event
from college_platform.errors import InvalidInput, NotFound
from projects.service import ProjectsService
from testkit.amqp import publish_event
from testkit.calls import call
from testkit.servers import wait_until

PROJECT = {"title": "产线视觉质检", "enterprise_id": "p-1", "brief": "Build a vision QC cell",
           "team_size": 4, "start_date": "2027-03-01", "end_date": "2027-06-30",
           "required_competencies": ["OpenCV", "PLC"], "credit_weight": 2}


@pytest.fixture
def projects(start_service):
    return start_service(ProjectsService)


def test_a_project_is_drafted_for_a_partner_known_from_enrollment(projects, service_config,
                                                                   database):
    with pytest.raises(InvalidInput):
        call(projects, "create_project", PROJECT)

    publish_event(service_config["AMQP_URI"], "enrollment", new_event(
        "partner_registered", "enrollment", {"partner_id": "p-1", "legal_name": "Acme",
                                             "credit_code": "91350100M000100Y43",
                                             "industry": "robotics"}))
    wait_until(lambda: database("projects").partners.find_one({"_id": "p-1"}),
               message="the partner's local copy")

    project = call(projects, "create_project", PROJECT)
    assert project["status"] == "draft"
    assert call(projects, "get_project", project["id"]) == project
    assert call(projects, "list_projects", {"enterprise_id": "p-1"})["total"] == 1
    assert call(projects, "list_projects", {"enterprise_id": "p-2"})["total"] == 0


def test_an_unknown_project_is_not_found(projects):
    with pytest.raises(NotFound):
        call(projects, "get_project", "nope")
