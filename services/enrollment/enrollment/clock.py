"""The service's idea of now, injectable so tests can move time: set
``CLOCK_OVERRIDE`` (ISO 8601 with zone) to freeze it, or ``CLOCK_OFFSET_SECONDS``
to shift it."""
from datetime import datetime, timedelta

from nameko.extensions import DependencyProvider

from college_platform.config import setting
from college_platform.envelope import utcnow


class Clock(DependencyProvider):

    def get_dependency(self, worker_ctx):
        return self

    def now(self):
        override = setting("CLOCK_OVERRIDE")
        if override:
            return datetime.fromisoformat(override)
        return utcnow() + timedelta(seconds=float(setting("CLOCK_OFFSET_SECONDS") or 0))

    def today(self):
        return self.now().date()
