"""When a failed event is tried again, and when it is given up on."""
from dataclasses import dataclass

DEFAULT_DELAYS = (1.0, 5.0, 30.0, 120.0)  # five attempts in all


@dataclass(frozen=True)
class RetryDecision:
    dead_letter: bool
    delay: float = 0.0


@dataclass(frozen=True)
class RetryPolicy:
    """``delays[i]`` is the wait before attempt ``i + 2``."""

    delays: tuple[float, ...] = DEFAULT_DELAYS

    def __post_init__(self) -> None:
        if not self.delays or any(d <= 0 for d in self.delays):
            raise ValueError("retry delays must be positive seconds, at least one")

    @property
    def max_attempts(self) -> int:
        return len(self.delays) + 1

    def after_failure(self, attempt: int, permanent: bool = False) -> RetryDecision:
        """Decide what to do after attempt number ``attempt`` (from 1) failed."""
        if permanent or attempt >= self.max_attempts:
            return RetryDecision(dead_letter=True)
        return RetryDecision(dead_letter=False, delay=self.delays[attempt - 1])
