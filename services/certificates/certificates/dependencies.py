"""What the certificates entrypoints get besides the store and the clock:
the credential signer built from configuration."""

from nameko.extensions import DependencyProvider

from certificates import settings
from certificates.credentials import KeyRing
from college_platform.service import SingleFlight


class Issuer:
    def __init__(self, key_ring, issuer_id, name, base_url, status_list_seconds=5.0):
        self.key_ring = key_ring
        self.profile = {"id": issuer_id, "name": name}
        self.base_url = base_url.rstrip("/")
        # the public status list reads every revocation and is signed: verifiers may
        # ask for it on every check, so one build serves a few seconds of them
        self.status_list = SingleFlight(ttl=status_list_seconds)


class CredentialIssuer(DependencyProvider):
    """Keys from ``CERTIFICATE_SIGNING_KEYS`` (``id:seed`` pairs, the first
    signs, the rest still verify). A malformed, placeholder or weak key stops
    the service at start; no key at all lets it run, refusing only to issue."""

    def setup(self):
        self.issuer = Issuer(
            KeyRing(settings.CERTIFICATE_SIGNING_KEYS()),
            settings.CREDENTIAL_ISSUER_ID(),
            settings.CREDENTIAL_ISSUER_NAME(),
            settings.PUBLIC_BASE_URL(),
            settings.STATUS_LIST_CACHE_SECONDS(),
        )

    def get_dependency(self, worker_ctx):
        return self.issuer
