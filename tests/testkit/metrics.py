"""Reading a component's Prometheus metrics in tests."""
import re

import requests


def scrape(base_url, headers=None):
    response = requests.get(base_url + "/metrics", headers=headers or {}, timeout=10)
    response.raise_for_status()
    return response.text


def metric_value(text, name, **labels):
    """The sample's value, 0.0 when the series does not exist (yet)."""
    wanted = ",".join('%s="%s"' % item for item in sorted(labels.items()))
    series = "%s{%s}" % (name, wanted) if labels else name
    match = re.search(r"^%s (\S+)$" % re.escape(series), text, re.M)
    return float(match.group(1)) if match else 0.0
