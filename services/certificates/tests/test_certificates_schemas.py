import pytest

from certificates.schemas import NewCertificateSchema
from college_platform.errors import InvalidInput
from college_platform.validation import load

ENTRY = {"code": "iot-01", "title": "物联网安装调试与运维", "organisation": "新大陆教育",
         "levels": ["junior", "intermediate"]}


def test_codes_are_upper_cased_and_alignment_defaults_to_empty():
    entry = load(NewCertificateSchema(), ENTRY)
    assert entry["code"] == "IOT-01"
    assert entry["alignment"] == {"programmes": [], "courses": [], "competitions": []}


def test_an_unknown_level_is_refused():
    with pytest.raises(InvalidInput) as caught:
        load(NewCertificateSchema(), {**ENTRY, "levels": ["expert"]})
    assert "levels" in caught.value.errors
