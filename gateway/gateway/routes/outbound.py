"""Routes of the outbound contract (the projects service): an enterprise's
subscriptions to the events the platform sends its systems, and their
deliveries (docs/outbound.md).

Scoping: an enterprise user creates and sees its own enterprise's
subscriptions only (another's answers 404, as if missing); an administrator
any, and alone replays dead deliveries.
"""
from college_contracts.api import projects as api
from college_platform.http import json_response
from gateway.api import Page, route
from gateway.auth import ADMIN, ENTERPRISE_USER
from gateway.scoping import actor_of, enterprise_filter, page_query, with_fields

SUBSCRIBERS = (ADMIN, ENTERPRISE_USER)


class OutboundRoutes:

    @route("POST", "/v1/enterprise-subscriptions", roles=SUBSCRIBERS, status=201,
           summary="Subscribe an enterprise's system to the events about its own objects",
           body=api.NewSubscriptionSchema, response=api.SubscriptionWithSecretSchema)
    def create_subscription(self, request):
        """{"event_types": ["edu.college.placement.started.v1"], "delivery": "webhook",
        "url": "https://erp.example.com/college"} -> the subscription, with "secret"
        (a webhook's signing secret, shown this once); "delivery": "queue" sends to a
        broker queue of the subscription's own instead, named in "queue"
        (college.outbound.<enterprise id>.<token>, which no other enterprise can guess)."""
        payload = request.json_body
        if request.principal.is_enterprise:
            payload = with_fields(payload, enterprise_id=request.principal.enterprise_id)
        subscription = self.call("projects", "create_subscription", payload, actor_of(request))
        return json_response(201, subscription, {
            "Location": "/v1/enterprise-subscriptions/%s" % subscription["id"]})

    @route("GET", "/v1/enterprise-subscriptions", roles=SUBSCRIBERS,
           summary="Subscriptions (an enterprise user's own)",
           query=api.SubscriptionQuerySchema, response=Page(api.SubscriptionSchema))
    def list_subscriptions(self, request):
        query = {**page_query(request), **enterprise_filter(request)}
        return json_response(200, self.call("projects", "list_subscriptions", query,
                                            actor_of(request)))

    @route("GET", "/v1/enterprise-subscriptions/<subscription_id>", roles=SUBSCRIBERS,
           summary="One subscription (never its secret)", response=api.SubscriptionSchema)
    def get_subscription(self, request, subscription_id):
        return json_response(200, self.call("projects", "get_subscription", subscription_id,
                                            actor_of(request)))

    @route("PATCH", "/v1/enterprise-subscriptions/<subscription_id>", roles=SUBSCRIBERS,
           summary="Pause or resume a subscription",
           body=api.SubscriptionChangeSchema, response=api.SubscriptionSchema)
    def change_subscription(self, request, subscription_id):
        """{"paused": true}: nothing is sent, or kept to send, while paused."""
        return json_response(200, self.call("projects", "change_subscription", subscription_id,
                                            request.json_body, actor_of(request)))

    @route("DELETE", "/v1/enterprise-subscriptions/<subscription_id>", roles=SUBSCRIBERS,
           status=204, summary="End a subscription; what waited to be sent is not sent")
    def delete_subscription(self, request, subscription_id):
        self.call("projects", "delete_subscription", subscription_id, actor_of(request))
        return 204, ""

    @route("POST", "/v1/enterprise-subscriptions/<subscription_id>/secret", roles=SUBSCRIBERS,
           summary="A new signing secret for a webhook, shown this once",
           response=api.SubscriptionWithSecretSchema)
    def rotate_subscription_secret(self, request, subscription_id):
        return json_response(200, self.call("projects", "rotate_subscription_secret",
                                            subscription_id, actor_of(request)))

    @route("GET", "/v1/enterprise-subscriptions/<subscription_id>/deliveries",
           roles=SUBSCRIBERS, summary="A subscription's deliveries; status=dead for the dead",
           query=api.DeliveryQuerySchema, response=Page(api.DeliverySchema))
    def list_deliveries(self, request, subscription_id):
        return json_response(200, self.call("projects", "list_deliveries", subscription_id,
                                            page_query(request, "status"), actor_of(request)))

    @route("POST", "/v1/enterprise-subscriptions/<subscription_id>/replay", roles=(ADMIN,),
           summary="Send dead deliveries again from their first attempt",
           body=api.DeliveryReplaySchema, response=api.DeliveryReplayReportSchema)
    def replay_deliveries(self, request, subscription_id):
        """{"delivery_ids": ["..."]}, or [] for all of the subscription's dead ones."""
        return json_response(200, self.call("projects", "replay_deliveries", subscription_id,
                                            request.json_body, actor_of(request)))
