"""Drives the web console in headless Chromium, one scenario per run:

    python console_browser.py <scenario> '<json arguments>'

It runs as its own process because Playwright's synchronous API does not run
under the eventlet monkey patching of `nameko test`. A scenario checks what a
user sees with Playwright's assertions (a failed one exits non-zero with the
reason), saves a screenshot, and prints what it observed as JSON on its last
line for the test to check further.
"""
import json
import sys
from pathlib import Path
from urllib.parse import urlsplit

from playwright.sync_api import expect, sync_playwright

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
LAPTOP = {"width": 1366, "height": 900}
TABLET = {"width": 820, "height": 1180}
TIMEOUT_MS = 20000


class Session:
    def __init__(self, playwright, args, viewport=LAPTOP):
        self.args = args
        self.base = args["base_url"]
        self.browser = playwright.chromium.launch(executable_path="/usr/bin/chromium",
                                                  args=CHROMIUM_ARGS)
        self.context = self.browser.new_context(viewport=viewport,
                                                locale=args.get("locale", "zh-CN"))
        self.context.set_default_timeout(TIMEOUT_MS)
        expect.set_options(timeout=TIMEOUT_MS)
        self.page = self.context.new_page()
        self.requests = []
        self.problems = []
        self.page.on("request", lambda request: self.requests.append(request.url))
        self.page.on("pageerror", lambda error: self.problems.append("page error: %s" % error))
        self.page.on("console", lambda message: self.problems.append(message.text)
                     if message.type == "error" else None)

    def open(self, path=""):
        self.page.goto(self.base + "/" + path)

    def sign_in(self, username, password):
        self.open("#/sign-in")
        self.page.locator("input[name=username]").fill(username)
        self.page.locator("input[name=password]").fill(password)
        self.page.locator("form button[type=submit]").click()
        expect(self.page.locator("#sign-out")).to_be_visible()

    def use_language(self, locale):
        self.page.locator("#locale").select_option(locale)
        expect(self.page.locator("html")).to_have_attribute("lang", locale)

    def screenshot(self, name):
        path = Path(self.args["screenshots"]) / ("%s.png" % name)
        path.parent.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(path), full_page=True)
        return str(path)

    def close(self):
        self.browser.close()


def sign_in_and_dashboard(session):
    page = session.page
    session.open()
    expect(page).to_have_url(session.base + "/#/sign-in")
    # a wrong password is refused with the reason, and nobody is signed in
    page.locator("input[name=username]").fill(session.args["username"])
    page.locator("input[name=password]").fill("not-the-password")
    page.locator("form button[type=submit]").click()
    expect(page.locator(".form-errors [role=alert]")).to_be_visible()
    expect(page.locator("#sign-out")).to_be_hidden()
    # with the keyboard alone: the form is labelled, Tab moves on, Enter submits
    page.get_by_label("用户名").fill("")
    page.get_by_label("用户名").focus()
    page.keyboard.type(session.args["username"])
    page.keyboard.press("Tab")
    focus_outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    page.keyboard.type(session.args["password"])
    page.keyboard.press("Enter")
    expect(page.locator("#sign-out")).to_be_visible()
    expect(page).to_have_url(session.base + "/#/dashboard")
    expect(page.locator("h1")).to_have_text("产教融合驾驶舱")
    expect(page.locator(".kpi").first).to_be_visible()
    expect(page.locator("svg.chart").first).to_be_visible()
    shot = session.screenshot("dashboard")
    nav = page.locator("#nav a").all_inner_texts()
    kpis = page.locator(".kpi").all_inner_texts()
    session.use_language("en")
    expect(page.locator("h1")).to_have_text("Integration dashboard")
    return {"screenshot": shot, "nav": nav, "kpis": kpis, "focus_outline": focus_outline,
            "nav_en": page.locator("#nav a").all_inner_texts()}


def student_360(session):
    page = session.page
    session.sign_in(session.args["username"], session.args["password"])
    page.locator("#nav a[href='#/students']").click()
    page.get_by_label("按学号或姓名查找").fill(session.args["search"])
    page.get_by_label("按学号或姓名查找").press("Enter")
    # the search's answer replaces the unfiltered list
    expect(page.locator("tbody tr")).to_have_count(session.args["count"])
    row = page.locator("tbody tr").filter(has_text=session.args["name"])
    expect(row).to_have_count(1)
    rows = [row.locator("td").all_inner_texts() for row in page.locator("tbody tr").all()]
    row.get_by_role("link").click()
    expect(page.locator("h1")).to_contain_text(session.args["name"])
    expect(page.locator("section h2").first).to_be_visible()
    sections = page.locator("section h2").all_inner_texts()
    shot = session.screenshot("student-360")
    page.set_viewport_size(TABLET)
    session.screenshot("student-360-tablet")
    return {"screenshot": shot, "rows": rows, "heading": page.locator("h1").inner_text(),
            "sections": sections, "text": page.locator("main").inner_text()}


def application_to_offer(session):
    """The college approves in one session, the enterprise in another: the
    application becomes an offer only once both have."""
    page = session.page
    application = "#/applications/%s" % session.args["application_id"]
    session.sign_in(session.args["username"], session.args["password"])
    session.open(application)
    status = page.locator("#application-status-value")
    expect(status).to_have_attribute("data-status", "interviewed")
    page.get_by_role("button", name="同意录取", exact=True).click()
    expect(page.get_by_role("button", name="同意录取", exact=True)).to_have_count(0)
    expect(status).to_have_attribute("data-status", "interviewed")
    page.locator("#sign-out").click()

    session.sign_in(session.args["enterprise_username"], session.args["password"])
    enterprise_nav = page.locator("#nav a").all_inner_texts()
    session.open(application)
    page.get_by_role("button", name="同意录取", exact=True).click()
    expect(status).to_have_attribute("data-status", "offered")
    shot = session.screenshot("application-offered")
    return {"screenshot": shot, "enterprise_nav": enterprise_nav}


def verify_certificate(session):
    page = session.page
    session.open("#/verify")
    page.get_by_label("证书编号").fill(session.args["number"])
    page.get_by_role("button", name="查验").click()
    verdict = page.locator(".verdict")
    expect(verdict).to_have_attribute("data-status", "valid")
    shot = session.screenshot("verification")
    result = {"screenshot": shot, "text": verdict.inner_text()}
    # the holder's name only as a match or not to the name typed
    for name, matches in ((session.args["holder_name"], "true"), ("无此人", "false")):
        page.get_by_label("持证人姓名").fill(name)
        page.get_by_role("button", name="查验").click()
        expect(page.locator("[data-name-matches]")).to_have_attribute("data-name-matches",
                                                                      matches)
        result["name_check_%s" % matches] = page.locator(".verdict").inner_text()
    result["address"] = page.evaluate("window.location.hash")
    session.open("#/verify/NO-SUCH-NUMBER")
    expect(page.locator(".verdict.bad")).to_be_visible()
    result["unknown"] = page.locator(".verdict").inner_text()
    return result


def field_errors(session):
    """The API's field errors (RFC 9457 `errors`) appear next to their fields."""
    page = session.page
    session.sign_in(session.args["username"], session.args["password"])
    session.open("#/enterprises")
    page.get_by_role("button", name="登记合作企业").click()
    dialog = page.locator("dialog")
    dialog.get_by_label("企业").fill("测试企业")
    dialog.get_by_label("统一社会信用代码").fill("123")
    dialog.get_by_label("行业").fill("制造")
    dialog.get_by_role("button", name="保存").click()
    code = dialog.get_by_label("统一社会信用代码")
    expect(code).to_have_attribute("aria-invalid", "true")
    message = code.locator("xpath=..").locator(".field-error")
    expect(message).not_to_be_empty()
    session.screenshot("field-errors")
    return {"message": message.inner_text(), "focused": page.evaluate(
        "document.activeElement.name")}


def every_screen(session):
    """Uses every screen an administrator has, then signs out and verifies a
    certificate; returns every URL the page requested."""
    page = session.page
    session.sign_in(session.args["username"], session.args["password"])
    visited = []
    for link in page.locator("#nav a").all():
        visited.append(link.get_attribute("href"))
    for href in visited:
        page.locator("#nav a[href='%s']" % href).click()
        expect(page.locator("main .state.loading")).to_have_count(0)
    session.open("#/students/%s" % session.args["student_id"])
    expect(page.locator("main h1")).to_be_visible()
    session.open("#/enterprises/%s" % session.args["enterprise_id"])
    students = page.locator("main section").filter(
        has=page.get_by_role("heading", name="学生", exact=True))
    expect(students.locator("li a")).not_to_have_count(0)
    page.keyboard.press("Tab")
    page.locator("#sign-out").click()
    session.open("#/verify/%s" % session.args["number"])
    expect(page.locator(".verdict")).to_be_visible()
    hosts = sorted({urlsplit(url).netloc for url in session.requests
                    if urlsplit(url).scheme in ("http", "https", "ws", "wss")})
    schemes = sorted({urlsplit(url).scheme for url in session.requests})
    return {"visited": visited, "requests": session.requests, "hosts": hosts,
            "schemes": schemes, "problems": session.problems}


SCENARIOS = {function.__name__: function for function in (
    sign_in_and_dashboard, student_360, application_to_offer, verify_certificate, field_errors,
    every_screen)}


def main(name, raw_args):
    args = json.loads(raw_args)
    with sync_playwright() as playwright:
        session = Session(playwright, args)
        try:
            observed = SCENARIOS[name](session)
        except Exception:
            session.screenshot("%s-failed" % name)
            raise
        finally:
            session.close()
    print(json.dumps(observed, ensure_ascii=False))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
