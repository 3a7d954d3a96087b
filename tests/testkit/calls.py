"""Calling a service's entrypoints in a test container."""
from nameko.testing.services import entrypoint_hook


def call(container, method, *args):
    with entrypoint_hook(container, method) as entrypoint:
        return entrypoint(*args)
