"""Account lifecycle routes: administrators list, disable, enable and change
accounts and reset passwords; every user changes their own password and signs
out. Each change that alters what a token may do ends the account's sessions
at once (``gateway.accounts``); each is in the audit trail as kind
``account``, with what changed (never a password)."""
from college_platform.errors import InvalidInput
from college_platform.http import json_response
from college_platform.repository import page
from college_platform.validation import load
from gateway import users
from gateway.api import Page, route
from gateway.auth import ADMIN, ROLES
from gateway.schemas import (
    OwnPasswordSchema,
    PasswordResetSchema,
    TokenSchema,
    UserQuerySchema,
    UserSchema,
    UserScopeSchema,
)

user_view = UserSchema()


def audited(request, action, **details):
    """What the audit record of this request says beyond who, where and how it ended."""
    request.audit_details = {"action": action, **details}


class AccountRoutes:

    @route("GET", "/v1/users", roles=(ADMIN,), summary="List user accounts",
           query=UserQuerySchema, response=Page(UserSchema))
    def list_users(self, request):
        params = load(UserQuerySchema(), dict(request.args))
        query = {key: params[key] for key in ("role", "enterprise_id", "disabled")
                 if key in params}
        if query.get("disabled") is False:  # accounts from before disabling existed
            query["disabled"] = {"$ne": True}
        found = page(self.store.db.users, query, params["offset"], params["limit"])
        found["items"] = user_view.dump(found["items"], many=True)
        return json_response(200, found)

    @route("GET", "/v1/users/<username>", roles=(ADMIN,), summary="One user account",
           response=UserSchema)
    def get_user(self, request, username):
        return json_response(200, user_view.dump(users.get_user(self.store.db, username)))

    @route("PATCH", "/v1/users/<username>", roles=(ADMIN,), audit="account",
           summary="Change an account's role, enterprise or linked records (its sessions end)",
           body=UserScopeSchema, response=UserSchema)
    def change_user(self, request, username):
        """{"role": "enterprise_user", "enterprise_id": "<partner id>"}"""
        audited(request, "scope_changed")
        fields = load(UserScopeSchema(), request.json_body)
        before, after = users.change_scope(self.store.db, username, fields)
        self.accounts.forget(username)
        audited(request, "scope_changed",
                before={field: before.get(field) for field in users.SCOPE_FIELDS},
                after={field: after.get(field) for field in users.SCOPE_FIELDS})
        return json_response(200, user_view.dump(after))

    @route("POST", "/v1/users/<username>/disable", roles=(ADMIN,), audit="account",
           summary="Disable an account: its sessions end at once", response=UserSchema)
    def disable_user(self, request, username):
        audited(request, "disabled")
        if username == request.principal.subject:
            raise InvalidInput("an administrator cannot disable their own account",
                               errors={"username": ["Ask another administrator."]})
        user = users.set_disabled(self.store.db, username, True)
        self.accounts.forget(username)
        return json_response(200, user_view.dump(user))

    @route("POST", "/v1/users/<username>/enable", roles=(ADMIN,), audit="account",
           summary="Enable a disabled account (it signs in anew)", response=UserSchema)
    def enable_user(self, request, username):
        audited(request, "enabled")
        user = users.set_disabled(self.store.db, username, False)
        self.accounts.forget(username)
        return json_response(200, user_view.dump(user))

    @route("POST", "/v1/users/<username>/password", roles=(ADMIN,), audit="account",
           summary="Reset an account's password (its sessions end)",
           body=PasswordResetSchema, response=UserSchema)
    def reset_password(self, request, username):
        """{"password": "at least 12 characters"}"""
        audited(request, "password_reset")
        fields = load(PasswordResetSchema(), request.json_body)
        user = users.reset_password(self.store.db, username, fields["password"])
        self.accounts.forget(username)
        return json_response(200, user_view.dump(user))

    @route("POST", "/v1/me/password", roles=ROLES, audit="account",
           summary="Change your own password: your other sessions end, this answer holds "
                   "a new token", body=OwnPasswordSchema, response=TokenSchema)
    def change_own_password(self, request):
        """{"current_password": "...", "new_password": "at least 12 characters"}"""
        audited(request, "password_changed")
        fields = load(OwnPasswordSchema(), request.json_body)
        username = request.principal.subject
        user = users.change_own_password(self.store.db, username, fields["current_password"],
                                         fields["new_password"])
        self.accounts.forget(username)
        return json_response(200, self.token_answer(users.principal_of(user)))

    @route("POST", "/v1/auth/sign-out", roles=ROLES, audit="account", status=204,
           summary="Sign out: every session of your account ends")
    def sign_out(self, request):
        audited(request, "signed_out")
        users.end_sessions(self.store.db, request.principal.subject)
        self.accounts.forget(request.principal.subject)
        return 204, ""
