"""Time for the mentors service, injectable: the calendar drives secondments
and the double-qualified window, so tests and rehearsals move the clock
(``CLOCK_OFFSET_DAYS``) instead of waiting."""
from datetime import timedelta

from nameko.extensions import DependencyProvider
from nameko.timer import Timer

from college_platform.config import setting
from college_platform.envelope import utcnow


class Clock(DependencyProvider):
    def get_dependency(self, worker_ctx):
        return self

    def now(self):
        return utcnow() + timedelta(days=int(setting("CLOCK_OFFSET_DAYS", 0) or 0))

    def today(self):
        return self.now().date()


class ConfiguredTimer(Timer):
    """A timer whose interval is read from config at setup (``interval_key``),
    since a decorator's arguments are fixed at import."""

    def __init__(self, interval_key, default, **kwargs):
        self.interval_key = interval_key
        super().__init__(interval=default, **kwargs)

    def setup(self):
        super().setup()
        self.interval = float(setting(self.interval_key, self.interval))


configured_timer = ConfiguredTimer.decorator
