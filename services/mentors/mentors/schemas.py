"""The mentors API schemas live in the shared contract
(``college_contracts.api.mentors``) so the gateway can publish them; the
names stay importable from here."""
from college_contracts.api.mentors import *  # noqa: F403
