"""Every setting the projects service reads besides the shared ones
(``college_platform.settings``), each with its default, once; read one by
calling it. ``services/projects/config.yaml`` takes them from the environment,
and the README's configuration table names them."""
from college_platform.config import Setting

# a week's check-in is missed this many days after its Sunday; the sweep runs this often
CHECKIN_GRACE_DAYS = Setting("CHECKIN_GRACE_DAYS", 2, int)
CHECKIN_SWEEP_SECONDS = Setting("CHECKIN_SWEEP_SECONDS", 3600, float)
