"""The projects API schemas live in the shared contract
(``college_contracts.api.projects``) so the gateway can publish them; the
names stay importable from here."""
from college_contracts.api.projects import *  # noqa: F403
