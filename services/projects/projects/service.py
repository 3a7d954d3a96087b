"""Projects service entrypoints: enterprise projects used as teaching vehicles."""
from nameko.rpc import rpc
from pymongo import IndexModel

from college_contracts import checked, read
from college_platform.envelope import utcnow
from college_platform.errors import InvalidInput
from college_platform.events import event_handler
from college_platform.mongo import MongoStore
from college_platform.repository import (
    RECENT_FIRST,
    get_or_raise,
    new_id,
    paged_view,
    remember_copy,
)
from college_platform.service import PlatformService
from college_platform.validation import load
from projects.schemas import (
    NewProjectSchema,
        ProjectQuerySchema,
    ProjectSchema,
)

project_view = ProjectSchema()


class ProjectsService(PlatformService):
    name = "projects"

    store = MongoStore(indexes={
        "projects": [RECENT_FIRST, IndexModel("enterprise_id", name="by_enterprise")],
    })

    @rpc
    def create_project(self, payload):
        """Draft an enterprise project posted by a known partner; announces
        ``project_drafted``.

        payload: {"title": "产线视觉质检", "enterprise_id": "<partner id>",
                  "brief": "...", "team_size": 4, "start_date": "2027-03-01",
                  "end_date": "2027-06-30", "credit_weight": 2}
        """
        fields = load(NewProjectSchema(), payload)
        project = {"_id": new_id(), **fields, "status": "draft", "created_at": utcnow(),
                   "start_date": fields["start_date"].isoformat(),
                   "end_date": fields["end_date"].isoformat()}

        def draft(uow):
            if not uow.db.partners.find_one({"_id": project["enterprise_id"]},
                                            session=uow.session):
                raise InvalidInput("the posting enterprise is not a known partner", errors={
                    "enterprise_id": ["Unknown partner enterprise %s." % project["enterprise_id"]]})
            uow.db.projects.insert_one(project, session=uow.session)
            uow.emit("project_drafted", checked("projects", "project_drafted", {
                "project_id": project["_id"], "enterprise_id": project["enterprise_id"],
                "title": project["title"], "team_size": project["team_size"],
            }))

        self.store.transact(draft)
        return project_view.dump(project)

    @rpc
    def get_project(self, project_id):
        return project_view.dump(get_or_raise(self.store.db.projects, project_id, "project"))

    @rpc
    def list_projects(self, query=None):
        params = load(ProjectQuerySchema(), query or {})
        criteria = {"enterprise_id": params["enterprise_id"]} if params["enterprise_id"] else {}
        return paged_view(self.store.db.projects, criteria, params, project_view)

    @event_handler("enrollment", "partner_registered")
    def on_partner_registered(self, event):
        data = read(event)

        self.store.handle_once(event, lambda uow: remember_copy(
            uow, "partners", data["partner_id"], {"legal_name": data["legal_name"]}))
