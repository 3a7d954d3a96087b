"""Finding projects by a part of their title, as staff type it in the console."""
import re

from projects.domain import title_search


def matches(text, title):
    pattern = title_search(text)["title"]
    return re.search(pattern["$regex"], title, re.IGNORECASE) is not None


def test_any_part_of_a_title_finds_it_whatever_its_case():
    assert matches("视觉", "产线视觉质检系统")
    assert matches(" vision ", "Line Vision QC")
    assert not matches("视觉", "数控车间排产")


def test_the_text_is_matched_literally_never_as_a_pattern():
    assert not matches(".*", "产线视觉质检系统")
    assert matches("(二期)", "质检系统(二期)")
