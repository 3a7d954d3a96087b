"""The read-model RPCs of docs/views.md, over data made through the mentors
service's own RPCs and the events it consumes."""
import json

import pytest
from test_mentors_entrypoints import (  # noqa: F401 (mentors is a fixture)
    ENTERPRISE,
    OTHER_ENTERPRISE,
    both_mentors,
    contract,
    enrolled,
    expert,
    mentors,
    publish,
    teacher,
)

from college_platform.errors import InvalidInput
from testkit.calls import call
from testkit.servers import wait_until


def json_ready(answer):
    """What the gateway receives: the answer survives JSON as it is."""
    assert json.loads(json.dumps(answer)) == answer
    return answer


@pytest.fixture
def mentored_apprentice(mentors, service_config):  # noqa: F811
    """A double-qualified teacher and an expert mentoring one apprentice; the
    expert taught 6 approved hours at the college, the teacher was seconded out."""
    zhang, li = teacher(mentors), expert(mentors)
    outward = call(mentors, "create_secondment", {
        "mentor_id": zhang["id"], "direction": "outward", "enterprise_id": ENTERPRISE,
        "starts_on": "2025-01-02", "ends_on": "2025-08-29", "agreed_hours": 900})
    call(mentors, "record_industry_qualification", zhang["id"], {"qualification": "注册机械工程师"})
    inward = call(mentors, "create_secondment", {
        "mentor_id": li["id"], "direction": "inward", "enterprise_id": ENTERPRISE,
        "starts_on": "2026-03-02", "ends_on": "2026-06-30", "agreed_hours": 120})
    approved = call(mentors, "log_timesheet", inward["id"], {
        "work_date": "2026-03-03", "hours": 6, "activity": "PLC 编程实训授课"})
    rejected = call(mentors, "log_timesheet", inward["id"], {
        "work_date": "2026-03-04", "hours": 4, "activity": "Lab supervision"})
    call(mentors, "decide_timesheet", approved["id"], {"decision": "approved"})
    call(mentors, "decide_timesheet", rejected["id"], {"decision": "rejected",
                                                        "reason": "与课表不符"})
    publish(service_config, "enrollment", "student_enrolled",
            enrolled("s-0001", partner_id=ENTERPRISE))
    publish(service_config, "enrollment", "apprentice_contract_signed", contract("s-0001"))
    wait_until(lambda: both_mentors(mentors, "s-0001"), message="both mentors")
    return zhang, li, outward


def test_a_students_summary_names_both_mentors(mentors, mentored_apprentice):  # noqa: F811
    zhang, li, _ = mentored_apprentice

    answer = json_ready(call(mentors, "student_summaries", ["s-0001", "s-unknown"]))

    assert answer["s-unknown"] == {}
    part = answer["s-0001"]["mentors"]
    assert (part["school"]["mentor_id"], part["school"]["name"]) == (zhang["id"], "张伟")
    assert (part["industry"]["mentor_id"], part["industry"]["enterprise_id"]) == \
        (li["id"], ENTERPRISE)
    assert part["school"]["since"] and part["needs_reassignment"] is False

    call(mentors, "mentor_leaves", li["id"], {"reason": "调任集团总部"})
    part = call(mentors, "student_summaries", ["s-0001"])["s-0001"]["mentors"]
    assert part["needs_reassignment"] is True


def test_an_enterprise_summary_shows_its_mentors_hours_and_hosted_teachers(
        mentors, mentored_apprentice):  # noqa: F811
    zhang, li, outward = mentored_apprentice

    answer = json_ready(call(mentors, "enterprise_summaries",
                             [ENTERPRISE, OTHER_ENTERPRISE, "nobody"]))

    assert answer["nobody"] == {}
    assert answer[OTHER_ENTERPRISE] == {"mentors": [], "hosted_teachers": [],
                                        "contribution": {"mentor_hours": 0.0}}
    part = answer[ENTERPRISE]
    assert part["mentors"] == [{"mentor_id": li["id"], "name": "李强", "status": "active",
                                "hours": 6.0}]
    assert part["hosted_teachers"] == [{
        "secondment_id": outward["id"], "teacher_id": zhang["id"], "name": "张伟",
        "starts_on": "2025-01-02", "ends_on": "2025-08-29", "status": "completed"}]
    assert part["contribution"] == {"mentor_hours": 6.0}


def test_indicator_facts_count_teachers_mentored_apprentices_and_hours(
        mentors, mentored_apprentice):  # noqa: F811
    _, li, _ = mentored_apprentice
    teacher(mentors, "王磊")  # not double-qualified

    facts = {(r["metric"], r["term"], r["programme_id"], r["enterprise_id"]): r["value"]
             for r in json_ready(call(mentors, "indicator_facts"))}

    assert facts == {("teachers_professional", None, None, None): 2,
                     ("teachers_double_qualified", None, None, None): 1,
                     ("apprentices_with_both_mentors", None, "prog-mech", ENTERPRISE): 1,
                     ("mentor_hours", "2026-spring", None, ENTERPRISE): 6.0}

    call(mentors, "mentor_leaves", li["id"], {"reason": "调任集团总部"})
    metrics = {r["metric"] for r in call(mentors, "indicator_facts")}
    assert "apprentices_with_both_mentors" not in metrics


@pytest.mark.parametrize("method", ["student_summaries", "enterprise_summaries"])
def test_at_most_200_ids_are_answered_per_call(mentors, method):  # noqa: F811
    assert len(call(mentors, method, ["id-%d" % n for n in range(200)])) == 200
    with pytest.raises(InvalidInput):
        call(mentors, method, ["id-%d" % n for n in range(201)])
