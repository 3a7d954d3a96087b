"""An enterprise's annual evidence pack: one standalone, printable HTML
document (A4, page breaks between sections, no console, nothing loaded from
anywhere), in Chinese or English, from what enrollment answers
(``evidence_pack``): the enterprise, its agreements in force that year with
their clauses and each party's fulfilment, and the year's inputs and returns
with their value and how each figure was counted. Every value is escaped: a
name with markup in it is printed as text, never run.

The same figures as CSV, one row per figure (``costs_rows``)."""
import base64
import hashlib
import html
from datetime import datetime, timezone

from werkzeug.wrappers import Response

from college_contracts.api.enrollment import CostInputsSchema, CostReturnsSchema
from gateway import csv_export

LANGUAGES = ("zh-CN", "en")
HTML = "text/html; charset=utf-8"
# the figures in the contract's order
INPUTS = tuple(CostInputsSchema._declared_fields)
RETURNS = tuple(CostReturnsSchema._declared_fields)

# the document's only style, inline; its hash lets the console open the
# document it fetched (a blob inherits the console's policy) with this style
# and no other
STYLE = """
@page { size: A4; margin: 18mm 16mm; }
body { font-family: "Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", sans-serif;
       font-size: 10.5pt; color: #111; margin: 0 auto; max-width: 180mm; }
h1 { font-size: 17pt; margin: 0 0 4mm; }
h2 { font-size: 13pt; margin: 8mm 0 3mm; border-bottom: 1px solid #999; }
h3 { font-size: 11pt; margin: 5mm 0 2mm; }
table { border-collapse: collapse; width: 100%; margin: 2mm 0 4mm; }
th, td { border: 1px solid #bbb; padding: 1.5mm 2mm; text-align: left; vertical-align: top; }
th { background: #f0f0f0; }
td.number { text-align: right; white-space: nowrap; }
.rule { color: #444; font-size: 9pt; }
.meta { color: #444; }
section { page-break-inside: auto; }
section.page { page-break-before: always; break-before: page; }
tr { page-break-inside: avoid; break-inside: avoid; }
@media screen { body { padding: 10mm; } }
"""
STYLE_HASH = "'sha256-%s'" % base64.b64encode(
    hashlib.sha256(STYLE.encode("utf-8")).digest()).decode("ascii")
# the document's own policy: its style, nothing else, never framed
CONTENT_SECURITY_POLICY = ("default-src 'none'; style-src %s; base-uri 'none'; "
                           "form-action 'none'; frame-ancestors 'none'" % STYLE_HASH)

WORDS = {
    "zh-CN": {
        "title": "校企合作年度举证材料", "year": "年度", "as_of": "履约评分截至",
        "generated": "生成时间", "enterprise": "企业", "legal_name": "企业名称",
        "credit_code": "统一社会信用代码", "industry": "行业",
        "agreements": "当年有效的合作协议", "no_agreements": "当年无有效的合作协议。",
        "term": "期限", "status": "状态", "fulfilment": "履约评分",
        "party_enterprise": "企业", "party_college": "学校", "not_due": "尚无到期条款",
        "clause": "条款", "party": "承担方", "metric": "计量", "target": "目标",
        "progress": "进度", "due_on": "到期日", "no_clauses": "本协议无条款。",
        "inputs": "企业投入", "returns": "企业回报", "measure": "项目", "value": "数值",
        "rule": "统计口径", "rate": "导师课时单价（元/小时）", "no_rate": "当年未设定",
        "unknown": "未知（未设定单价）", "how": "统计口径说明",
        "how_intro": "所有数字均由各服务的业务事件与学校记录统计，不手工填报；"
                     "每一事实按其自身编号只计一次，按其发生日期计入自然年度"
                     "（12月31日计入当年，1月1日计入次年）。",
        "statuses": {"on_track": "正常", "at_risk": "有风险", "met": "已达成", "missed": "未达成",
                     "draft": "草稿", "active": "生效", "suspended": "暂停", "expired": "到期",
                     "terminated": "终止"},
        "measures": {
            "mentor_hours": "企业导师授课（小时）",
            "mentor_hours_value_cny": "导师课时折算价值（元）",
            "equipment_value_cny": "设备投入（元，学校确认）",
            "funds_value_cny": "资金投入（元，学校确认）",
            "placements_hosted": "接收学生岗位实习（人次）",
            "teachers_hosted": "接收教师企业实践（人次）",
            "projects_posted": "发布真实项目（个）",
            "total_value_cny": "投入价值合计（元）",
            "hires": "录用毕业生（人）",
            "hires_checked_6_months": "已做6个月留任核查（人）",
            "hires_retained_6_months": "6个月仍在职（人）",
            "hires_checked_12_months": "已做12个月留任核查（人）",
            "hires_retained_12_months": "12个月仍在职（人）",
            "deliverables_accepted": "项目成果交付验收（件）",
            "intern_hours": "实习学生为企业工作（小时）",
            "certificates_earned": "企业学徒（员工）获得X证书（本）",
        },
        "rules": {
            "mentor_hours":
                "企业导师（入校兼职）经学校审核通过的工时，按工作日期计（导师"
                "服务 timesheet_decided）。",
            "mentor_hours_value_cny":
                "导师工时 × 学校设定的当年导师课时单价；未设定单价时不折算"
                "。",
            "equipment_value_cny":
                "企业按协议条款申报、学校确认的设备价值，按投入日期计。",
            "funds_value_cny":
                "企业按协议条款申报、学校确认的资金，按投入日期计。",
            "placements_hosted":
                "在该企业开始的岗位实习，按实习首日计（项目服务 placem"
                "ent_started）。",
            "teachers_hosted":
                "派驻该企业实践的学校教师，按派驻首日计（导师服务 secon"
                "dment_started / secondment_com"
                "pleted）。",
            "projects_posted":
                "企业发布的真实项目（项目服务 project_publish"
                "ed）。",
            "total_value_cny":
                "导师课时折算价值 + 设备 + 资金（已知部分）。",
            "hires":
                "首次去向为被该企业录用的毕业生，按入职日期计（学校去向记录）"
                "。",
            "hires_checked_6_months":
                "上述录用中已记录6个月留任核查的人数。",
            "hires_retained_6_months":
                "上述录用中6个月核查时仍在该企业任职的人数。",
            "hires_checked_12_months":
                "上述录用中已记录12个月留任核查的人数。",
            "hires_retained_12_months":
                "上述录用中12个月核查时仍在该企业任职的人数。",
            "deliverables_accepted":
                "该企业项目结项时据以评定学生成绩的成果，每件只计一次，按结项"
                "日期计（项目服务 project_completed）。",
            "intern_hours":
                "企业确认的实习学生每周签到工时，每周只计一次，按该周首日计（"
                "项目服务 checkin_confirmed）。",
            "certificates_earned":
                "颁发给该企业现代学徒制学徒（即其员工）的X证书，按颁发日期计"
                "，已撤销的不计（证书服务 certificate_issue"
                "d / certificate_revoked）。",
        },
    },
    "en": {
        "title": "Industry–education partnership: annual evidence pack", "year": "Year",
        "as_of": "Fulfilment as of", "generated": "Generated", "enterprise": "Enterprise",
        "legal_name": "Legal name", "credit_code": "Unified social credit code",
        "industry": "Industry", "agreements": "Agreements in force during the year",
        "no_agreements": "No agreement was in force during the year.", "term": "Term",
        "status": "Status", "fulfilment": "Fulfilment", "party_enterprise": "Enterprise",
        "party_college": "College", "not_due": "no clause due yet", "clause": "Clause",
        "party": "Party", "metric": "Measure", "target": "Target", "progress": "Progress",
        "due_on": "Due", "no_clauses": "This agreement has no clauses.",
        "inputs": "Inputs", "returns": "Returns", "measure": "Measure", "value": "Value",
        "rule": "How it is counted", "rate": "Value of a mentor hour (CNY)",
        "no_rate": "not set for the year", "unknown": "unknown (no rate set)",
        "how": "How the figures are counted",
        "how_intro": "Every figure is counted from the services' events and the college's "
                     "records, never typed in; each fact counts once, by its own id, in the "
                     "calendar year of its day (31 December in that year, 1 January in the "
                     "next).",
        "statuses": {"on_track": "on track", "at_risk": "at risk", "met": "met",
                     "missed": "missed", "draft": "draft", "active": "active",
                     "suspended": "suspended", "expired": "expired",
                     "terminated": "terminated"},
        "measures": {
            "mentor_hours": "Mentor hours given to the college",
            "mentor_hours_value_cny": "Value of the mentor hours (CNY)",
            "equipment_value_cny": "Equipment confirmed (CNY)",
            "funds_value_cny": "Funds confirmed (CNY)",
            "placements_hosted": "Placements hosted",
            "teachers_hosted": "College teachers hosted",
            "projects_posted": "Projects posted",
            "total_value_cny": "Total value of the inputs (CNY)",
            "hires": "Graduates hired",
            "hires_checked_6_months": "Hires checked at 6 months",
            "hires_retained_6_months": "Hires still employed at 6 months",
            "hires_checked_12_months": "Hires checked at 12 months",
            "hires_retained_12_months": "Hires still employed at 12 months",
            "deliverables_accepted": "Project deliverables accepted",
            "intern_hours": "Interns' hours worked for it",
            "certificates_earned": "X certificates its apprentices (employees) earned",
        },
        "rules": None,  # the service's own English rules
    },
}


def language(request):
    """``lang`` if given, else the best of the Accept-Language header, else zh-CN."""
    asked = request.args.get("lang")
    if asked in LANGUAGES:
        return asked
    best = request.accept_languages.best_match(["zh-CN", "zh", "en"])
    return "en" if best == "en" else "zh-CN"


def text(value):
    return html.escape("" if value is None else str(value), quote=True)


def number(value):
    if value is None:
        return None
    return ("%d" % value) if float(value).is_integer() else ("%.2f" % value)


def figure(words, name, value):
    if value is None and name == "mentor_hours_value_cny":
        return words["unknown"]
    return number(value)


def rule_text(words, account, name):
    """The rule in the document's words; in English, the service's own."""
    return (words["rules"] or {}).get(name) or (account.get("rules") or {}).get(name, "")


def score(words, value):
    return words["not_due"] if value is None else "%.0f%%" % (value * 100)


def figures_table(words, account, section, names):
    rows = "".join(
        "<tr><td>%s</td><td class=\"number\">%s</td><td class=\"rule\">%s</td></tr>"
        % (text(words["measures"][name]), text(figure(words, name, account[section].get(name))),
           text(rule_text(words, account, name))) for name in names)
    return ("<table><thead><tr><th>%s</th><th>%s</th><th>%s</th></tr></thead><tbody>%s"
            "</tbody></table>" % (text(words["measure"]), text(words["value"]),
                                  text(words["rule"]), rows))


def agreement_section(words, agreement):
    found = agreement.get("commitments") or {}
    fulfilment = found.get("fulfilment") or {}
    clauses = found.get("clauses") or []
    parts = ["<h3>%s</h3>" % text(agreement.get("title")),
             "<p class=\"meta\">%s: %s – %s · %s: %s · %s: %s %s, %s %s</p>" % (
                 text(words["term"]), text(agreement.get("starts_on")),
                 text(agreement.get("ends_on")), text(words["status"]),
                 text(words["statuses"].get(agreement.get("status"), agreement.get("status"))),
                 text(words["fulfilment"]), text(words["party_enterprise"]),
                 text(score(words, fulfilment.get("enterprise"))),
                 text(words["party_college"]), text(score(words, fulfilment.get("college"))))]
    if not clauses:
        parts.append("<p>%s</p>" % text(words["no_clauses"]))
        return "".join(parts)
    rows = "".join(
        "<tr><td>%s</td><td>%s</td><td>%s</td><td class=\"number\">%s</td>"
        "<td class=\"number\">%s</td><td>%s</td><td>%s</td></tr>" % (
            text(clause.get("description")),
            text(words["party_" + clause["party"]] if clause.get("party") in
                 ("enterprise", "college") else clause.get("party")),
            text(clause.get("metric")), text(number(clause.get("target"))),
            text(number(clause.get("progress"))), text(clause.get("due_on")),
            text(words["statuses"].get(clause.get("status"), clause.get("status"))))
        for clause in clauses)
    parts.append(
        "<table><thead><tr>%s</tr></thead><tbody>%s</tbody></table>" % ("".join(
            "<th>%s</th>" % text(words[key]) for key in (
                "clause", "party", "metric", "target", "progress", "due_on", "status")), rows))
    return "".join(parts)


def render(pack, lang, now=None):
    """The evidence pack as a standalone HTML document in ``lang``."""
    words = WORDS[lang if lang in WORDS else "zh-CN"]
    partner, account = pack.get("partner") or {}, pack.get("costs_and_returns") or {}
    rate = (account.get("rate") or {}).get("mentor_hour_cny")
    generated = (now or datetime.now(timezone.utc)).strftime("%Y-%m-%d %H:%M UTC")
    agreements = pack.get("agreements") or []
    body = [
        "<h1>%s · %s</h1>" % (text(words["title"]), text(pack.get("year"))),
        "<p class=\"meta\">%s: %s · %s: %s · %s: %s</p>" % (
            text(words["year"]), text(pack.get("year")), text(words["as_of"]),
            text(pack.get("as_of")), text(words["generated"]), text(generated)),
        "<section><h2>%s</h2><table><tbody>" % text(words["enterprise"]),
        "".join("<tr><th>%s</th><td>%s</td></tr>" % (text(words[key]), text(partner.get(key)))
                for key in ("legal_name", "credit_code", "industry")),
        "<tr><th>%s</th><td>%s</td></tr>" % (
            text(words["rate"]), text(number(rate) if rate is not None else words["no_rate"])),
        "</tbody></table></section>",
        "<section><h2>%s</h2>" % text(words["agreements"]),
        "".join(agreement_section(words, a) for a in agreements)
        or "<p>%s</p>" % text(words["no_agreements"]),
        "</section>",
        "<section class=\"page\"><h2>%s</h2>%s</section>" % (
            text(words["inputs"]), figures_table(words, account, "inputs", INPUTS)),
        "<section><h2>%s</h2>%s</section>" % (
            text(words["returns"]), figures_table(words, account, "returns", RETURNS)),
        "<section><h2>%s</h2><p>%s</p></section>" % (text(words["how"]),
                                                     text(words["how_intro"])),
    ]
    return ("<!DOCTYPE html>\n<html lang=\"%s\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            "<title>%s · %s · %s</title><style>%s</style></head><body>%s</body></html>\n" % (
                text(lang), text(words["title"]), text(partner.get("legal_name")),
                text(pack.get("year")), STYLE, "".join(body)))


def html_response(pack, lang):
    return Response(render(pack, lang), status=200, content_type=HTML, headers={
        "Content-Security-Policy": CONTENT_SECURITY_POLICY,
        "Content-Disposition": 'inline; filename="evidence-pack-%s.html"'
                               % csv_export.UNSAFE_IN_FILE_NAME.sub("_", str(pack.get("year")))})


def costs_rows(account):
    """One row per figure: year, section, measure, value, how it is counted."""
    rules = account.get("rules") or {}
    return [{"year": account.get("year"), "section": section, "measure": name,
             "value": account[section].get(name), "rule": rules.get(name, "")}
            for section, names in (("inputs", INPUTS), ("returns", RETURNS)) for name in names]


def csv_response(account, name):
    """The figures as a CSV file, as the list exports write them (a byte order
    mark for Excel, cells a spreadsheet would run defused)."""
    rows = costs_rows(account)
    columns = ["year", "section", "measure", "value", "rule"]
    body = csv_export.BOM + csv_export.csv_lines(columns, rows, header=True)
    file_name = csv_export.UNSAFE_IN_FILE_NAME.sub("_", name)
    return Response(body.encode("utf-8"), status=200, content_type=csv_export.CSV, headers={
        "Content-Disposition": 'attachment; filename="%s.csv"' % file_name})
