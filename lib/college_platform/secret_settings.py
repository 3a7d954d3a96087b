"""The start-up check of secret settings (JWT_SECRET, METRICS_TOKEN, the
certificate signing seeds): a component refuses to start on a placeholder, a
value containing CHANGE-ME, or one that holds fewer than 128 bits.

A secret is random bytes written as hex or base64url (base64 and "=" padding
are accepted too); its bits are those the encoding carries, so 16 random bytes
are the least and 32 are recommended. A refusal names the setting and the
reason, never the value. Passwords inside AMQP_URI and MONGO_URI are checked
for placeholders only (their strength is the server's business). Plain code,
unit-tested without broker or database.
"""
import base64
import binascii
import re
from urllib.parse import unquote, urlsplit

MIN_BITS = 128
# the chance that random hex of 16 bytes has fewer than 8 different characters is
# 3.5e-8 (computed, not sampled); "s" * 40 or "ab" * 32 always have
MIN_DIFFERENT_CHARACTERS = 8
GENERATE = "python3 -c 'import secrets; print(secrets.token_urlsafe(32))'"

# whole values that are placeholders or defaults (compared ignoring case and
# punctuation); most are too short anyway, but say so plainly
KNOWN_PLACEHOLDERS = frozenset({
    "guest", "admin", "root", "test", "token", "default", "changeit", "passw0rd", "letmein",
    "qwerty", "123456", "12345678", "xxxxxxxx", "todo", "tbd", "none", "null", "empty",
})
# words of six letters or more: 32 random bytes in base64url hold one with a chance
# under 1e-7 (computed); every example, doc and README placeholder has one, as do the
# secrets the tests used before
PLACEHOLDER_WORDS = ("changeme", "replaceme", "placeholder", "example", "secret", "password",
                     "passwd")

HEX = re.compile(r"(?:[0-9a-fA-F]{2})+")
BASE64URL = re.compile(r"[A-Za-z0-9_-]+=*")
BASE64 = re.compile(r"[A-Za-z0-9+/]+=*")


class InsecureSecret(ValueError):
    """A secret setting a component must not start with."""

    def __init__(self, setting: str, reason: str) -> None:
        super().__init__("%s %s; generate one with: %s" % (setting, reason, GENERATE))
        self.setting = setting
        self.reason = reason


def placeholder_reason(value: str, whole_values: bool = True) -> str | None:
    """Why ``value`` is a placeholder, or None."""
    if "change-me" in value.lower():
        return "is a placeholder (it contains CHANGE-ME)"
    plain = re.sub(r"[^a-z0-9]", "", value.lower())
    if (whole_values and plain in KNOWN_PLACEHOLDERS) or \
            any(word in plain for word in PLACEHOLDER_WORDS):
        return "is a placeholder (a known default or a placeholder word)"
    return None


def check_uri_password(setting: str, uri: str) -> str:
    """``uri`` unless its password is a placeholder (CHANGE-ME or a placeholder
    word). Its strength is the server's business: guest:guest serves local runs."""
    try:
        password = urlsplit(uri).password
    except ValueError:
        return uri  # the client library reports a malformed URI itself
    if password and placeholder_reason(unquote(password), whole_values=False):
        raise InsecureSecret(setting, "has a placeholder password")
    return uri


def decode_base64url(value: str) -> bytes:
    """The bytes of base64url text (padding optional); ValueError if it is not."""
    if not BASE64URL.fullmatch(value):
        raise ValueError("not base64url")
    text = value.rstrip("=")
    if len(text) % 4 == 1:
        raise ValueError("not base64url")
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except binascii.Error:
        raise ValueError("not base64url")


def decode_secret(value: str) -> bytes:
    """The random bytes a secret holds: hex, else base64url or base64."""
    if HEX.fullmatch(value):
        return bytes.fromhex(value)
    if BASE64.fullmatch(value) and not BASE64URL.fullmatch(value):
        value = value.replace("+", "-").replace("/", "_")
    return decode_base64url(value)


def check_random_secret(setting: str, value: str | None, required: bool = True) -> bytes | None:
    """The bytes of the secret in ``setting``; InsecureSecret if a component must
    not start with it. Unset is None when the setting is optional."""
    if not value:
        if required:
            raise InsecureSecret(setting, "is not set")
        return None
    reason = placeholder_reason(value)
    if reason:
        raise InsecureSecret(setting, reason)
    try:
        decoded = decode_secret(value)
    except ValueError:
        raise InsecureSecret(setting, "is not hex or base64url of random bytes") from None
    if len(decoded) * 8 < MIN_BITS:
        raise InsecureSecret(setting, "holds %d bits; at least %d are needed (16 random bytes, "
                                      "32 recommended)" % (len(decoded) * 8, MIN_BITS))
    if len(set(value.rstrip("="))) < MIN_DIFFERENT_CHARACTERS:
        raise InsecureSecret(setting, "has fewer than %d different characters, so it is not "
                                      "random" % MIN_DIFFERENT_CHARACTERS)
    return decoded
