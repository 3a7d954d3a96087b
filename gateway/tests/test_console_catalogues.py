"""The web console's words live in its message catalogues: every key the
scripts and the page use exists in Chinese and in English, and the page's
markup holds no visible text of its own."""
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

WEB = Path(__file__).resolve().parents[1] / "web"
LOCALES = ("zh-CN", "en")
# t("key") and the navigation's "nav.*" keys in the route table
KEY_IN_SCRIPT = re.compile(r"""\bt\(\s*["']([a-z0-9_]+(?:\.[a-z0-9_]+)+)["']"""
                           r"""|["'](nav\.[a-z_]+)["']""")
# label("prefix", value) and t("prefix." + value): the catalogue needs some keys under prefix
PREFIX_IN_SCRIPT = re.compile(r"""\blabel\(\s*["']([a-z_]+)["']|\bt\(\s*["']([a-z_]+)\.["']\s*\+""")
I18N_ATTRIBUTES = ("data-i18n", "data-i18n-aria-label", "data-i18n-placeholder")
TEXT_ATTRIBUTES = ("title", "alt", "placeholder", "aria-label")


def catalogue(locale):
    return json.loads((WEB / "i18n" / ("%s.json" % locale)).read_text(encoding="utf-8"))


def scripts():
    return sorted((WEB / "js").rglob("*.js"))


def keys_used():
    keys, prefixes = set(), set()
    for script in scripts():
        text = script.read_text(encoding="utf-8")
        keys |= {a or b for a, b in KEY_IN_SCRIPT.findall(text)}
        prefixes |= {a or b for a, b in PREFIX_IN_SCRIPT.findall(text)}
    return keys, prefixes


class MarkupText(HTMLParser):
    """Collects visible text and the translation keys of an HTML page."""

    def __init__(self):
        super().__init__()
        self.keys, self.texts, self.open = set(), [], []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for name in I18N_ATTRIBUTES:
            if attrs.get(name):
                self.keys.add(attrs[name])
        for name in TEXT_ATTRIBUTES:
            if attrs.get(name):
                self.texts.append("%s=%r" % (name, attrs[name]))
        if tag not in ("meta", "link", "input", "br", "img"):
            self.open.append(tag)

    def handle_endtag(self, tag):
        if tag in self.open:
            while self.open.pop() != tag:
                pass

    def handle_data(self, data):
        if data.strip() and not set(self.open) & {"script", "style"}:
            self.texts.append(data.strip())


def markup():
    parser = MarkupText()
    parser.feed((WEB / "index.html").read_text(encoding="utf-8"))
    return parser


def test_the_console_uses_keys_in_its_scripts_and_page():
    keys, prefixes = keys_used()
    assert len(keys) > 200 and {"nav.dashboard", "signin.title"} <= keys
    assert {"level", "application_status", "role"} <= prefixes
    assert {"app.title", "app.sign_out"} <= markup().keys


@pytest.mark.parametrize("locale", LOCALES)
def test_every_key_used_is_in_each_catalogue(locale):
    messages = catalogue(locale)
    keys, prefixes = keys_used()
    missing = sorted((keys | markup().keys) - set(messages))
    assert missing == [], "missing from %s.json: %s" % (locale, missing)
    without_values = sorted(p for p in prefixes if not any(k.startswith(p + ".") for k in messages))
    assert without_values == [], "no %s.json entries for: %s" % (locale, without_values)
    assert all(isinstance(text, str) and text.strip() for text in messages.values())


def test_both_catalogues_hold_the_same_keys_and_placeholders():
    chinese, english = catalogue("zh-CN"), catalogue("en")
    assert set(chinese) == set(english)
    for key in chinese:
        assert set(re.findall(r"\{(\w+)\}", chinese[key])) == \
            set(re.findall(r"\{(\w+)\}", english[key])), key


def test_the_chinese_catalogue_is_in_chinese():
    chinese = catalogue("zh-CN")
    in_chinese = [key for key, text in chinese.items() if re.search(r"[\u4e00-\u9fff]", text)]
    assert len(in_chinese) > 0.9 * len(chinese)


def test_the_page_markup_holds_no_visible_text_of_its_own():
    assert markup().texts == []


def test_the_markup_finds_hard_coded_text_when_there_is_some():
    parser = MarkupText()
    parser.feed('<html><body><h1 data-i18n="a.b"></h1><p>签到</p>'
                '<button aria-label="Close"></button><script>let x = 1;</script></body></html>')
    assert parser.texts == ["签到", "aria-label='Close'"]


def test_the_scripts_load_nothing_from_another_host():
    for path in [*scripts(), WEB / "index.html", *(WEB / "css").glob("*.css")]:
        text = path.read_text(encoding="utf-8")
        found = re.findall(r"""(?:https?:)?//[a-z0-9.-]+\.[a-z]{2,}""", text)
        # the SVG namespace is a name, never fetched
        assert [url for url in found if "www.w3.org" not in url] == [], path
