"""The evidence pack's document without a server: standalone and printable,
in either language, every value escaped, the figures as CSV rows."""
import base64
import hashlib
import re

from gateway import evidence_pack
from gateway.protection import CONTENT_SECURITY_POLICY

ACCOUNT = {
    "partner_id": "ent-a", "year": 2027, "rate": {"mentor_hour_cny": 300.0, "set": True},
    "inputs": {"mentor_hours": 6.5, "mentor_hours_value_cny": 1950.0,
               "equipment_value_cny": 100000.0, "funds_value_cny": 0.0,
               "placements_hosted": 2, "teachers_hosted": 1, "projects_posted": 1,
               "total_value_cny": 101950.0},
    "returns": {"hires": 1, "hires_checked_6_months": 1, "hires_retained_6_months": 1,
                "hires_checked_12_months": 0, "hires_retained_12_months": 0,
                "deliverables_accepted": 3, "intern_hours": 76.0, "certificates_earned": 1},
    "rules": {"mentor_hours": "approved hours", "intern_hours": "=confirmed weeks"},
}
ATTACK = "<script>alert('x')</script>"


def pack(name="深圳智造科技有限公司", title="数控技术现代学徒制合作协议", agreements=None):
    return {"partner": {"id": "ent-a", "legal_name": name, "credit_code": "91350100M000100Y43",
                        "industry": "智能制造"},
            "year": 2027, "as_of": "2027-12-31", "costs_and_returns": ACCOUNT,
            "agreements": [{"id": "ag-1", "title": title, "starts_on": "2026-09-01",
                            "ends_on": "2029-08-31", "status": "active", "commitments": {
                                "fulfilment": {"enterprise": 0.75, "college": None},
                                "clauses": [{"id": "seats", "party": "enterprise",
                                             "metric": "seats_filled", "target": 30.0,
                                             "progress": 12.0, "due_on": "2027-09-30",
                                             "status": "at_risk",
                                             "description": "招收学徒30名"}]}}]
            if agreements is None else agreements}


def test_markup_in_any_value_is_printed_as_text_never_run():
    document = evidence_pack.render(pack(name=ATTACK, title=ATTACK), "zh-CN")
    assert "<script" not in document
    assert document.count("&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;") >= 3


def test_the_document_stands_alone_and_prints_on_a4_with_page_breaks():
    document = evidence_pack.render(pack(), "zh-CN")
    assert document.startswith("<!DOCTYPE html>")
    assert "@page { size: A4" in document and "break-before: page" in document
    assert not re.search(r"<(link|script|img|iframe)\b", document)
    assert not re.search(r"(src|href)=|url\(|@import", document), "nothing loaded"
    style = re.search(r"<style>(.*)</style>", document, re.S).group(1)
    digest = "'sha256-%s'" % base64.b64encode(hashlib.sha256(style.encode()).digest()).decode()
    assert digest in evidence_pack.CONTENT_SECURITY_POLICY
    assert digest in CONTENT_SECURITY_POLICY, "the console may open it with its style"


def test_chinese_by_default_with_the_enterprise_agreements_scores_and_figures():
    document = evidence_pack.render(pack(), "zh-CN")
    for expected in ('lang="zh-CN"', "深圳智造科技有限公司", "91350100M000100Y43",
                     "数控技术现代学徒制合作协议", "有风险", "75%", "尚无到期条款",
                     "导师课时折算价值（元）", "1950", "101950", "统计口径", "76"):
        assert expected in document, expected


def test_english_uses_the_services_rules_and_says_when_no_rate_is_set():
    unvalued = {**ACCOUNT, "rate": {"mentor_hour_cny": None, "set": False},
                "inputs": {**ACCOUNT["inputs"], "mentor_hours_value_cny": None}}
    document = evidence_pack.render({**pack(agreements=[]), "costs_and_returns": unvalued},
                                    "en")
    for expected in ('lang="en"', "Value of the mentor hours (CNY)", "unknown (no rate set)",
                     "not set for the year", "approved hours",
                     "No agreement was in force during the year."):
        assert expected in document, expected


def test_the_csv_has_one_row_per_figure_and_defuses_formulas():
    body = evidence_pack.csv_response(ACCOUNT, "costs").get_data(as_text=True)
    lines = body.lstrip("\ufeff").splitlines()
    assert lines[0] == "year,section,measure,value,rule"
    assert len(lines) == 1 + len(evidence_pack.INPUTS) + len(evidence_pack.RETURNS)
    assert "2027,inputs,mentor_hours_value_cny,1950.0," in body
    assert "'=confirmed weeks" in body
