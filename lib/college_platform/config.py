"""Configuration lookups on top of nameko's YAML config (which already
substitutes ``${ENV_VAR:default}``).

Every setting a component reads is declared once, with its default, in the
component's settings module (``college_platform.settings`` for what every
component shares, ``gateway.settings`` and ``<service>.settings``)::

    CHECKIN_GRACE_DAYS = Setting("CHECKIN_GRACE_DAYS", 2, int)

and read where it is needed by calling the declaration, ``CHECKIN_GRACE_DAYS()``,
which looks the value up at that moment (tests change nameko's config)."""
from nameko import config

from college_platform.secret_settings import check_uri_password

_declared = []


def setting(key, default=None):
    """The raw value of ``key`` in nameko's config; read through a ``Setting``."""
    return config.get(key, default)


def declared():
    """Every ``Setting`` declared so far, in the order of declaration."""
    return list(_declared)


class Setting:
    """One setting: its key in the component's config, its default, and ``kind``,
    what makes the value of it (``int``, ``float``, a function; none: as given).

    ``empty_is_default``: an empty value (unset, ``${VAR:}``, 0, "") counts as
    unset, so the default applies; otherwise only a missing key takes it."""

    def __init__(self, key, default=None, kind=None, *, empty_is_default=False):
        self.key = key
        self.default = default
        self.kind = kind
        self.empty_is_default = empty_is_default
        _declared.append(self)

    def __call__(self):
        if self.empty_is_default:
            value = setting(self.key) or self.default
        else:
            value = setting(self.key, self.default)
        return self.convert(value)

    def convert(self, value):
        return value if self.kind is None else self.kind(value)

    def __repr__(self):
        return "Setting(%r, %r)" % (self.key, self.default)


class UriSetting(Setting):
    """A broker or database URI, whose password must not be a placeholder: a
    component reads its URIs at start, so a placeholder stops it."""

    def __init__(self, key, default):
        super().__init__(key, default, empty_is_default=True)

    def convert(self, value):
        return check_uri_password(self.key, value)


def flag(value):
    """A yes/no setting given as text or YAML: 1, true, yes, on (any case) are yes."""
    return str(value).strip().lower() in ("1", "true", "yes", "on")
