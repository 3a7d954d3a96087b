"""The certificates API schemas live in the shared contract
(``college_contracts.api.certificates``) so the gateway can publish them; the
names stay importable from here."""
from college_contracts.api.certificates import *  # noqa: F403
