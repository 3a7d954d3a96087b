"""Certificates service: the 1+X catalogue, exam sessions and registrations,
results, signed credentials with revocation, the credit bank, and skills
competitions with their awards.

The entrypoints live by sub-domain in ``certificates.entrypoints``, combined
here; the use cases in ``certificates.workflows``, the rules in
``certificates.domain``, the collections in ``certificates.records``."""
from certificates.dependencies import CredentialIssuer
from certificates.entrypoints.catalogue import CatalogueEntrypoints
from certificates.entrypoints.competitions import CompetitionsEntrypoints
from certificates.entrypoints.copies import LocalCopiesEntrypoints
from certificates.entrypoints.credits import CreditsEntrypoints
from certificates.entrypoints.issued import IssuedEntrypoints
from certificates.entrypoints.read_models import ReadModelEntrypoints
from certificates.entrypoints.registrations import RegistrationsEntrypoints
from certificates.entrypoints.results import ResultsEntrypoints
from certificates.records import INDEXES, CertificatesRecords
from college_platform.clock import Clock
from college_platform.mongo import MongoStore
from college_platform.service import PlatformService


class CertificatesService(CatalogueEntrypoints, RegistrationsEntrypoints, ResultsEntrypoints,
                          IssuedEntrypoints, CreditsEntrypoints, CompetitionsEntrypoints,
                          ReadModelEntrypoints, LocalCopiesEntrypoints, PlatformService):
    name = "certificates"

    store = MongoStore(indexes=INDEXES, records=CertificatesRecords)
    clock = Clock()
    issuer = CredentialIssuer()
