"""Every setting the enrollment service reads besides the shared ones
(``college_platform.settings``), each with its default, once; read one by
calling it. ``services/enrollment/config.yaml`` takes them from the
environment, and the README's configuration table names them."""
from college_platform.config import Setting

# how often the students enrolled since the last tick are numbered in the list of all
LIST_POSITION_SECONDS = Setting("LIST_POSITION_SECONDS", 0.5, float)
# how many days an employer survey due and unanswered waits between reminders
SURVEY_REMINDER_DAYS = Setting("SURVEY_REMINDER_DAYS", 7, int)
# a clause is at risk when its share done lags the share of its time elapsed by more than this
CLAUSE_AT_RISK_TOLERANCE = Setting("CLAUSE_AT_RISK_TOLERANCE", 0.1, float)
