"""The enrollment API schemas live in the shared contract
(``college_contracts.api.enrollment``) so the gateway can publish them; the
names stay importable from here."""
from college_contracts.api.enrollment import *  # noqa: F403
