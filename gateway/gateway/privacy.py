"""Who sees which personal data: the masking rule for every JSON body the
gateway answers, in plain code.

Data minimisation (PIPL art. 6): a role sees a person's identity number,
passport, birth date, phone, e-mail and address only as far as its work needs.
The admissions office (and the administrator) handle applicants' identity
documents and contact them, so they see everything; the certificate office
registers students with the certifying bodies, which need the identity
document and birth date; an enterprise user needs to know that an apprentice
is of working age (the birth year) and to recognise the contact number on file
(its last four digits), nothing more; teachers and coordinators never need
identity documents. A student sees their own data in full.

``identity_key`` is the applicant record's key for finding a person again
(``cn:<resident id>`` or ``passport:<country>:<number>``): it holds the
identity document, so exactly who sees the document in full sees it.
"""
FULL = "full"
BIRTH_YEAR = "birth_year"
LAST_FOUR = "last_four"
HIDDEN = "hidden"

PERSONAL_FIELDS = ("resident_id", "passport", "birth_date", "phone", "email", "address",
                   "identity_key")
HIDDEN_VALUE = "***"

EVERYTHING = dict.fromkeys(PERSONAL_FIELDS, FULL)
_NOTHING = dict.fromkeys(PERSONAL_FIELDS, HIDDEN)

RULES = {
    "admin": EVERYTHING,
    "admissions_officer": EVERYTHING,
    "certificate_officer": {**_NOTHING, "resident_id": FULL, "passport": FULL,
                            "identity_key": FULL, "birth_date": FULL, "phone": LAST_FOUR},
    "enterprise_user": {**_NOTHING, "resident_id": BIRTH_YEAR, "birth_date": BIRTH_YEAR,
                        "phone": LAST_FOUR},
    "teacher": {**_NOTHING, "birth_date": BIRTH_YEAR, "phone": LAST_FOUR},
    "project_coordinator": {**_NOTHING, "birth_date": BIRTH_YEAR, "phone": LAST_FOUR},
    "mentor_coordinator": {**_NOTHING, "birth_date": BIRTH_YEAR, "phone": LAST_FOUR},
    "student": _NOTHING,
}

# the ids that name whose data an object holds, most specific first
_OWNER_KEYS = ("applicant_id", "student_id", "id")
_MARKERS = tuple(('"%s"' % name).encode() for name in PERSONAL_FIELDS)


def rule_for(role, own_data=False):
    """The treatment of each personal field for a role; unknown roles see nothing.
    ``own_data``: a student reading their own record."""
    if role == "student" and own_data:
        return EVERYTHING
    return RULES.get(role, _NOTHING)


def may_hold_personal_data(raw_json):
    """A cheap test on the encoded body, so most responses are never parsed."""
    return any(marker in raw_json for marker in _MARKERS)


def mask_value(treatment, value):
    if value is None or treatment == FULL:
        return value
    if isinstance(value, dict):
        return {key: mask_value(treatment, item) for key, item in value.items()}
    if isinstance(value, list):
        return [mask_value(treatment, item) for item in value]
    text = str(value)
    if treatment == LAST_FOUR and len(text) > 4:
        return "*" * (len(text) - 4) + text[-4:]
    if treatment == BIRTH_YEAR:
        return _birth_year_only(text)
    return HIDDEN_VALUE


def _birth_year_only(text):
    if len(text) == 18:  # a resident identity number: region(6) birth date(8) serial(4)
        return "*" * 6 + text[6:10] + "*" * 8
    if len(text) == 10 and text[4] == "-":  # an ISO date
        return text[:4] + "-**-**"
    return HIDDEN_VALUE


def apply_rule(body, rule):
    """``(masked body, owners)``: the body with every personal field (at any
    depth) masked by ``rule``, and the ids of the objects whose personal data
    went out unmasked, for the audit trail."""
    owners = []
    return _walk(body, rule, owners, None), owners


def _walk(value, rule, owners, owner):
    if isinstance(value, list):
        return [_walk(item, rule, owners, owner) for item in value]
    if not isinstance(value, dict):
        return value
    owner = next((value[key] for key in _OWNER_KEYS if isinstance(value.get(key), str)), owner)
    masked = {}
    for key, item in value.items():
        if key in rule:
            masked[key] = mask_value(rule[key], item)
            if rule[key] == FULL and item not in (None, "") and owner not in owners:
                owners.append(owner)
        else:
            masked[key] = _walk(item, rule, owners, owner)
    return masked
