"""Peak resident memory of the service processes, sampled from /proc while loaded."""
import os
import threading
from pathlib import Path

PAGE = 4096


def rss_bytes(pid):
    """Resident set of one process and its children (``nameko run`` may fork none;
    a wrapper might), in bytes; 0 once it is gone."""
    total = 0
    for process in [pid, *children_of(pid)]:
        try:
            fields = Path("/proc/%d/statm" % process).read_text().split()
            total += int(fields[1]) * PAGE
        except (OSError, IndexError, ValueError):
            pass
    return total


def children_of(pid):
    try:
        text = Path("/proc/%d/task/%d/children" % (pid, pid)).read_text()
    except OSError:
        return []
    found = [int(child) for child in text.split()]
    return found + [grandchild for child in found for grandchild in children_of(child)]


class PeakRss:
    """Samples every ``interval`` seconds in a thread; ``peaks`` in MB per name."""

    def __init__(self, pids, interval=0.25):
        self.pids = dict(pids)
        self.interval = interval
        self.peaks = {name: 0 for name in self.pids}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(self.interval)

    def sample(self):
        for name, pid in self.pids.items():
            self.peaks[name] = max(self.peaks[name], rss_bytes(pid))

    def start(self):
        self._thread.start()
        return self

    def stop(self):
        self._stop.set()
        self._thread.join()
        self.sample()
        return self.megabytes()

    def megabytes(self):
        return {name: round(value / 2 ** 20, 1) for name, value in self.peaks.items()}


def cpu_seconds(pid):
    """User and system CPU time of one process and its children so far."""
    total = 0.0
    for process in [pid, *children_of(pid)]:
        try:
            fields = Path("/proc/%d/stat" % process).read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / CLOCK_TICKS
        except (OSError, IndexError, ValueError):
            pass
    return total


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
