"""Test data and steps shared by enrollment's integration tests."""
from datetime import date

from testkit.calls import call

PARTNER = {"legal_name": "深圳智造科技有限公司", "credit_code": "91350100M000100Y43",
           "industry": "智能制造"}
OTHER_PARTNER = {"legal_name": "Hangzhou Robotics Co., Ltd.",
                 "credit_code": "91110000100000000R", "industry": "robotics"}
TERMS = "学徒期三年，企业按月发放学徒津贴，学校负责理论教学。"


def resident_id(birth, serial):
    """A valid resident identity number for a birth date and a 3-digit serial."""
    from enrollment.domain import resident_id_check_character
    first_17 = "110105%s%03d" % (birth.strftime("%Y%m%d"), serial)
    return first_17 + resident_id_check_character(first_17)


def adult(serial, name="李明"):
    return {"name": name, "resident_id": resident_id(date(2005, 3, 1), serial),
            "phone": "13800138000"}


def partner_with_agreement(container, partner=PARTNER, codes=("2027-MA-CNC",)):
    registered = call(container, "register_partner", partner)
    agreement = call(container, "create_agreement", {
        "partner_id": registered["id"], "title": "数控技术现代学徒制合作协议",
        "starts_on": "2020-01-01", "ends_on": "2099-12-31", "programme_codes": list(codes)})
    call(container, "change_agreement_status", agreement["id"], {"status": "active"})
    return registered


def programme(container, partner_id, capacity=40, seats=30, code="2027-MA-CNC",
              kind="apprenticeship"):
    return call(container, "create_programme", {
        "code": code, "name": "数控技术现代学徒制班", "kind": kind, "intake_year": 2027,
        "capacity": capacity, "quotas": [{"partner_id": partner_id, "seats": seats}],
        "courses": [{"code": "CNC101", "name": "数控编程", "credits": 4}]})


def interviewed(container, programme_id, applicant):
    application = call(container, "apply", {"programme_id": programme_id,
                                            "applicant": applicant})
    call(container, "screen_application", application["id"], {"passed": True})
    return call(container, "interview_application", application["id"],
                {"passed": True, "score": 80, "interviewer": "王芳"})


def collect_events(amqp_uri, queue, count, timeout=15):
    """The data of the first ``count`` events on a probe queue, in order;
    drained messages are kept between polls (draining acknowledges them)."""
    from testkit.amqp import drain
    from testkit.servers import wait_until
    seen = []

    def enough():
        seen.extend(body["data"] for body, _ in drain(amqp_uri, queue))
        return seen if len(seen) >= count else None

    return wait_until(enough, timeout=timeout, message="%d events on %s" % (count, queue))
