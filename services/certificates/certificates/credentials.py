"""Verifiable credentials: W3C VC 2.0 documents in the Open Badges 3.0
vocabulary, secured with Data Integrity proofs of the ``eddsa-jcs-2022``
cryptosuite (JCS canonical JSON, SHA-256, Ed25519), and the W3C Bitstring
Status List that publishes revocations.

Plain code: no broker or database, so every rule is unit-tested directly.
"""
import base64
import gzip
import hashlib
import re
from datetime import datetime, timezone

import rfc8785
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from college_platform.secret_settings import (
    GENERATE,
    InsecureSecret,
    check_random_secret,
    placeholder_reason,
)

VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"
OB3_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
CRYPTOSUITE = "eddsa-jcs-2022"
PROOF_TYPE = "DataIntegrityProof"
# multicodec prefix of an Ed25519 public key (0xed, varint-encoded)
ED25519_PUB_PREFIX = b"\xed\x01"
# the spec's minimum list length (16 KiB of bits) hides which entry is whose
STATUS_LIST_SIZE = 131072

# an Ed25519 signature is 64 bytes, at most 88 base58 characters; longer is not one
MAX_PROOF_VALUE_CHARS = 100

BASE58_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"

SIGNING_KEYS = "CERTIFICATE_SIGNING_KEYS"
# a key id is published with every public key: it can hold no part of a secret
KEY_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
# an Ed25519 seed: 32 bytes in base64url, "=" padding optional
SEED = re.compile(r"[A-Za-z0-9_-]{43}=?")
# keys were once SHA-256 of a passphrase; the example's, converted to a seed, is public
PUBLISHED_SEEDS = frozenset(
    hashlib.sha256(passphrase.encode()).digest()
    for passphrase in ("CHANGE-ME-secret (see docs/certificates.md)",))


class KeyConfigurationError(ValueError):
    pass


# multibase -------------------------------------------------------------------

def base58btc_encode(data):
    number = int.from_bytes(data, "big")
    encoded = ""
    while number:
        number, remainder = divmod(number, 58)
        encoded = BASE58_ALPHABET[remainder] + encoded
    leading_zeros = len(data) - len(data.lstrip(b"\0"))
    return "1" * leading_zeros + encoded


def base58btc_decode(text):
    number = 0
    for char in text:
        index = BASE58_ALPHABET.find(char)
        if index < 0:
            raise ValueError("not base58btc: %r" % char)
        number = number * 58 + index
    body = number.to_bytes((number.bit_length() + 7) // 8, "big") if number else b""
    leading_zeros = len(text) - len(text.lstrip("1"))
    return b"\0" * leading_zeros + body


def multibase_base58btc(data):
    return "z" + base58btc_encode(data)


def multibase_decode_base58btc(value):
    if not isinstance(value, str) or not value.startswith("z"):
        raise ValueError("expected a multibase base58-btc value starting with 'z'")
    return base58btc_decode(value[1:])


# keys ------------------------------------------------------------------------

def did_key_for(public_key):
    """``did:key`` of an Ed25519 public key and its verification method id."""
    raw = public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)
    fingerprint = multibase_base58btc(ED25519_PUB_PREFIX + raw)
    return "did:key:" + fingerprint, "did:key:%s#%s" % (fingerprint, fingerprint)


def public_key_from_did_key(verification_method):
    """The Ed25519 key a ``did:key:z6Mk...#z6Mk...`` verification method names."""
    if not isinstance(verification_method, str) or \
            not verification_method.startswith("did:key:z"):
        raise ValueError("the verification method is not a did:key")
    fingerprint = verification_method[len("did:key:"):].split("#")[0]
    decoded = multibase_decode_base58btc(fingerprint)
    if not decoded.startswith(ED25519_PUB_PREFIX) or len(decoded) != 34:
        raise ValueError("the did:key is not an Ed25519 key")
    return Ed25519PublicKey.from_public_bytes(decoded[2:])


def parse_key_entry(entry, position):
    """``(key id or None, 32-byte seed)`` of one ``key-id:seed`` (or bare seed)
    entry. Split at the first colon: the key id must match KEY_ID and all the
    rest must be one seed, so no part of a secret can become the published id.
    A refusal names the entry by its position, never by what it holds."""
    name = "%s entry %d" % (SIGNING_KEYS, position)

    def refuse(reason, hint="; generate a seed with: " + GENERATE):
        return KeyConfigurationError("%s %s%s" % (name, reason, hint))

    key_id, colon, secret = entry.partition(":")
    if not colon:
        key_id, secret = None, entry
    elif not KEY_ID.fullmatch(key_id):
        raise refuse("has a key id that is not 1 to 64 letters, digits, '.', '_' or '-' "
                     "starting with a letter or digit", hint="")
    reason = placeholder_reason(secret)
    if reason:
        raise refuse(reason)
    if not SEED.fullmatch(secret):
        raise refuse("is not base64url of 32 bytes (an Ed25519 seed)")
    try:
        seed = check_random_secret(name, secret)
    except InsecureSecret as exc:
        raise refuse(exc.reason) from None
    if seed in PUBLISHED_SEEDS:
        raise refuse("is a placeholder (the example's old passphrase, converted)")
    return key_id, seed


class SigningKey:
    """One configured key: an operator's ``key_id`` and the Ed25519 pair of a
    32-byte seed."""

    def __init__(self, key_id, seed):
        self.key_id = key_id
        self.private_key = Ed25519PrivateKey.from_private_bytes(seed)
        self.public_key = self.private_key.public_key()
        self.did, self.verification_method = did_key_for(self.public_key)

    def public_description(self):
        raw = self.public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)
        return {"key_id": self.key_id, "verification_method": self.verification_method,
                "public_key_multibase": multibase_base58btc(ED25519_PUB_PREFIX + raw)}


class KeyRing:
    """Every configured key; the first signs, the others only verify, so a
    credential signed before a rotation still verifies after it.

    ``spec``: ``"2027-01:<seed>,2026-09:<older seed>"``, each seed base64url of
    32 random bytes; an entry without ``key-id:`` gets an id from its public key.
    """

    def __init__(self, spec):
        self.keys = []
        entries = [part.strip() for part in (spec or "").split(",")]
        for position, entry in enumerate(entries, start=1):
            if not entry:
                continue
            key_id, seed = parse_key_entry(entry, position)
            key = SigningKey(key_id or "pending", seed)
            if not key_id:
                key.key_id = key.verification_method.split("#")[1][-8:]
            self.keys.append(key)
        ids = [key.key_id for key in self.keys]
        if len(set(ids)) != len(ids):
            raise KeyConfigurationError("%s: key ids must be unique: %s" % (SIGNING_KEYS, ids))

    @property
    def active(self):
        return self.keys[0] if self.keys else None

    def by_verification_method(self, verification_method):
        for key in self.keys:
            if key.verification_method == verification_method:
                return key
        return None


# eddsa-jcs-2022 ----------------------------------------------------------------

def _hash_data(unsecured_document, proof_options):
    """proofConfigHash + transformedDocumentHash, as the cryptosuite defines."""
    proof_config = {**proof_options, "@context": unsecured_document.get("@context")}
    proof_config_hash = hashlib.sha256(rfc8785.dumps(proof_config)).digest()
    document_hash = hashlib.sha256(rfc8785.dumps(unsecured_document)).digest()
    return proof_config_hash + document_hash


def xsd_datetime(moment):
    return moment.astimezone(timezone.utc).replace(microsecond=0).isoformat() \
        .replace("+00:00", "Z")


def sign(document, key, created):
    """``document`` with a Data Integrity proof (``eddsa-jcs-2022``) added."""
    unsecured = {k: v for k, v in document.items() if k != "proof"}
    proof = {"type": PROOF_TYPE, "cryptosuite": CRYPTOSUITE, "created": xsd_datetime(created),
             "verificationMethod": key.verification_method, "proofPurpose": "assertionMethod"}
    signature = key.private_key.sign(_hash_data(unsecured, proof))
    return {**unsecured, "proof": {**proof, "proofValue": multibase_base58btc(signature)}}


def verify_proof(secured_document, key_ring):
    """A list of problems; empty when the proof holds and its key is ours."""
    if not isinstance(secured_document, dict):
        return ["the credential is not a JSON object"]
    proof = secured_document.get("proof")
    if not isinstance(proof, dict):
        return ["the credential carries no proof"]
    if proof.get("type") != PROOF_TYPE or proof.get("cryptosuite") != CRYPTOSUITE:
        return ["the proof is not a %s with cryptosuite %s" % (PROOF_TYPE, CRYPTOSUITE)]
    if proof.get("proofPurpose") != "assertionMethod":
        return ["the proof purpose is not assertionMethod"]
    key = key_ring.by_verification_method(proof.get("verificationMethod"))
    if key is None:
        return ["the proof was not made with a key of this issuer"]
    unsecured = {k: v for k, v in secured_document.items() if k != "proof"}
    options = {k: v for k, v in proof.items() if k != "proofValue"}
    if "@context" in options:
        context = options["@context"]
        document_context = unsecured.get("@context")
        if not isinstance(context, list) or not isinstance(document_context, list) or \
                document_context[:len(context)] != context:
            return ["the proof's @context does not match the credential's"]
        unsecured["@context"] = context
    proof_value = proof.get("proofValue")
    if not isinstance(proof_value, str) or len(proof_value) > MAX_PROOF_VALUE_CHARS:
        return ["the proof value is not an Ed25519 signature"]
    try:
        signature = multibase_decode_base58btc(proof_value)
        key.public_key.verify(signature, _hash_data(unsecured, options))
    except (ValueError, TypeError, InvalidSignature):
        return ["the signature does not match the credential (altered or forged)"]
    except RecursionError:
        return ["the credential nests too deeply to canonicalise"]
    return []


# documents ---------------------------------------------------------------------

def certificate_credential(*, issuer, base_url, number, certificate, level, holder,
                           result=None, issued_at, status_index, evidence=(), valid_until=None,
                           award=None, award_evidence=()):
    """An unsigned OpenBadgeCredential for one issued certificate.

    ``issuer``: {"id", "name"}; ``certificate``: the catalogue entry;
    ``holder``: {"id", "kind", "name"}; ``result``: {"theory", "practical"} of
    the exam passed, or ``award``: the competition award that stood in for the
    exam ({"award", "level", "competition_name", "held_on"}), which the result
    and the criteria then say; ``evidence``: project deliverables;
    ``award_evidence``: the holder's awards, shaped (``domain.award_evidence``);
    ``valid_until``: the instant it expires, or None (valid for life).
    """
    credential_id = "%s/v1/public/certificates/%s" % (base_url, number)
    document = {
        "@context": [VC_CONTEXT, OB3_CONTEXT],
        "id": credential_id,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": issuer["id"], "type": ["Profile"], "name": issuer["name"]},
        "validFrom": xsd_datetime(issued_at),
        "name": "%s (%s)" % (certificate["title"], level),
        "credentialSubject": {
            "id": "urn:college:%s:%s" % (holder["kind"], holder["id"]),
            "type": ["AchievementSubject"],
            "identifier": [{"type": "IdentityObject", "identityHash": holder["id"],
                            "identityType": "identifier", "hashed": False}],
            "achievement": {
                "id": "%s/v1/certificates/%s#%s" % (base_url, certificate["code"], level),
                "type": ["Achievement"],
                "achievementType": "Certificate",
                "name": certificate["title"],
                "description": "1+X vocational skill level certificate %s, %s level"
                               % (certificate["code"], level),
                "criteria": {"narrative": _criteria(certificate) if award is None
                             else _award_criteria(award)},
                "humanCode": certificate["code"],
                "fieldOfStudy": ", ".join(certificate["alignment"]["programmes"]) or None,
                "creator": {"id": "urn:college:organisation:%s" % certificate["code"],
                            "type": ["Profile"], "name": certificate["organisation"]},
            },
            "result": _award_result(award) if award is not None else [
                {"type": ["Result"], "value": _number(result["theory"]),
                 "resultDescription": "theory"},
                {"type": ["Result"], "value": _number(result["practical"]),
                 "resultDescription": "practical"},
            ],
        },
        "credentialStatus": {
            "id": "%s/v1/public/credential-status/revocation#%d" % (base_url, status_index),
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            "statusListIndex": str(status_index),
            "statusListCredential": "%s/v1/public/credential-status/revocation" % base_url,
        },
    }
    if valid_until is not None:
        document["validUntil"] = xsd_datetime(valid_until)
    achievement = document["credentialSubject"]["achievement"]
    if achievement["fieldOfStudy"] is None:
        del achievement["fieldOfStudy"]
    if evidence or award_evidence:
        document["evidence"] = [
            {"id": item["url"], "type": ["Evidence"], "name": item.get("name") or "deliverable",
             "description": "project deliverable %s" % item["deliverable_id"]}
            for item in evidence] + [dict(item) for item in award_evidence]
    return document


def _number(value):
    return ("%g" % value)


def _criteria(certificate):
    rule = certificate.get("pass_rule") or {}
    return ("Pass the theory exam with at least %g and the practical exam with at least %g."
            % (rule.get("theory_min", 60), rule.get("practical_min", 60)))


def _award_result(award):
    return [{"type": ["Result"], "value": award["award"],
             "resultDescription": "%s award, %s skills competition %s, %s" % (
                 award["award"], award["level"], award["competition_name"],
                 award["held_on"])}]


def _award_criteria(award):
    return ("The exam was replaced by a %s award in %s, a %s skills competition held on %s, "
            "under the programme's award rule."
            % (award["award"], award["competition_name"], award["level"], award["held_on"]))


def encode_status_list(revoked_indexes, size=STATUS_LIST_SIZE):
    """``encodedList``: multibase base64url (no padding) of the GZIP-compressed
    bitstring; index 0 is the left-most bit of the first byte."""
    bits = bytearray(size // 8)
    for index in revoked_indexes:
        bits[index // 8] |= 0x80 >> (index % 8)
    compressed = gzip.compress(bytes(bits), mtime=0)
    return "u" + base64.urlsafe_b64encode(compressed).decode().rstrip("=")


def decode_status_list(encoded):
    if not encoded.startswith("u"):
        raise ValueError("expected a multibase base64url value starting with 'u'")
    padded = encoded[1:] + "=" * (-len(encoded[1:]) % 4)
    return gzip.decompress(base64.urlsafe_b64decode(padded))


def status_bit(bitstring, index):
    return bool(bitstring[index // 8] & (0x80 >> (index % 8)))


def status_list_credential(*, issuer, base_url, revoked_indexes, now):
    list_id = "%s/v1/public/credential-status/revocation" % base_url
    return {
        "@context": [VC_CONTEXT],
        "id": list_id,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer["id"],
        "validFrom": xsd_datetime(now),
        "credentialSubject": {
            "id": list_id + "#list",
            "type": "BitstringStatusList",
            "statusPurpose": "revocation",
            "encodedList": encode_status_list(revoked_indexes),
        },
    }




def now_utc():
    return datetime.now(timezone.utc)
