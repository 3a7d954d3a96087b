"""Routes of the mentors service: mentors, secondments and timesheets,
assignments, double-qualified status and the contribution ledger.

Who sees what: the mentor coordinator (and the administrator) manages all;
an enterprise user sees its own mentors, the teachers it hosts and its own
ledger (anything else answers 404); a teacher sees their own record,
secondments and double-qualified status with its reason; a student sees their
own mentors. The caller goes to the mentors service as the ``actor`` of a call
that reads or changes one party's object, and the service decides what it sees
(``mentors.domain``); the lists are scoped here by the filters they force."""
from college_contracts.api import mentors as api
from college_platform.errors import NotFound
from college_platform.http import json_response
from gateway import auth
from gateway.api import Page, route
from gateway.auth import (
    ADMIN,
    ENTERPRISE_USER,
    MENTOR_COORDINATOR,
    PROJECT_COORDINATOR,
    STAFF,
    STUDENT,
    TEACHER,
)
from gateway.scoping import actor_of, page_query

MANAGERS = (ADMIN, MENTOR_COORDINATOR)
STATUS_FIELDS = ("double_qualified", "double_qualified_reason")


def is_manager(principal):
    return principal.role in MANAGERS


def own_mentor(principal, mentor_id):
    return bool(principal.mentor_id) and principal.mentor_id == mentor_id


class MentorsRoutes:

    # mentors -----------------------------------------------------------------

    @route("POST", "/v1/mentors", roles=MANAGERS, summary="Register a mentor",
           body=api.NewMentorSchema, response=api.MentorViewSchema, status=201)
    def register_mentor(self, request):
        """{"name": "李强", "kind": "industry", "enterprise_id": "<partner id>",
        "expertise": ["PLC"], "qualifications": ["高级技师"], "load_limit": 4}"""
        mentor = self.call("mentors", "register_mentor", request.json_body)
        return json_response(201, mentor, {"Location": "/v1/mentors/%s" % mentor["id"]})

    @route("GET", "/v1/mentors", roles=STAFF + (ENTERPRISE_USER,), summary="List mentors",
           query=api.MentorFiltersSchema, response=Page(api.MentorViewSchema))
    def list_mentors(self, request):
        """Filters: enterprise_id, kind. An enterprise user gets its own mentors
        and the teachers it hosts."""
        query = page_query(request, "enterprise_id", "kind")
        if request.principal.is_enterprise:
            query.pop("enterprise_id", None)
            query["visible_to_enterprise"] = request.principal.enterprise_id
        page = self.call("mentors", "list_mentors", query)
        if not is_manager(request.principal):
            page["items"] = [self._mentor_for(request.principal, m) for m in page["items"]]
        return json_response(200, page)

    @route("GET", "/v1/mentors/<mentor_id>", roles=STAFF + (ENTERPRISE_USER,),
           summary="One mentor",
           response=api.MentorViewSchema)
    def get_mentor(self, request, mentor_id):
        # an enterprise user sees its own experts and the teachers it hosts
        mentor = self.call("mentors", "get_mentor", mentor_id, actor_of(request))
        return json_response(200, self._mentor_for(request.principal, mentor))

    def _mentor_for(self, principal, mentor):
        """A teacher's double-qualified status is theirs, the managers' and
        the hosting enterprise's business, not every colleague's."""
        if is_manager(principal):
            return mentor
        hidden = {"host_enterprise_ids"}  # which other enterprises host a teacher
        if not own_mentor(principal, mentor["id"]) and not principal.is_enterprise:
            hidden.update(STATUS_FIELDS)
        return {key: value for key, value in mentor.items() if key not in hidden}

    @route("GET", "/v1/mentors/<mentor_id>/double-qualified",
           roles=MANAGERS + (TEACHER, ENTERPRISE_USER),
           summary="A teacher's double-qualified status, why, and its history",
           response=api.DoubleQualifiedStatusSchema)
    def double_qualified_status(self, request, mentor_id):
        """{"mentor_id": "...", "double_qualified": true, "reason": "double-qualified: 183
        days of completed outward secondment within the 5 years to 2027-09-01 (183 required)
        and the intermediate certificate 1X-IOT-01 (no. X-2027-000123)",
        "practice_days": 183, "history": [...]}"""
        # a teacher sees their own, an enterprise user the teachers it hosts
        return json_response(200, self.call("mentors", "double_qualified_status", mentor_id,
                                            actor_of(request)))

    @route("POST", "/v1/mentors/<mentor_id>/industry-qualifications", roles=MANAGERS,
           summary="Record a teacher's industry qualification",
           body=api.IndustryQualificationSchema, response=api.MentorViewSchema)
    def record_industry_qualification(self, request, mentor_id):
        """{"qualification": "注册电气工程师"}"""
        return json_response(200, self.call("mentors", "record_industry_qualification",
                                            mentor_id, request.json_body))

    @route("POST", "/v1/mentors/<mentor_id>/departure", roles=MANAGERS,
           summary="A mentor leaves; their assignments are flagged for reassignment",
           body=api.ReasonSchema, response=api.MentorViewSchema)
    def mentor_leaves(self, request, mentor_id):
        """{"reason": "调任集团总部"}"""
        return json_response(200, self.call("mentors", "mentor_leaves", mentor_id,
                                            request.json_body))

    # secondments ---------------------------------------------------------------

    @route("POST", "/v1/secondments", roles=MANAGERS, summary="Plan a secondment",
           body=api.NewSecondmentSchema, response=api.SecondmentSchema, status=201)
    def create_secondment(self, request):
        """{"mentor_id": "...", "direction": "outward", "enterprise_id": "<partner>",
        "role": "工艺工程师", "starts_on": "2027-03-01", "ends_on": "2027-08-31",
        "agreed_hours": 900}"""
        secondment = self.call("mentors", "create_secondment", request.json_body)
        return json_response(201, secondment,
                             {"Location": "/v1/secondments/%s" % secondment["id"]})

    @route("GET", "/v1/secondments", roles=MANAGERS + (TEACHER, ENTERPRISE_USER),
           summary="List secondments",
           query=api.SecondmentQuerySchema, response=Page(api.SecondmentSchema))
    def list_secondments(self, request):
        """Filters: enterprise_id, mentor_id, status. A teacher sees their own, an
        enterprise user those it is party to."""
        query = page_query(request, "enterprise_id", "mentor_id", "status")
        principal = request.principal
        if principal.is_enterprise:
            query["enterprise_id"] = principal.enterprise_id
        elif principal.role == TEACHER:
            query["mentor_id"] = self._own_mentor_id(principal)
        return json_response(200, self.call("mentors", "list_secondments", query))

    @route("GET", "/v1/secondments/<secondment_id>", roles=MANAGERS + (TEACHER, ENTERPRISE_USER),
           summary="One secondment",
           response=api.SecondmentSchema)
    def get_secondment(self, request, secondment_id):
        return json_response(200, self.call("mentors", "get_secondment", secondment_id,
                                            actor_of(request)))

    @route("POST", "/v1/secondments/<secondment_id>/cancellation", roles=MANAGERS,
           summary="Cancel a planned or active secondment",
           body=api.ReasonSchema, response=api.SecondmentSchema)
    def cancel_secondment(self, request, secondment_id):
        """{"reason": "企业项目暂停"}"""
        return json_response(200, self.call("mentors", "cancel_secondment", secondment_id,
                                            request.json_body))

    @route("POST", "/v1/secondments/<secondment_id>/timesheets",
           roles=MANAGERS + (TEACHER, ENTERPRISE_USER),
           summary="Log hours on a secondment (the seconded mentor)",
           body=api.NewTimesheetSchema, response=api.TimesheetSchema, status=201)
    def log_timesheet(self, request, secondment_id):
        """{"work_date": "2027-03-02", "hours": 6, "activity": "产线调试带教"}"""
        # one the caller does not see is not found; one it sees but is not seconded on, refused
        timesheet = self.call("mentors", "log_timesheet", secondment_id, request.json_body,
                              actor_of(request))
        return json_response(201, timesheet, {"Location": "/v1/timesheets/%s" % timesheet["id"]})

    @route("GET", "/v1/secondments/<secondment_id>/timesheets",
           roles=MANAGERS + (TEACHER, ENTERPRISE_USER), summary="A secondment's timesheets",
           query=api.TimesheetQuerySchema, response=Page(api.TimesheetSchema))
    def list_timesheets(self, request, secondment_id):
        """Filter: status (submitted, approved, rejected)."""
        return json_response(200, self.call("mentors", "list_timesheets", secondment_id,
                                            page_query(request, "status"), actor_of(request)))

    @route("POST", "/v1/timesheets/<timesheet_id>/decision",
           roles=MANAGERS + (ENTERPRISE_USER,),
           summary="The host approves or rejects a timesheet",
           body=api.TimesheetDecisionSchema, response=api.TimesheetSchema)
    def decide_timesheet(self, request, timesheet_id):
        """{"decision": "approved"} or {"decision": "rejected", "reason": "与课表不符"}.
        The host decides: the enterprise for an outward secondment, the college
        (mentor coordinator) for an inward one."""
        # another enterprise's timesheet is not found; one the caller does not host, refused
        return json_response(200, self.call("mentors", "decide_timesheet", timesheet_id,
                                            request.json_body, request.principal.subject,
                                            actor_of(request)))

    def _own_mentor_id(self, principal):
        if not principal.mentor_id:
            raise auth.Forbidden("this account is not linked to a mentor record")
        return principal.mentor_id

    # assignments ---------------------------------------------------------------

    @route("GET", "/v1/assignments", roles=MANAGERS + (PROJECT_COORDINATOR, TEACHER,
                                                       ENTERPRISE_USER),
           summary="List mentor assignments",
           query=api.AssignmentQuerySchema, response=Page(api.AssignmentSchema))
    def list_assignments(self, request):
        """Filters: student_id, mentor_id, team_id, enterprise_id, status. A teacher
        sees their own, an enterprise user its own enterprise's."""
        query = page_query(request, "student_id", "mentor_id", "team_id", "enterprise_id",
                           "status")
        principal = request.principal
        if principal.is_enterprise:
            query["enterprise_id"] = principal.enterprise_id
        elif principal.role == TEACHER:
            query["mentor_id"] = self._own_mentor_id(principal)
        return json_response(200, self.call("mentors", "list_assignments", query))

    @route("POST", "/v1/assignments", roles=MANAGERS,
           summary="Assign or reassign a mentor by hand (load limits hold)",
           body=api.AssignMentorSchema, response=api.AssignmentSchema, status=201)
    def assign_mentor(self, request):
        """{"slot_id": "apprentice:<student id>:enterprise_mentor", "mentor_id": "..."}"""
        assignment = self.call("mentors", "assign_mentor", request.json_body)
        return json_response(201, assignment,
                             {"Location": "/v1/assignments/%s" % assignment["id"]})

    @route("GET", "/v1/assignments/<assignment_id>", roles=MANAGERS + (PROJECT_COORDINATOR,),
           summary="One assignment",
           response=api.AssignmentSchema)
    def get_assignment(self, request, assignment_id):
        return json_response(200, self.call("mentors", "get_assignment", assignment_id))

    @route("POST", "/v1/assignments/<assignment_id>/release", roles=MANAGERS,
           summary="Release an assignment; the slot becomes vacant",
           body=api.ReasonSchema, response=api.AssignmentSchema)
    def release_assignment(self, request, assignment_id):
        """{"reason": "学生转专业"}"""
        return json_response(200, self.call("mentors", "release_assignment", assignment_id,
                                            request.json_body))

    @route("GET", "/v1/apprentices/<student_id>/mentors",
           roles=STAFF + (ENTERPRISE_USER, STUDENT), summary="An apprentice's two mentors",
           response=api.ApprenticeMentorsSchema)
    def apprentice_mentors(self, request, student_id):
        """{"student_id": "...", "enterprise_id": "...", "college_tutor": {"mentor_id":
        "...", "status": "filled", ...}, "enterprise_mentor": {...}}"""
        principal = request.principal
        if principal.role == STUDENT and not principal.student_id:
            # an account linked to no student has no apprentice: not found, as for any other
            raise NotFound("apprentice %s does not exist" % student_id)
        return json_response(200, self.call("mentors", "apprentice_mentors", student_id,
                                            actor_of(request)))

    @route("GET", "/v1/mentor-vacancies", roles=MANAGERS + (PROJECT_COORDINATOR,),
           summary="Apprentices and teams still missing a mentor",
           query=api.VacancyQuerySchema, response=Page(api.SlotSchema))
    def list_vacancies(self, request):
        """Filters: kind (apprentice, team), enterprise_id."""
        return json_response(200, self.call("mentors", "list_vacancies",
                                            page_query(request, "kind", "enterprise_id")))

    # contribution --------------------------------------------------------------

    @route("GET", "/v1/enterprises/<enterprise_id>/contribution",
           roles=MANAGERS + (ENTERPRISE_USER,),
           summary="Mentor hours given against teacher placements hosted, by term",
           query=api.LedgerQuerySchema, response=Page(api.LedgerEntrySchema))
    def contribution_ledger(self, request, enterprise_id):
        """Filter: term ("2027-spring"). {"items": [{"term": "2027-spring",
        "mentor_hours_given": 120.0, "teacher_placements_hosted": 1,
        "teacher_hours_hosted": 640.0}], ...}"""
        return json_response(200, self.call("mentors", "contribution_ledger", enterprise_id,
                                            page_query(request, "term"), actor_of(request)))
