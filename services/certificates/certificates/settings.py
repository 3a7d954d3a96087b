"""Every setting the certificates service reads besides the shared ones
(``college_platform.settings``), each with its default, once; read one by
calling it. ``services/certificates/config.yaml`` takes them from the
environment, and the README's configuration table names them."""
from college_platform.config import Setting

# the credentials' Ed25519 keys, "key-id:seed" pairs: the first signs, all verify
CERTIFICATE_SIGNING_KEYS = Setting("CERTIFICATE_SIGNING_KEYS", "", empty_is_default=True)
# the issuer of every credential
CREDENTIAL_ISSUER_ID = Setting("CREDENTIAL_ISSUER_ID", "https://college.example.edu",
                               empty_is_default=True)
CREDENTIAL_ISSUER_NAME = Setting("CREDENTIAL_ISSUER_NAME", "Modern Industrial College",
                                 empty_is_default=True)
# the gateway's public address: credential and status list ids point there
PUBLIC_BASE_URL = Setting("PUBLIC_BASE_URL", "http://127.0.0.1:8000", empty_is_default=True)
# how long one built revocation status list serves the public route
STATUS_LIST_CACHE_SECONDS = Setting("STATUS_LIST_CACHE_SECONDS", 5.0, float)
