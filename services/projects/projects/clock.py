"""Time for the service, injectable for tests: ``CLOCK_NOW`` (an ISO 8601
instant with zone) pins "now", read at every call so a test can move it."""
from datetime import datetime

from nameko.extensions import DependencyProvider
from nameko.timer import Timer

from college_platform.config import setting
from college_platform.envelope import utcnow


def current_time():
    pinned = setting("CLOCK_NOW")
    if pinned:
        return datetime.fromisoformat(str(pinned))
    return utcnow()


class Clock(DependencyProvider):
    """Workers get a ``now()`` callable."""

    def get_dependency(self, worker_ctx):
        return current_time


class ConfiguredTimer(Timer):
    """A timer whose interval comes from the config (read at start, since
    the config is not loaded when the class is defined)."""

    def __init__(self, setting_key, default, **kwargs):
        self.setting_key = setting_key
        self.default = default
        super().__init__(interval=default, **kwargs)

    def setup(self):
        self.interval = float(setting(self.setting_key, self.default))


configured_timer = ConfiguredTimer.decorator
