"""The certificates service's parts of the aggregated views and its dashboard
facts (docs/views.md), shaped from stored documents by plain functions."""
from college_platform.summaries import Facts, put_capped
from college_platform.terms import term_of


def _iso(value):
    return value.isoformat() if hasattr(value, "isoformat") else value


def _newest_first(items, key="created_at"):
    return sorted(items, key=lambda item: (_iso(item.get(key)) or "", item["_id"]),
                  reverse=True)


def student_part(candidate, registrations, issued, grants, awards=()):
    """A candidate's registrations, results, certificates, credits and
    competition awards; ``{}`` for a candidate the service has never heard of."""
    if candidate is None and not (registrations or issued or grants or awards):
        return {}
    registrations = _newest_first(registrations)
    part = {}
    put_capped(part, "registrations", [{
        "registration_id": r["_id"], "session_id": r["session_id"],
        "certificate_code": r["certificate_code"], "level": r["level"],
        "status": r["status"], "waitlist_position": r.get("waitlist_position"),
        "registered_at": _iso(r["created_at"])} for r in registrations])
    with_result = sorted((r for r in registrations if r.get("result")),
                         key=lambda r: _iso(r["result"]["recorded_at"]), reverse=True)
    put_capped(part, "results", [{
        "registration_id": r["_id"], "certificate_code": r["certificate_code"],
        "level": r["level"], "theory": r["result"]["theory"],
        "practical": r["result"]["practical"], "passed": r["result"]["passed"],
        "recorded_at": _iso(r["result"]["recorded_at"]),
        "certificate_number": r.get("certificate_number")} for r in with_result])
    put_capped(part, "certificates", [{
        "certificate_id": i["_id"], "number": i["_id"],
        "certificate_code": i["certificate_code"], "level": i["level"],
        "issued_on": i["issued_on"], "status": "revoked" if i["revoked"] else "valid"}
        for i in _newest_first(issued)])
    credits = {"total": sum(g["credits"] for g in grants)}
    put_capped(credits, "grants", [{
        "certificate_number": g["certificate_number"], "award_id": g.get("award_id"),
        "programme_id": g["programme_id"], "credits": g["credits"],
        "course_exemptions": list(g["course_exemptions"])}
        for g in _newest_first(grants)])
    part["credits"] = credits
    put_capped(part, "awards", [{
        "award_id": a["_id"], "competition_id": a["competition_id"],
        "competition_name": a["competition_name"], "level": a["level"],
        "award": a["award"], "held_on": a["held_on"], "status": a["status"],
        "certificate_number": a.get("certificate_number")}
        for a in _newest_first(awards, "held_on")])
    return part


def enterprise_part(students, issued):
    """Certificates held by the students an enterprise sponsors: revoked ones
    do not count. ``{}`` when the service knows no such student."""
    if not students:
        return {}
    ids = {s["_id"] for s in students}
    valid = [i for i in issued if i["candidate_id"] in ids and not i["revoked"]]
    return {"students_certified": len({i["candidate_id"] for i in valid}),
            "certificates_issued": len(valid)}


def indicator_facts(registrations, exam_dates, candidates, grants, awards=()):
    """``registrations`` (live ones, breakdown ``<code>/<level>``),
    ``results_total`` and ``results_passed`` in the term of the exam date;
    ``credits_converted``: the credits of the grants in force (granted net of
    reversals) in the term they were granted; ``awards``: one per competition
    award in force, in the term of the day the competition was held,
    breakdown ``<competition level>``. Programme and enterprise are the
    candidate's (none for a teacher).

    ``exam_dates``: {session_id: "2027-06-12"}; ``candidates``: {id: candidate}.
    """
    facts = Facts()
    for registration in registrations:
        if registration["status"] == "cancelled":
            continue
        candidate = candidates.get(registration["candidate_id"]) or {}
        where = {"term": term_of(exam_dates.get(registration["session_id"])),
                 "programme_id": candidate.get("programme_id"),
                 "enterprise_id": candidate.get("partner_id"),
                 "breakdown": "%s/%s" % (registration["certificate_code"],
                                         registration["level"])}
        facts.add("registrations", 1, **where)
        result = registration.get("result")
        if result:
            facts.add("results_total", 1, **where)
            facts.add("results_passed", 1 if result["passed"] else 0, **where)
    for grant in grants:
        candidate = candidates.get(grant["student_id"]) or {}
        facts.add("credits_converted", grant["credits"], term=term_of(grant["created_at"]),
                  programme_id=grant["programme_id"],
                  enterprise_id=candidate.get("partner_id"))
    for award in awards:
        if award.get("status", "awarded") != "awarded":
            continue
        candidate = candidates.get(award["student_id"]) or {}
        facts.add("awards", 1, term=term_of(award["held_on"]),
                  programme_id=candidate.get("programme_id", award.get("programme_id")),
                  enterprise_id=candidate.get("partner_id", award.get("partner_id")),
                  breakdown=award["level"])
    return facts.rows()
