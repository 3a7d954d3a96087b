"""Enrollment service: joint school–enterprise enrolment.

The entrypoints, by sub-domain, are the mixins of ``enrollment.entrypoints``;
each loads its input with the declared schema, runs a use case of
``enrollment.workflows`` in ``self.store.transact`` (so every state change and
the event announcing it commit together) and dumps the answer with the
declared response schema. The rules are ``enrollment.domain``'s, the
collections ``enrollment.records``' (the quota ledger: ``ledger.py``).
"""
import logging

from pymongo import ASCENDING, DESCENDING, IndexModel
from pymongo.errors import DuplicateKeyError

from college_platform.clock import Clock
from college_platform.mongo import MongoStore
from college_platform.repository import (
    PENDING,
    RECENT_FIRST,
    ascending,
    mark_unpositioned,
)
from college_platform.service import PlatformService
from enrollment.domain import ACTIVE_APPLICATION, active_key
from enrollment.entrypoints.admission_list import AdmissionListEntrypoints
from enrollment.entrypoints.applications import ApplicationEntrypoints
from enrollment.entrypoints.commitments import CommitmentEntrypoints
from enrollment.entrypoints.costs import CostEntrypoints
from enrollment.entrypoints.enrolment import STUDENT_POSITIONS, EnrolmentEntrypoints
from enrollment.entrypoints.expiry import ExpiryEntrypoints
from enrollment.entrypoints.graduation import GraduationEntrypoints
from enrollment.entrypoints.partners import PartnerEntrypoints
from enrollment.entrypoints.programmes import ProgrammeEntrypoints
from enrollment.entrypoints.read_models import ReadModelEntrypoints
from enrollment.entrypoints.surveys import SurveyEntrypoints
from enrollment.records import EnrollmentRecords

log = logging.getLogger(__name__)


def students_written_before_positions(db):
    mark_unpositioned(db, "students", STUDENT_POSITIONS)


def active_applications_hold_their_key(db):
    """Active applications written before ``active_key`` existed hold it (safe to
    run again): the unique index on it is what refuses a second one."""
    for application in db.applications.find(
            {"status": {"$in": list(ACTIVE_APPLICATION)}, "active_key": {"$exists": False}},
            {"applicant_id": 1, "programme_id": 1}):
        key = active_key(application["applicant_id"], application["programme_id"])
        try:
            db.applications.update_one({"_id": application["_id"]},
                                       {"$set": {"active_key": key}})
        except DuplicateKeyError:  # two were active at once before the index: both stay
            log.warning("application %s is a second active one for %s", application["_id"], key)


class EnrollmentService(PartnerEntrypoints, ProgrammeEntrypoints, ApplicationEntrypoints,
                        AdmissionListEntrypoints, EnrolmentEntrypoints, ReadModelEntrypoints,
                        ExpiryEntrypoints, GraduationEntrypoints, SurveyEntrypoints,
                        CommitmentEntrypoints, CostEntrypoints, PlatformService):
    name = "enrollment"

    clock = Clock()
    store = MongoStore(indexes={
        "partners": [IndexModel("credit_code", unique=True, name="credit_code_unique"),
                     RECENT_FIRST],
        "agreements": [RECENT_FIRST, ascending("partner_id"), ascending("status", "ends_on")],
        "programmes": [IndexModel("code", unique=True, name="code_unique"), RECENT_FIRST,
                       ascending("kind"), ascending("intake_year"), ascending("quota_partner_ids")],
        "quotas": [ascending("programme_id"), ascending("partner_id")],
        "ledger": [ascending("programme_id", "created_at"), ascending("application_id")],
        "applicants": [IndexModel("identity_key", unique=True, name="identity_unique"),
                       RECENT_FIRST, ascending("name")],
        "applications": [RECENT_FIRST, ascending("status", "offer_expires_at"),
                         ascending("programme_id"), ascending("partner_id"),
                         ascending("applicant_id"),
                         # a provincial admission number enrols one student per programme
                         IndexModel([("programme_id", ASCENDING), ("admission_number", ASCENDING)],
                                    unique=True, name="admission_number_unique",
                                    partialFilterExpression={
                                        "admission_number": {"$exists": True}}),
                         IndexModel("admission_number", sparse=True, name="by_admission_number"),
                         # one active application per applicant and programme
                         IndexModel("active_key", unique=True, sparse=True,
                                    name="one_active_per_programme")],
        "tripartite_agreements": [
            IndexModel([("application_id", ASCENDING), ("version", DESCENDING)],
                       unique=True, name="application_version_unique"), RECENT_FIRST,
            ascending("student_id")],
        "students": [IndexModel("application_id", unique=True, name="application_unique"),
                     IndexModel("student_number", unique=True, name="student_number_unique"),
                     RECENT_FIRST, ascending("programme_id"), ascending("partner_id"),
                     ascending("status"), ascending("name"),
                     # the hires counted toward an employer's clauses
                     ascending("destination.enterprise_id"),
                     IndexModel("list_position", unique=True, sparse=True,
                                name="list_position_unique"),
                     IndexModel(PENDING, sparse=True, name="list_pending")],
        "apprentice_contracts": [ascending("student_id"), ascending("partner_id")],
        "graduation_requirements": [ascending("programme_id")],
        "achievements": [ascending("student_id")],
        "commitment_facts": [ascending("enterprise_id", "on"), ascending("on")],
        "valuation_rates": [ascending("year")],
        "employer_surveys": [ascending("student_id"), ascending("enterprise_id", "due_on"),
                             ascending("status", "due_on"), ascending("programme_id")],
    }, prepare=[students_written_before_positions, active_applications_hold_their_key],
        records=EnrollmentRecords)
