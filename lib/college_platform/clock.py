"""The service's idea of now, injectable so tests and rehearsals can move time
instead of waiting: ``CLOCK_NOW`` (ISO 8601 with zone) pins it,
``CLOCK_OFFSET_SECONDS`` shifts it. Both are read at every call, so a test can
move time while the service runs. Production sets neither."""
from datetime import datetime, timedelta

from nameko.extensions import DependencyProvider
from nameko.timer import Timer

from college_platform.config import setting
from college_platform.envelope import utcnow


def current_time():
    pinned = setting("CLOCK_NOW")
    if pinned:
        return datetime.fromisoformat(str(pinned))
    return utcnow() + timedelta(seconds=float(setting("CLOCK_OFFSET_SECONDS") or 0))


class Now:
    """``clock()`` or ``clock.now()`` for the instant, ``clock.today()`` for the date."""

    def __call__(self):
        return current_time()

    now = __call__

    def today(self):
        return current_time().date()


class Clock(DependencyProvider):
    def get_dependency(self, worker_ctx):
        return Now()


class ConfiguredTimer(Timer):
    """A timer whose interval comes from the config, read at setup since the
    config is not loaded when the service class is defined."""

    def __init__(self, setting_key, default, **kwargs):
        self.setting_key = setting_key
        self.default = default
        super().__init__(interval=default, **kwargs)

    def setup(self):
        super().setup()
        self.interval = float(setting(self.setting_key, self.default))


configured_timer = ConfiguredTimer.decorator
