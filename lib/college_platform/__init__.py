"""Cross-cutting building blocks shared by every service and the gateway.

Nothing here knows about partners, projects, mentors or certificates: only
configuration, the MongoDB dependency with its outbox and inbox, the event
envelope, reliable event consumption, errors, metrics and health.
"""
