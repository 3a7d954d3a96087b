"""An in-memory ``ProjectsRecords``: the same verbs over dicts, so the
workflows are unit-tested with ``college_platform.fakes.FakeUnitOfWork`` and
no database. Documents are copied in and out, as a database would; an id
already taken raises ``DuplicateKeyError``, as the unique indexes do."""
import copy

from pymongo.errors import DuplicateKeyError

from college_platform.envelope import utcnow
from college_platform.errors import NotFound

COLLECTIONS = ("projects", "teams", "memberships", "deliverables", "reviews", "grades",
               "placements", "checkins", "checkin_alerts", "feedback", "external_refs",
               "superseded_updates", "students", "mentors", "partners")


class FakeProjectsRecords:

    def __init__(self):
        self.data = {name: {} for name in COLLECTIONS}

    # -- helpers ---------------------------------------------------------------

    def _all(self, collection, **where):
        return [copy.deepcopy(d) for d in self.data[collection].values()
                if all(d.get(key) == value for key, value in where.items())]

    def _get(self, collection, id_, what):
        if id_ not in self.data[collection]:
            raise NotFound("%s %s does not exist" % (what, id_), id=id_)
        return copy.deepcopy(self.data[collection][id_])

    def _find_one(self, collection, id_):
        document = self.data[collection].get(id_)
        return copy.deepcopy(document) if document is not None else None

    def _insert(self, collection, document):
        if document["_id"] in self.data[collection]:
            raise DuplicateKeyError("%s %s exists" % (collection, document["_id"]))
        self.data[collection][document["_id"]] = copy.deepcopy(document)

    def _update(self, collection, id_, changes):
        self.data[collection][id_].update(copy.deepcopy(changes))

    # -- projects ----------------------------------------------------------------

    def project(self, project_id):
        return self._get("projects", project_id, "project")

    def find_project(self, project_id):
        return self._find_one("projects", project_id)

    def add_projects(self, projects):
        for project in projects:
            self._insert("projects", project)

    def set_milestones(self, project_id, milestones):
        self._update("projects", project_id, {"milestones": milestones})

    def move_project(self, read, changes, history):
        project = self.data["projects"].get(read["_id"])
        if project is None or project["status"] != read["status"]:
            return False
        project.update(copy.deepcopy(changes))
        project.setdefault("status_history", []).append(copy.deepcopy(history))
        return True

    def revise_terms(self, project_id, changes, revision):
        self._update("projects", project_id, {**changes, "revision": revision})

    def accept_milestone(self, project_id, title, accepted_on, comment):
        for milestone in self.data["projects"][project_id]["milestones"]:
            if milestone["title"] == title:
                milestone.update(accepted_on=accepted_on, acceptance_comment=comment)
                return

    def member_ids(self, project_id):
        return [m["student_id"] for m in self._all("memberships", project_id=project_id)]

    def project_id_for_ref(self, ref_id):
        ref = self.data["external_refs"].get(ref_id)
        return None if ref is None else ref["project_id"]

    def add_new_projects(self, projects):
        for project in projects:
            if project["_id"] not in self.data["projects"]:
                self._insert("projects", project)

    def refs_of(self, ref_ids):
        return {ref_id: self.data["external_refs"][ref_id]["project_id"]
                for ref_id in ref_ids if ref_id in self.data["external_refs"]}

    def claim_refs(self, refs):
        stored = {}
        for ref_id, project_id in refs:
            if ref_id in self.data["external_refs"]:
                stored.setdefault(ref_id, self.data["external_refs"][ref_id]["project_id"])
            else:
                self._insert("external_refs", {"_id": ref_id, "project_id": project_id})
        return stored

    def add_refs(self, refs):
        for ref_id, project_id in refs:
            self._insert("external_refs", {"_id": ref_id, "project_id": project_id})

    def record_superseded(self, update):
        self.data["superseded_updates"][len(self.data["superseded_updates"])] = update

    # -- teams and memberships -----------------------------------------------------

    def team(self, team_id):
        return self._get("teams", team_id, "team")

    def teams_of(self, project_id):
        return self._all("teams", project_id=project_id)

    def members_among(self, project_id, student_ids):
        return [m["student_id"] for m in self._all("memberships", project_id=project_id)
                if m["student_id"] in student_ids]

    def is_member(self, project_id, student_id):
        return bool(self._all("memberships", project_id=project_id, student_id=student_id))

    def add_team(self, team, memberships):
        self._insert("teams", team)
        for membership in memberships:
            self._insert("memberships", membership)

    def memberships_of(self, student_id):
        return self._all("memberships", student_id=student_id)

    def remove_member(self, membership, removal):
        team = self.data["teams"][membership["team_id"]]
        team["student_ids"] = [s for s in team["student_ids"] if s != membership["student_id"]]
        team["removed"].append(copy.deepcopy(removal))
        del self.data["memberships"][membership["_id"]]

    def set_team_mentor(self, team_id, mentor_id):
        if team_id in self.data["teams"]:
            self._update("teams", team_id, {"team_mentor_id": mentor_id})

    def assigned_to(self, student_id, enterprise_id):
        return any(student_id in t["student_ids"] for t in
                   self._all("teams", enterprise_id=enterprise_id)) or \
            bool(self._all("placements", student_id=student_id, enterprise_id=enterprise_id))

    # -- deliverables, reviews and grades --------------------------------------

    def deliverable(self, deliverable_id):
        return self._get("deliverables", deliverable_id, "deliverable")

    def deliverable_in_context(self, deliverable_id):
        deliverable = self._get("deliverables", deliverable_id, "deliverable")
        return (deliverable, self._get("teams", deliverable["team_id"], "team"),
                self._find_one("projects", deliverable["project_id"]))

    def latest_version(self, team_id, milestone_id):
        versions = self._all("deliverables", team_id=team_id, milestone_id=milestone_id)
        return max(versions, key=lambda d: d["version"]) if versions else None

    def add_deliverable(self, deliverable):
        if self._all("deliverables", team_id=deliverable["team_id"],
                     milestone_id=deliverable["milestone_id"], version=deliverable["version"]):
            raise DuplicateKeyError("one_version")
        self._insert("deliverables", deliverable)

    def deliverables_of(self, team_id):
        return self._all("deliverables", team_id=team_id)

    def reviews_of_team(self, team_id):
        return self._all("reviews", team_id=team_id)

    def reviews_of(self, deliverable_id, limit=100):
        return sorted(self._all("reviews", deliverable_id=deliverable_id),
                      key=lambda r: r["created_at"])[:limit]

    def add_review(self, review):
        self._insert("reviews", review)

    def add_grade(self, grade):
        self._insert("grades", grade)

    # -- placements, check-ins and alerts --------------------------------------

    def placement(self, placement_id):
        return self._get("placements", placement_id, "placement")

    def add_placement(self, placement):
        self._insert("placements", placement)

    def has_placed(self, student_id, enterprise_id):
        return bool(self._all("placements", student_id=student_id, enterprise_id=enterprise_id))

    def open_placements_of(self, student_id):
        return self._all("placements", student_id=student_id, status="active")

    def end_placement(self, placement_id, changes):
        placement = self.data["placements"].get(placement_id)
        if placement is None or placement["status"] != "active":
            return False
        placement.update(copy.deepcopy(changes))
        return True

    def add_hours(self, placement_id, hours):
        self.data["placements"][placement_id]["hours"] += hours

    def mark_swept(self, placement_id):
        self._update("placements", placement_id, {"sweep_done": True})

    def placements_to_sweep(self):
        return [p["_id"] for p in self._all("placements") if p.get("sweep_done") is not True]

    def placement_and_checkin(self, placement_id, checkin_id):
        return (self._get("placements", placement_id, "placement"),
                self._find_one("checkins", checkin_id))

    def checkins_of(self, placement_id):
        return self._all("checkins", placement_id=placement_id)

    def add_checkin(self, checkin):
        self._insert("checkins", checkin)

    def confirm_checkin(self, checkin_id, by, at):
        checkin = self.data["checkins"].get(checkin_id)
        if checkin is None or checkin["status"] != "logged":
            return False
        checkin.update(status="confirmed", confirmed_by=by, confirmed_at=at)
        return True

    def has_alert(self, alert_id):
        return alert_id in self.data["checkin_alerts"]

    def add_alert(self, alert):
        self._insert("checkin_alerts", alert)

    # -- feedback --------------------------------------------------------------

    def has_feedback(self, feedback_id):
        return feedback_id in self.data["feedback"]

    def add_feedback(self, feedback):
        self._insert("feedback", feedback)

    # -- local copies of other services' records -------------------------------

    def students(self, student_ids):
        return {s: self._find_one("students", s) for s in student_ids
                if s in self.data["students"]}

    def student(self, student_id):
        return self._find_one("students", student_id)

    def mentor(self, mentor_id):
        return self._find_one("mentors", mentor_id)

    def partner(self, partner_id):
        return self._find_one("partners", partner_id)

    def known_partners(self, partner_ids):
        return {p for p in partner_ids if p in self.data["partners"]}

    def remember(self, collection, id_, fields):
        document = self.data[collection].setdefault(id_, {"_id": id_})
        document.update(copy.deepcopy(fields), updated_at=utcnow())

    def remember_enrolments(self, enrolled):
        for data in enrolled:
            self.remember_enrolment(data["student_id"], {
                key: data[key] for key in ("name", "student_number", "programme_id",
                                           "partner_id")})

    def remember_enrolment(self, student_id, fields):
        document = self.data["students"].setdefault(student_id,
                                                    {"_id": student_id, "status": "active"})
        document.update(copy.deepcopy(fields))
