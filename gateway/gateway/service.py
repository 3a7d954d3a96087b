"""The college's HTTP API: one versioned JSON API in front of the services.

The routes live in ``gateway.routes``, one mixin per service behind the
gateway; this class combines them with what they share: the gateway's own
database (users), the RPC client with its deadline, and the token issuer.
"""
from functools import partial

import eventlet
from kombu.exceptions import OperationalError
from nameko.exceptions import UnknownService
from nameko.rpc import Client

from college_platform.mongo import MongoStore
from college_platform.rpc import ServiceRpc
from college_platform.service import PlatformService
from gateway import settings
from gateway.accounts import Accounts
from gateway.api import HealthChecks, LoginThrottle, ServiceUnavailable, Tokens
from gateway.audit import INDEXES as AUDIT_INDEXES
from gateway.audit import AuditTrail
from gateway.inbox import COLLECTION as NOTIFICATIONS
from gateway.inbox import INDEXES as NOTIFICATION_INDEXES
from gateway.mail import COLLECTION as OUTGOING_MAIL
from gateway.mail import INDEXES as MAIL_INDEXES
from gateway.mail import MailSettingsCheck
from gateway.readmodels import ReadModels
from gateway.routes.accounts import AccountRoutes
from gateway.routes.certificates import CertificatesRoutes
from gateway.routes.console import ConsoleRoutes
from gateway.routes.docs import DocsRoutes
from gateway.routes.enrollment import EnrollmentRoutes
from gateway.routes.inbox import InboxRoutes
from gateway.routes.mentors import MentorsRoutes
from gateway.routes.outbound import OutboundRoutes
from gateway.routes.platform import PlatformRoutes
from gateway.routes.privacy import PrivacyRoutes
from gateway.routes.projects import ProjectsRoutes
from gateway.routes.views import ViewRoutes
from gateway.users import INDEXES as USER_INDEXES


class GatewayService(PlatformRoutes, AccountRoutes, DocsRoutes, PrivacyRoutes, EnrollmentRoutes,
                     ProjectsRoutes, OutboundRoutes, MentorsRoutes, CertificatesRoutes, ViewRoutes,
                     InboxRoutes,
                     ConsoleRoutes, PlatformService):
    name = "gateway"

    store = MongoStore(indexes={"users": USER_INDEXES,  # usernames are the _id
                                "audit_log": AUDIT_INDEXES,
                                NOTIFICATIONS: NOTIFICATION_INDEXES,
                                OUTGOING_MAIL: MAIL_INDEXES})
    rpc_client = ServiceRpc(expiration=30)
    tokens = Tokens()
    health_checks = HealthChecks()
    audit = AuditTrail()
    login_throttle = LoginThrottle()
    accounts = Accounts()
    read_models = ReadModels()
    mail_settings = MailSettingsCheck()

    def call(self, service, method, *args, deadline=settings.RPC_TIMEOUT_SECONDS):
        """One RPC with a deadline: a slow or dead service becomes a 503. Bulk
        imports, which take a while by nature, name their own, longer deadline (a
        setting of gateway.settings)."""
        timeout = deadline()
        # the request expires in the service's queue with the deadline: a call the
        # caller was told failed (503) is not carried out later behind its back, and
        # a backlog of abandoned calls does not delay the next ones
        client = Client(partial(self.rpc_client.publish, expiration=timeout),
                        self.rpc_client.register_for_reply, self.rpc_client.context_data)
        try:
            with eventlet.Timeout(timeout, ServiceUnavailable(
                    "the %s service did not answer within %gs" % (service, timeout))):
                return getattr(getattr(client, service), method)(*args)
        except UnknownService:  # no queue at all: the service never started on this broker
            raise ServiceUnavailable("the %s service is not running" % service)
        except (OperationalError, ConnectionError, OSError) as exc:
            raise ServiceUnavailable("the message broker is unreachable: %s" % exc)
