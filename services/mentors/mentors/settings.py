"""Every setting the mentors service reads besides the shared ones
(``college_platform.settings``), each with its default, once; read one by
calling it. ``services/mentors/config.yaml`` takes them from the environment,
and the README's configuration table names them."""
from college_platform.config import Setting

# the double-qualified teacher rule: min_days, window_years, min_certificate_level;
# each one missing takes DoubleQualifiedRule's own default (domain.py)
DOUBLE_QUALIFIED_RULE = Setting("DOUBLE_QUALIFIED_RULE", None)
# how often the calendar sweep runs (secondments starting and ending, double-qualified)
SWEEP_INTERVAL_SECONDS = Setting("SWEEP_INTERVAL_SECONDS", 3600, float)
