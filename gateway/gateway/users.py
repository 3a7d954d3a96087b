"""The gateway's own user accounts (its database, nobody else's)."""
from pymongo.errors import DuplicateKeyError

from college_platform.envelope import utcnow
from college_platform.errors import Conflict
from gateway.auth import OPTIONAL_CLAIMS, Principal, hash_password, verify_password


def create_user(db, username, password, role, name=None, enterprise_id=None, student_id=None,
                mentor_id=None):
    user = {"_id": username, "password_hash": hash_password(password), "role": role,
            "name": name, "enterprise_id": enterprise_id, "student_id": student_id,
            "mentor_id": mentor_id, "created_at": utcnow()}
    try:
        db.users.insert_one(user)
    except DuplicateKeyError:
        raise Conflict("user %s already exists" % username, field="username")
    return user


def authenticate(db, username, password):
    """The principal for valid credentials, else None."""
    user = db.users.find_one({"_id": username})
    if not verify_password(user["password_hash"] if user else None, password):
        return None
    return Principal(user["_id"], user["role"], **{
        claim: user.get(claim) for claim in OPTIONAL_CLAIMS})
