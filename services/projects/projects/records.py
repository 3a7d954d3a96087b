"""The projects service's collections in domain verbs: what the workflows read
and write, each call on the unit of work's session (``uow.records``, built
``ProjectsRecords(db, session)`` by ``MongoStore(records=...)``), and what the
entrypoints read outside a transaction (``ProjectsRecords(db, None)``): list
pages and the read models' sources. tests/fake_projects_records.py keeps the same
verbs in memory for the workflows' unit tests."""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, Iterable, Optional

from pymongo import UpdateOne
from pymongo.errors import DuplicateKeyError

from college_platform.documents import Database, Document, Session
from college_platform.envelope import utcnow
from college_platform.errors import NotFound
from college_platform.repository import (
    get_or_raise,
    group_by,
    insert_new,
    page,
    remember_copies,
    remember_copy,
    update_new,
)
from projects import summaries

if TYPE_CHECKING:
    pass


class ProjectsRecords:
    """projects, teams, memberships, deliverables, reviews, grades, placements,
    checkins, checkin_alerts, feedback, external_refs, superseded_updates, and
    the local copies of students, mentors and partners."""

    def __init__(self, db: Database, session: Optional[Session] = None) -> None:
        self.db = db
        self.session = session

    def _get(self, collection: str, id_: str, what: str) -> Document:
        document: Document = get_or_raise(self.db[collection], id_, what, session=self.session)
        return document

    def _find_one(self, collection: str, criteria: Document,
                  projection: Optional[Document] = None, **options: Any) -> Optional[Document]:
        document: Optional[Document] = self.db[collection].find_one(
            criteria, projection, session=self.session, **options)
        return document

    def _find(self, collection: str, criteria: Document,
              projection: Optional[Document] = None) -> list[Document]:
        return list(self.db[collection].find(criteria, projection, session=self.session))

    # -- projects --------------------------------------------------------------

    def project(self, project_id: str) -> Document:
        """The project, or NotFound."""
        return self._get("projects", project_id, "project")

    def find_project(self, project_id: str) -> Optional[Document]:
        return self._find_one("projects", {"_id": project_id})

    def add_projects(self, projects: list[Document]) -> None:
        """Store new projects and count them in their enterprises' tallies (in
        the caller's transaction)."""
        self.db.projects.insert_many(projects, session=self.session)
        self.db.enterprise_tallies.bulk_write([
            UpdateOne({"_id": enterprise_id}, summaries.tally_added(group), upsert=True)
            for enterprise_id, group in group_by(projects, "enterprise_id").items()],
            ordered=False, session=self.session)

    def add_new_projects(self, projects: list[Document]) -> None:
        """``add_projects`` for projects whose ids are derived from the events
        that post them, with no transaction: one already stored is an earlier
        run's, left as it is.

        The tallies are counted first, each project once: a project a tally
        already lists among its newest was counted by an earlier run (a second
        run only ever follows closely; one that came after more than
        ``MAX_PART_ITEMS`` newer projects of the same enterprise would count it
        again). The projects are inserted after, so a run that dies between the
        two is completed by the next and no project goes uncounted."""
        groups = group_by(projects, "enterprise_id")
        listed = {entry["id"] for tally in self.db.enterprise_tallies.find(
            {"_id": {"$in": list(groups)}}, {"newest.id": 1}, session=self.session)
            for entry in tally.get("newest", [])}
        counts = []
        for enterprise_id, group in groups.items():
            uncounted = [project for project in group if project["_id"] not in listed]
            if uncounted:
                # the condition refuses a run that counted them meanwhile: the upsert
                # then fails on the tally's id, which update_new reads as done
                counts.append(UpdateOne(
                    {"_id": enterprise_id,
                     "newest.id": {"$nin": [project["_id"] for project in uncounted]}},
                    summaries.tally_added(uncounted), upsert=True))
        update_new(self.db.enterprise_tallies, counts, session=self.session)
        insert_new(self.db.projects, projects, session=self.session)

    def set_milestones(self, project_id: str, milestones: list[Document]) -> None:
        self.db.projects.update_one({"_id": project_id}, {"$set": {"milestones": milestones}},
                                    session=self.session)

    def move_project(self, project: Document, changes: Document, history: Document) -> bool:
        """Apply ``changes`` (its new ``status`` among them) and add ``history``
        if the project is still in the status it was read in (a concurrent
        transition of the same project fails), and move it in its enterprise's
        tally (in the caller's transaction)."""
        result = self.db.projects.update_one(
            {"_id": project["_id"], "status": project["status"]},
            {"$set": changes, "$push": {"status_history": history}}, session=self.session)
        if result.modified_count != 1:
            return False
        self.db.enterprise_tallies.update_one(
            {"_id": project["enterprise_id"]},
            summaries.tally_moved(project["status"], changes["status"]), upsert=True,
            session=self.session)
        return True

    def revise_terms(self, project_id: str, changes: Document, revision: int) -> None:
        self.db.projects.update_one({"_id": project_id},
                                    {"$set": {**changes, "revision": revision}},
                                    session=self.session)

    def accept_milestone(self, project_id: str, title: str, accepted_on: Any,
                         comment: Optional[str]) -> None:
        self.db.projects.update_one(
            {"_id": project_id, "milestones.title": title},
            {"$set": {"milestones.$.accepted_on": accepted_on,
                      "milestones.$.acceptance_comment": comment}}, session=self.session)

    def member_ids(self, project_id: str) -> list[str]:
        """The students on a team of the project."""
        return [m["student_id"] for m in self._find("memberships", {"project_id": project_id},
                                                    {"student_id": 1})]

    # the enterprise systems' references to their projects (the inbound contract)

    def project_id_for_ref(self, ref_id: str) -> Optional[str]:
        ref = self._find_one("external_refs", {"_id": ref_id})
        return None if ref is None else str(ref["project_id"])

    def add_refs(self, refs: list[tuple[str, str]]) -> None:
        """``[(reference id, project id)]``."""
        self.db.external_refs.insert_many([{"_id": ref_id, "project_id": project_id}
                                           for ref_id, project_id in refs], session=self.session)

    def refs_of(self, ref_ids: Iterable[str]) -> dict[str, str]:
        """``{reference id: project id}`` of those among ``ref_ids`` that are stored."""
        return {ref["_id"]: str(ref["project_id"]) for ref in self._find(
            "external_refs", {"_id": {"$in": list(ref_ids)}})}

    def claim_refs(self, refs: list[tuple[str, str]]) -> dict[str, str]:
        """Add ``[(reference id, project id)]`` where the reference is new; for
        those already stored, ``{reference id: the project id stored}``, which
        is the one given when an earlier run of the same post stored it."""
        stored = insert_new(self.db.external_refs,
                            [{"_id": ref_id, "project_id": project_id}
                             for ref_id, project_id in refs], session=self.session)
        return self.refs_of(stored) if stored else {}

    def record_superseded(self, update: Document) -> None:
        self.db.superseded_updates.insert_one(update, session=self.session)

    # -- teams and memberships -------------------------------------------------

    def team(self, team_id: str) -> Document:
        return self._get("teams", team_id, "team")

    def teams_of(self, project_id: str) -> list[Document]:
        return self._find("teams", {"project_id": project_id})

    def members_among(self, project_id: str, student_ids: list[str]) -> list[str]:
        """Those of ``student_ids`` already on a team of the project."""
        return [m["student_id"] for m in self._find(
            "memberships", {"project_id": project_id, "student_id": {"$in": student_ids}})]

    def is_member(self, project_id: str, student_id: str) -> bool:
        return self._find_one("memberships", {"project_id": project_id,
                                              "student_id": student_id}) is not None

    def add_team(self, team: Document, memberships: list[Document]) -> None:
        """The team and one membership per student: a membership's unique
        ``project:student`` id also refuses a concurrent second team."""
        self.db.teams.insert_one(team, session=self.session)
        for membership in memberships:
            self.db.memberships.insert_one(membership, session=self.session)

    def memberships_of(self, student_id: str) -> list[Document]:
        return self._find("memberships", {"student_id": student_id})

    def remove_member(self, membership: Document, removal: Document) -> None:
        """Take the membership's student off its team, noting ``removal``."""
        self.db.teams.update_one(
            {"_id": membership["team_id"]},
            {"$pull": {"student_ids": membership["student_id"]}, "$push": {"removed": removal}},
            session=self.session)
        self.db.memberships.delete_one({"_id": membership["_id"]}, session=self.session)

    def set_team_mentor(self, team_id: str, mentor_id: str) -> None:
        self.db.teams.update_one({"_id": team_id}, {"$set": {"team_mentor_id": mentor_id}},
                                 session=self.session)

    def assigned_to(self, student_id: str, enterprise_id: str) -> bool:
        """Whether the college put the student on a team of one of the
        enterprise's projects or placed the student with it before."""
        where = {"enterprise_id": enterprise_id}
        return bool(self._find_one("teams", {"student_ids": student_id, **where}, {"_id": 1})
                    or self._find_one("placements", {"student_id": student_id, **where},
                                      {"_id": 1}))

    # -- deliverables, reviews and grades --------------------------------------

    def deliverable(self, deliverable_id: str) -> Document:
        return self._get("deliverables", deliverable_id, "deliverable")

    def deliverable_in_context(self, deliverable_id: str
                               ) -> tuple[Document, Document, Optional[Document]]:
        """The deliverable, its team and its project (None if missing), read
        with one statement: an aggregate joining the team and the project by
        their ``_id``. NotFound for a missing deliverable or team."""
        found = list(self.db.deliverables.aggregate([
            {"$match": {"_id": deliverable_id}},
            {"$lookup": {"from": "teams", "localField": "team_id", "foreignField": "_id",
                         "as": "_team"}},
            {"$lookup": {"from": "projects", "localField": "project_id", "foreignField": "_id",
                         "as": "_project"}}], session=self.session))
        if not found:
            raise NotFound("deliverable %s does not exist" % deliverable_id, id=deliverable_id)
        deliverable = found[0]
        teams, projects = deliverable.pop("_team"), deliverable.pop("_project")
        if not teams:
            raise NotFound("team %s does not exist" % deliverable["team_id"],
                           id=deliverable["team_id"])
        return deliverable, teams[0], projects[0] if projects else None

    def latest_version(self, team_id: str, milestone_id: str) -> Optional[Document]:
        return self._find_one("deliverables", {"team_id": team_id, "milestone_id": milestone_id},
                              sort=[("version", -1)])

    def add_deliverable(self, deliverable: Document) -> None:
        # (team, milestone, version) is unique: a concurrent submission of the same version fails
        self.db.deliverables.insert_one(deliverable, session=self.session)

    def deliverables_of(self, team_id: str) -> list[Document]:
        return self._find("deliverables", {"team_id": team_id})

    def reviews_of_team(self, team_id: str) -> list[Document]:
        return self._find("reviews", {"team_id": team_id})

    def reviews_of(self, deliverable_id: str, limit: int = 100) -> list[Document]:
        """The first ``limit`` reviews of a deliverable, oldest first."""
        return list(self.db.reviews.find({"deliverable_id": deliverable_id},
                                         session=self.session).sort("created_at", 1).limit(limit))

    def add_review(self, review: Document) -> None:
        self.db.reviews.insert_one(review, session=self.session)

    def add_grade(self, grade: Document) -> None:
        self.db.grades.insert_one(grade, session=self.session)

    # -- placements, check-ins and alerts --------------------------------------

    def placement(self, placement_id: str) -> Document:
        return self._get("placements", placement_id, "placement")

    def placement_and_checkin(self, placement_id: str, checkin_id: str
                              ) -> tuple[Document, Optional[Document]]:
        """The placement and one check-in (None if not logged), read with one
        statement: an aggregate joining the check-in by its ``_id``, which it
        names first as a literal (a join on ``_id`` reads one check-in through
        its index; a sub-pipeline would give SecantusDB every check-in to
        match). NotFound for a missing placement."""
        found = list(self.db.placements.aggregate([
            {"$match": {"_id": placement_id}},
            {"$addFields": {"_checkin_id": {"$literal": checkin_id}}},
            {"$lookup": {"from": "checkins", "localField": "_checkin_id", "foreignField": "_id",
                         "as": "_checkin"}}], session=self.session))
        if not found:
            raise NotFound("placement %s does not exist" % placement_id, id=placement_id)
        placement = found[0]
        del placement["_checkin_id"]
        checkins = placement.pop("_checkin")
        return placement, checkins[0] if checkins else None

    def add_placement(self, placement: Document) -> None:
        self.db.placements.insert_one(placement, session=self.session)

    def open_placements_of(self, student_id: str) -> list[Document]:
        """The student's placements not yet ended."""
        return self._find("placements", {"student_id": student_id, "status": "active"})

    def has_placed(self, student_id: str, enterprise_id: str) -> bool:
        """Whether the enterprise ever hosted the student on a placement."""
        return self._find_one("placements", {"student_id": student_id,
                                             "enterprise_id": enterprise_id}) is not None

    def end_placement(self, placement_id: str, changes: Document) -> bool:
        """End an active placement; False if it was not active."""
        result = self.db.placements.update_one({"_id": placement_id, "status": "active"},
                                               {"$set": changes}, session=self.session)
        return bool(result.modified_count == 1)

    def add_hours(self, placement_id: str, hours: float) -> None:
        self.db.placements.update_one({"_id": placement_id}, {"$inc": {"hours": hours}},
                                      session=self.session)

    def mark_swept(self, placement_id: str) -> None:
        """Every week of the placement has been judged."""
        self.db.placements.update_one({"_id": placement_id}, {"$set": {"sweep_done": True}},
                                      session=self.session)

    def placements_to_sweep(self) -> list[str]:
        """The placements with weeks still to judge, however long the sweeps were stopped."""
        return [p["_id"] for p in self._find("placements", {"sweep_done": {"$ne": True}},
                                             {"_id": 1})]

    def checkins_of(self, placement_id: str) -> list[Document]:
        return self._find("checkins", {"placement_id": placement_id})

    def add_checkin(self, checkin: Document) -> None:
        self.db.checkins.insert_one(checkin, session=self.session)

    def confirm_checkin(self, checkin_id: str, by: Optional[str], at: datetime) -> bool:
        """Confirm a logged check-in; False if it was not (only a logged one
        turns confirmed, so its hours count once)."""
        result = self.db.checkins.update_one(
            {"_id": checkin_id, "status": "logged"},
            {"$set": {"status": "confirmed", "confirmed_by": by, "confirmed_at": at}},
            session=self.session)
        return bool(result.modified_count == 1)

    def has_alert(self, alert_id: str) -> bool:
        return self._find_one("checkin_alerts", {"_id": alert_id}) is not None

    def add_alert(self, alert: Document) -> None:
        self.db.checkin_alerts.insert_one(alert, session=self.session)

    # -- feedback --------------------------------------------------------------

    def has_feedback(self, feedback_id: str) -> bool:
        return self._find_one("feedback", {"_id": feedback_id}) is not None

    def add_feedback(self, feedback: Document) -> None:
        self.db.feedback.insert_one(feedback, session=self.session)

    def feedback_means(self, subject: Document, direction: str,
                       keys: Iterable[str]) -> Document:
        """How much feedback ``subject`` received in ``direction``, with the
        mean of its averages and of each rating in ``keys``."""
        group = {"_id": None, "count": {"$sum": 1}, "average": {"$avg": "$average"},
                 **{key: {"$avg": "$ratings.%s" % key} for key in keys}}
        rows = list(self.db.feedback.aggregate([
            {"$match": {**subject, "direction": direction}}, {"$group": group}],
            session=self.session))
        return rows[0] if rows else {"count": 0, "average": None}

    # -- local copies of other services' records -------------------------------

    def students(self, student_ids: list[str]) -> dict[str, Document]:
        return {s["_id"]: s for s in self._find("students", {"_id": {"$in": student_ids}})}

    def student(self, student_id: str) -> Optional[Document]:
        return self._find_one("students", {"_id": student_id})

    def mentor(self, mentor_id: str) -> Optional[Document]:
        return self._find_one("mentors", {"_id": mentor_id})

    def partner(self, partner_id: str) -> Optional[Document]:
        return self._find_one("partners", {"_id": partner_id})

    def known_partners(self, partner_ids: Iterable[str]) -> set[str]:
        return {p["_id"] for p in self._find("partners", {"_id": {"$in": sorted(partner_ids)}},
                                             {"_id": 1})}

    def remember(self, collection: str, id_: str, fields: Document) -> None:
        """Upsert the local copy of a partner, mentor or student's status."""
        # what remember_copy uses of a unit of work is its db and session: the records have both
        remember_copy(self, collection, id_, fields)

    def remember_enrolment(self, student_id: str, fields: Document) -> None:
        """A student's local copy; a status change that overtook the enrolment
        keeps its status."""
        self.db.students.update_one({"_id": student_id},
                                    {"$set": fields, "$setOnInsert": {"status": "active"}},
                                    upsert=True, session=self.session)

    def remember_enrolments(self, enrolled: list[Document]) -> None:
        """``remember_enrolment`` for many ``student_enrolled`` data at once."""
        remember_copies(self.db.students, [
            (data["student_id"], {"name": data["name"], "student_number": data["student_number"],
                                  "programme_id": data["programme_id"],
                                  "partner_id": data["partner_id"]}, {"status": "active"})
            for data in enrolled], session=self.session)

    # -- reads of the entrypoints (outside a transaction) ----------------------

    def page(self, collection: str, criteria: Document, params: Document) -> Document:
        """A list page of ``collection`` (``college_platform.repository.page``)."""
        result: Document = page(self.db[collection], criteria, params["offset"],
                                params["limit"], params.get("sort"))
        return result

    def student_summary_sources(self, ids: list[str]) -> Document:
        """What the students' summaries are made of, grouped by student (or
        by team or placement)."""
        db, asked = self.db, {"$in": ids}
        memberships = group_by(db.memberships.find({"student_id": asked}), "student_id")
        grades = group_by(db.grades.find({"student_id": asked}), "student_id")
        project_ids = {m["project_id"] for group in memberships.values() for m in group} | \
            {g["project_id"] for group in grades.values() for g in group}
        team_ids = {m["team_id"] for group in memberships.values() for m in group} | \
            {g["team_id"] for group in grades.values() for g in group}
        placements = group_by(db.placements.find({"student_id": asked}), "student_id")
        placement_ids = [p["_id"] for group in placements.values() for p in group]
        return {
            "students": {s["_id"]: s for s in db.students.find({"_id": asked})},
            "memberships": memberships, "grades": grades,
            "projects": {p["_id"]: p for p in db.projects.find(
                {"_id": {"$in": list(project_ids)}})},
            "deliverables": group_by(db.deliverables.find(
                {"team_id": {"$in": list(team_ids)}},
                {"team_id": 1, "milestone_id": 1, "version": 1, "late": 1}), "team_id"),
            "placements": placements,
            "checkins": group_by(db.checkins.find({"placement_id": {"$in": placement_ids}},
                                                  {"summary": 0}), "placement_id"),
            "alerts": group_by(db.checkin_alerts.find({"placement_id": {"$in": placement_ids}}),
                               "placement_id"),
            "feedback": group_by(db.feedback.find({"student_id": asked}, {"comment": 0}),
                                 "student_id"),
        }

    def enterprise_summary_sources(self, ids: list[str]) -> Document:
        """What the enterprises' summaries are made of, grouped by enterprise:
        their tallies, their newest projects (those the tallies list), their
        feedback; ``subjects`` are the placements and projects feedback was
        given on. Reads by id and by enterprise, never all of its projects."""
        db, asked = self.db, {"$in": ids}
        tallies = {tally["_id"]: tally for tally in db.enterprise_tallies.find({"_id": asked})}
        feedback = group_by(db.feedback.find({"enterprise_id": asked}, {"comment": 0}),
                            "enterprise_id")
        about: dict[str, list[str]] = {"placement": [], "project": []}
        for group in feedback.values():
            for item in group:
                about.setdefault(item["subject_kind"], []).append(item["subject_id"])
        newest = [entry["id"] for tally in tallies.values() for entry in tally.get("newest", [])]
        projects = {p["_id"]: p for p in db.projects.find(
            {"_id": {"$in": newest + about["project"]}}, {
                "title": 1, "enterprise_id": 1, "status": 1, "status_history": 1,
                "created_at": 1, "delivered_on": 1, "end_date": 1})}
        subjects = {("placement", p["_id"]): p for p in db.placements.find(
            {"_id": {"$in": about["placement"]}}, {"ends_on": 1, "ended_on": 1})}
        subjects.update({("project", id_): p for id_, p in projects.items()})
        return {"partners": {p["_id"]: p for p in db.partners.find({"_id": asked})},
                "tallies": tallies,
                "projects": {enterprise_id: [projects[entry["id"]]
                                             for entry in tally.get("newest", [])
                                             if entry["id"] in projects]
                             for enterprise_id, tally in tallies.items()},
                "feedback": feedback, "subjects": subjects}

    def indicator_sources(self) -> Document:
        """Every document the dashboard's facts count, with the fields they need."""
        db = self.db
        return {
            "projects": list(db.projects.find({}, {"enterprise_id": 1, "status": 1,
                                                   "status_history": 1, "on_time": 1,
                                                   "delivered_on": 1, "end_date": 1})),
            "feedback": list(db.feedback.find({}, {
                "direction": 1, "enterprise_id": 1, "student_id": 1, "average": 1,
                "created_at": 1, "subject_kind": 1, "subject_id": 1})),
            "placements": list(db.placements.find({}, {
                "student_id": 1, "enterprise_id": 1, "starts_on": 1, "ends_on": 1,
                "ended_on": 1})),
            "checkins": group_by(db.checkins.find({}, {"placement_id": 1, "week_starting": 1,
                                                       "status": 1}), "placement_id"),
            "alerts": group_by(db.checkin_alerts.find({}, {"placement_id": 1,
                                                           "week_starting": 1}),
                               "placement_id"),
            "programmes": {s["_id"]: s.get("programme_id")
                           for s in db.students.find({}, {"programme_id": 1})},
        }


def tallies_count_every_project(db: Database) -> None:
    """Give a tally to each enterprise whose projects were stored before
    tallies were kept (run at start; safe to run again). One whose first
    project is being written at that very moment may be counted by both.
    Done once: every project written since is counted as it is written, so
    later starts read one document instead of every enterprise's."""
    if db.migrations.find_one({"_id": "enterprise_tallies"}) is not None:
        return
    tallied = {tally["_id"] for tally in db.enterprise_tallies.find({}, {"_id": 1})}
    for enterprise_id in db.projects.distinct("enterprise_id"):
        if enterprise_id in tallied:
            continue
        projects = list(db.projects.find({"enterprise_id": enterprise_id},
                                         {"status": 1, "status_history": 1, "created_at": 1}))
        try:
            db.enterprise_tallies.insert_one(
                {"_id": enterprise_id, **summaries.project_tally(projects)})
        except DuplicateKeyError:  # a write counted its projects meanwhile
            pass
    db.migrations.update_one({"_id": "enterprise_tallies"},
                             {"$setOnInsert": {"done_at": utcnow()}}, upsert=True)
