"""Mentors service entrypoints: industry mentors and college teachers."""
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
from mentors.schemas import (
    MentorQuerySchema,
    MentorSchema,
    NewMentorSchema,
    )

mentor_view = MentorSchema()


class MentorsService(PlatformService):
    name = "mentors"

    store = MongoStore(indexes={
        "mentors": [RECENT_FIRST, IndexModel("enterprise_id", name="by_enterprise")],
    })

    @rpc
    def register_mentor(self, payload):
        """Register an industry mentor (from a known partner) or a teacher;
        announces ``mentor_registered``.

        payload: {"name": "李强", "kind": "industry", "enterprise_id": "<partner id>",
                  "expertise": ["PLC"], "load_limit": 4}
        """
        fields = load(NewMentorSchema(), payload)
        mentor = {"_id": new_id(), **fields, "created_at": utcnow()}

        def register(uow):
            if mentor["enterprise_id"] and not uow.db.partners.find_one(
                    {"_id": mentor["enterprise_id"]}, session=uow.session):
                raise InvalidInput("the mentor's enterprise is not a known partner", errors={
                    "enterprise_id": ["Unknown partner enterprise %s." % mentor["enterprise_id"]]})
            uow.db.mentors.insert_one(mentor, session=uow.session)
            uow.emit("mentor_registered", checked("mentors", "mentor_registered", {
                "mentor_id": mentor["_id"], "name": mentor["name"], "kind": mentor["kind"],
                "enterprise_id": mentor["enterprise_id"],
            }))

        self.store.transact(register)
        return mentor_view.dump(mentor)

    @rpc
    def get_mentor(self, mentor_id):
        return mentor_view.dump(get_or_raise(self.store.db.mentors, mentor_id, "mentor"))

    @rpc
    def list_mentors(self, query=None):
        params = load(MentorQuerySchema(), query or {})
        criteria = {"enterprise_id": params["enterprise_id"]} if params["enterprise_id"] else {}
        return paged_view(self.store.db.mentors, criteria, params, mentor_view)

    @rpc
    def get_partner(self, partner_id):
        """The local copy of a partner, as learnt from enrollment's events."""
        return get_or_raise(self.store.db.partners, partner_id, "partner")

    @event_handler("enrollment", "partner_registered")
    def on_partner_registered(self, event):
        data = read(event)

        self.store.handle_once(event, lambda uow: remember_copy(
            uow, "partners", data["partner_id"], {"legal_name": data["legal_name"]}))
