"""The service's idea of now, injectable so tests and rehearsals can move time
instead of waiting: ``CLOCK_NOW`` (ISO 8601 with zone) pins it,
``CLOCK_OFFSET_SECONDS`` shifts it. Both are read at every call, so a test can
move time while the service runs. Production sets neither."""
from datetime import date, datetime, timedelta
from typing import Any

from nameko.extensions import DependencyProvider
from nameko.timer import Timer

from college_platform import settings
from college_platform.config import Setting
from college_platform.envelope import utcnow


def current_time() -> datetime:
    pinned = settings.CLOCK_NOW()
    if pinned:
        return datetime.fromisoformat(str(pinned))
    return utcnow() + timedelta(seconds=settings.CLOCK_OFFSET_SECONDS())


class Now:
    """``clock()`` or ``clock.now()`` for the instant, ``clock.today()`` for the date."""

    def __call__(self) -> datetime:
        return current_time()

    now = __call__

    def today(self) -> date:
        return current_time().date()


class Clock(DependencyProvider):
    def get_dependency(self, worker_ctx: Any) -> Now:
        return Now()


class ConfiguredTimer(Timer):
    """A timer whose interval (seconds) is a ``Setting``, read at setup since the
    config is not loaded when the service class is defined."""

    def __init__(self, setting: Setting[float], **kwargs: Any) -> None:
        self.setting = setting
        super().__init__(interval=setting.default, **kwargs)

    def setup(self) -> None:
        super().setup()
        self.interval = float(self.setting())


configured_timer = ConfiguredTimer.decorator
