"""Configuration lookups on top of nameko's YAML config (which already
substitutes ``${ENV_VAR:default}``).

Every setting a component reads is declared once, with its default, in the
component's settings module (``college_platform.settings`` for what every
component shares, ``gateway.settings`` and ``<service>.settings``)::

    CHECKIN_GRACE_DAYS = Setting("CHECKIN_GRACE_DAYS", 2, int)

and read where it is needed by calling the declaration, ``CHECKIN_GRACE_DAYS()``,
which looks the value up at that moment (tests change nameko's config)."""
from collections.abc import Callable
from typing import Any, Generic, TypeVar, overload

from nameko import config

from college_platform.secret_settings import check_uri_password

T = TypeVar("T")

_declared: list["Setting[Any]"] = []


def setting(key: str, default: Any = None) -> Any:
    """The raw value of ``key`` in nameko's config; read through a ``Setting``."""
    return config.get(key, default)


def declared() -> list["Setting[Any]"]:
    """Every ``Setting`` declared so far, in the order of declaration."""
    return list(_declared)


class Setting(Generic[T]):
    """One setting: its key in the component's config, its default, and ``kind``,
    what makes the value of it (``int``, ``float``, a function; none: as given).

    ``empty_is_default``: an empty value (unset, ``${VAR:}``, 0, "") counts as
    unset, so the default applies; otherwise only a missing key takes it.
    Its value's type is what ``kind`` returns (without one, as given: Any)."""

    @overload
    def __init__(self: "Setting[Any]", key: str, default: Any = None, kind: None = None, *,
                 empty_is_default: bool = False) -> None: ...

    @overload
    def __init__(self, key: str, default: Any, kind: Callable[[Any], T], *,
                 empty_is_default: bool = False) -> None: ...

    def __init__(self, key: str, default: Any = None, kind: Callable[[Any], T] | None = None, *,
                 empty_is_default: bool = False) -> None:
        self.key = key
        self.default = default
        self.kind = kind
        self.empty_is_default = empty_is_default
        _declared.append(self)

    def __call__(self) -> T:
        if self.empty_is_default:
            value = setting(self.key) or self.default
        else:
            value = setting(self.key, self.default)
        return self.convert(value)

    def convert(self, value: Any) -> T:
        return value if self.kind is None else self.kind(value)

    def __repr__(self) -> str:
        return "Setting(%r, %r)" % (self.key, self.default)


class UriSetting(Setting[str]):
    """A broker or database URI, whose password must not be a placeholder: a
    component reads its URIs at start, so a placeholder stops it."""

    def __init__(self, key: str, default: str) -> None:
        super().__init__(key, default, empty_is_default=True)

    def convert(self, value: Any) -> str:
        return check_uri_password(self.key, value)


def flag(value: object) -> bool:
    """A yes/no setting given as text or YAML: 1, true, yes, on (any case) are yes."""
    return str(value).strip().lower() in ("1", "true", "yes", "on")
