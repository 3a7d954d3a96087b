"""Enrollment's use cases, as functions of one unit of work (``uow``): each
reads and writes through ``uow.records`` (``enrollment.records``), checks the
rules of ``enrollment.domain`` and emits the event announcing the change, so
the change and its event commit together. By sub-domain: ``partners``,
``agreements``, ``programmes`` (and quotas), ``applications``, ``admissions``
(the applicant import and the provincial admission list), ``enrolment``
(tripartite agreements, enrolment, a student's status), ``commitments`` (an
agreement's clauses), ``read_models`` and ``expiry``."""
