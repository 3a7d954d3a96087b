import pytest

from certificates.service import CertificatesService
from college_platform.errors import Conflict, NotFound
from testkit.calls import call

ENTRY = {"code": "1X-IOT-01", "title": "物联网安装调试与运维", "organisation": "新大陆教育",
         "levels": ["junior", "intermediate", "senior"],
         "alignment": {"programmes": ["物联网应用技术"], "courses": ["IOT101"],
                       "competitions": []}}


@pytest.fixture
def certificates(start_service):
    return start_service(CertificatesService)


def test_a_certificate_is_catalogued_once_and_found_by_code(certificates):
    added = call(certificates, "add_certificate", ENTRY)
    assert call(certificates, "get_certificate", "1x-iot-01") == added
    with pytest.raises(Conflict):
        call(certificates, "add_certificate", {**ENTRY, "code": "1x-iot-01"})
    assert call(certificates, "list_certificates", {})["total"] == 1


def test_an_unknown_code_is_not_found(certificates):
    with pytest.raises(NotFound):
        call(certificates, "get_certificate", "NOPE")
