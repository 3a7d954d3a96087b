"""Signed credentials: an independent eddsa-jcs-2022 check, tampering, key
rotation and the bitstring status list."""
import base64
import copy
import hashlib
import secrets
from datetime import datetime, timezone
from pathlib import Path

import pytest
import rfc8785
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from certificates import credentials

ROOT = Path(__file__).resolve().parents[3]
ISSUED_AT = datetime(2027, 6, 20, 8, 30, tzinfo=timezone.utc)


def seed(label):
    """A fixed Ed25519 seed (base64url of 32 bytes) per label: repeatable tests."""
    return base64.urlsafe_b64encode(hashlib.sha256(label.encode()).digest()).rstrip(b"=").decode()


OLD_SECRET = seed("2026-09 test key")
NEW_SECRET = seed("2027-06 test key")
CERTIFICATE = {
    "code": "1X-IOT-01", "title": "物联网安装调试与运维", "organisation": "新大陆教育",
    "alignment": {"programmes": ["IOT-2027"], "courses": ["IOT101"], "competitions": []},
    "pass_rule": {"theory_min": 60, "practical_min": 60},
}


def issue(ring, number="1X-IOT-01-J-2027-000001", status_index=7, evidence=()):
    unsigned = credentials.certificate_credential(
        issuer={"id": "https://college.example.edu", "name": "深圳现代产业学院"},
        base_url="https://api.college.example.edu", number=number, certificate=CERTIFICATE,
        level="junior", holder={"id": "stu-20270001", "kind": "student", "name": "王小明"},
        result={"theory": 78.5, "practical": 85}, issued_at=ISSUED_AT,
        status_index=status_index, evidence=evidence)
    return credentials.sign(unsigned, ring.active, ISSUED_AT)


# an independent verifier: the cryptosuite's steps with cryptography and rfc8785 only

B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def b58decode(text):
    value = 0
    for char in text:
        value = value * 58 + B58.index(char)
    raw = value.to_bytes((value.bit_length() + 7) // 8, "big")
    return b"\0" * (len(text) - len(text.lstrip("1"))) + raw


def independently_verified(secured):
    proof = secured["proof"]
    assert proof["type"] == "DataIntegrityProof"
    assert proof["cryptosuite"] == "eddsa-jcs-2022"
    # did:key:z6Mk...#z6Mk... -> multicodec 0xed01 + 32-byte Ed25519 key
    fingerprint = proof["verificationMethod"].split("did:key:")[1].split("#")[0]
    assert fingerprint.startswith("z6Mk")
    multicodec = b58decode(fingerprint[1:])
    assert multicodec[:2] == b"\xed\x01"
    public_key = Ed25519PublicKey.from_public_bytes(multicodec[2:])
    document = {k: v for k, v in secured.items() if k != "proof"}
    proof_config = {k: v for k, v in proof.items() if k != "proofValue"}
    proof_config["@context"] = document["@context"]
    hash_data = (hashlib.sha256(rfc8785.dumps(proof_config)).digest()
                 + hashlib.sha256(rfc8785.dumps(document)).digest())
    assert proof["proofValue"].startswith("z")
    try:
        public_key.verify(b58decode(proof["proofValue"][1:]), hash_data)
    except InvalidSignature:
        return False
    return True


def test_an_issued_credential_verifies_independently_of_the_signing_code():
    ring = credentials.KeyRing("2027-06:" + NEW_SECRET)
    credential = issue(ring)

    assert independently_verified(credential)
    assert credential["@context"][0] == "https://www.w3.org/ns/credentials/v2"
    assert credential["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert credential["credentialSubject"]["achievement"]["name"] == "物联网安装调试与运维"
    assert credential["credentialStatus"]["statusListIndex"] == "7"
    assert credential["validFrom"] == "2027-06-20T08:30:00Z"


def test_a_tampered_credential_fails_both_verifiers():
    ring = credentials.KeyRing("2027-06:" + NEW_SECRET)
    credential = issue(ring)
    tampered = copy.deepcopy(credential)
    tampered["credentialSubject"]["result"][0]["value"] = "98"

    assert not independently_verified(tampered)
    assert credentials.verify_proof(tampered, ring) == [
        "the signature does not match the credential (altered or forged)"]
    forged_proof = copy.deepcopy(credential)
    forged_proof["proof"]["created"] = "2030-01-01T00:00:00Z"
    assert credentials.verify_proof(forged_proof, ring)
    assert credentials.verify_proof(credential, ring) == []


@pytest.mark.parametrize("alter", [
    lambda c: c["credentialSubject"].update(id=2 ** 60),  # beyond what JCS can represent
    lambda c: c["proof"].update(proofValue="z" + "2" * 5000),
    lambda c: c["proof"].update(proofValue=["z3"]),
    lambda c: c.pop("proof"),
])
def test_a_malformed_credential_is_reported_not_raised(alter):
    ring = credentials.KeyRing("2027-06:" + NEW_SECRET)
    credential = issue(ring)
    alter(credential)
    assert credentials.verify_proof(credential, ring)


def test_a_credential_signed_by_a_stranger_is_refused():
    ours = credentials.KeyRing("2027-06:" + NEW_SECRET)
    theirs = credentials.KeyRing("x:" + seed("a forger's key"))
    forged = issue(theirs)
    assert independently_verified(forged)  # mathematically sound, but not our key
    assert credentials.verify_proof(forged, ours) == [
        "the proof was not made with a key of this issuer"]


def test_after_a_rotation_old_credentials_still_verify_and_new_ones_use_the_new_key():
    before = credentials.KeyRing("2026-09:" + OLD_SECRET)
    old_credential = issue(before)
    after = credentials.KeyRing("2027-06:%s,2026-09:%s" % (NEW_SECRET, OLD_SECRET))
    new_credential = issue(after, number="1X-IOT-01-J-2027-000002", status_index=8)

    assert after.active.key_id == "2027-06"
    assert credentials.verify_proof(old_credential, after) == []
    assert credentials.verify_proof(new_credential, after) == []
    assert new_credential["proof"]["verificationMethod"] != \
        old_credential["proof"]["verificationMethod"]
    retired = credentials.KeyRing("2027-06:" + NEW_SECRET)  # the old key withdrawn
    assert credentials.verify_proof(old_credential, retired) == [
        "the proof was not made with a key of this issuer"]


def test_evidence_links_the_holders_project_deliverables():
    ring = credentials.KeyRing("k1:" + NEW_SECRET)
    credential = issue(ring, evidence=[{"url": "https://projects.example.edu/d/42",
                                        "deliverable_id": "d-42", "name": "视觉质检报告"}])
    assert credential["evidence"] == [{
        "id": "https://projects.example.edu/d/42", "type": ["Evidence"], "name": "视觉质检报告",
        "description": "project deliverable d-42"}]
    assert independently_verified(credential)


def test_the_status_list_sets_exactly_the_revoked_bits():
    document = credentials.status_list_credential(
        issuer={"id": "https://college.example.edu", "name": "college"},
        base_url="https://api.college.example.edu", revoked_indexes=[1, 7, 4096],
        now=ISSUED_AT)
    subject = document["credentialSubject"]
    assert document["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    assert subject["type"] == "BitstringStatusList"
    assert subject["statusPurpose"] == "revocation"
    bits = credentials.decode_status_list(subject["encodedList"])
    assert len(bits) * 8 == credentials.STATUS_LIST_SIZE
    assert bits[0] == 0b01000001  # indexes 1 and 7: the left-most bit is index 0
    assert [i for i in range(5000) if credentials.status_bit(bits, i)] == [1, 7, 4096]


@pytest.mark.parametrize("spec", ["short:tooshort", "a:%s,a:%s" % (OLD_SECRET, NEW_SECRET)])
def test_bad_key_configuration_is_refused(spec):
    with pytest.raises(credentials.KeyConfigurationError):
        credentials.KeyRing(spec)


def test_a_key_without_an_id_gets_one_from_its_public_key():
    ring = credentials.KeyRing(NEW_SECRET)
    assert ring.active.key_id and ring.active.key_id in ring.active.verification_method
    assert credentials.base58btc_decode(credentials.base58btc_encode(b"\0\0abc")) == b"\0\0abc"


def refusal(spec):
    with pytest.raises(credentials.KeyConfigurationError) as refused:
        credentials.KeyRing(spec)
    message = str(refused.value)
    assert message.startswith("CERTIFICATE_SIGNING_KEYS ")
    return message


@pytest.mark.parametrize("example, name", [
    ("deploy/k8s/secrets.env.example", "certificate-signing-keys"),
    ("deploy/compose/.env.example", "CERTIFICATE_SIGNING_KEYS"),
])
def test_the_signing_key_line_of_the_example_is_refused(example, name):
    line = next(line for line in (ROOT / example).read_text().splitlines()
                if line.startswith(name + "="))
    spec = line.partition("=")[2]
    message = refusal(spec)
    assert "placeholder" in message
    assert spec.partition(":")[2] not in message


def test_a_colon_inside_a_secret_never_moves_part_of_it_into_the_key_id():
    secret = secrets.token_urlsafe(30) + ":" + secrets.token_urlsafe(30)
    message = refusal("2027-06:" + secret)
    assert secret.partition(":")[0] not in message
    assert secret.partition(":")[2] not in message


@pytest.mark.parametrize("key_id", ["", "2027-06 ", "2027 06", "2027/06", "-2027", "k" * 65,
                                    "é2027"])
def test_a_key_id_follows_a_strict_pattern(key_id):
    assert "key id" in refusal("%s:%s" % (key_id, NEW_SECRET))


@pytest.mark.parametrize("secret, reason", [
    ("2026-09-secret-" + "a" * 40, "placeholder"),  # a passphrase, as keys were made before
    ("Kx7#pQ9!mZ2$vL5@nR8%tW3^yB6&cF1*hJ4(" + "dG0)", "base64url of 32 bytes"),
    (secrets.token_urlsafe(31), "base64url of 32 bytes"),
    (secrets.token_urlsafe(33), "base64url of 32 bytes"),
    (secrets.token_hex(32), "base64url of 32 bytes"),
    (base64.b64encode(bytes(range(200, 232))).decode(), "base64url of 32 bytes"),  # "+", "/"
])
def test_a_seed_is_exactly_32_bytes_in_base64url(secret, reason):
    message = refusal("2027-06:" + secret)
    assert reason in message
    assert secret not in message


def test_a_key_made_from_a_passphrase_converts_to_a_seed_that_verifies_what_it_signed():
    """Keys were once Ed25519 seeds hashed from a passphrase (SHA-256): the
    documented conversion gives the same key, so earlier credentials verify."""
    passphrase = "an-operator's-old-passphrase-of-2026-" + "q7" * 8

    class PassphraseKey:  # how CERTIFICATE_SIGNING_KEYS was read before seeds
        private_key = Ed25519PrivateKey.from_private_bytes(
            hashlib.sha256(passphrase.encode()).digest())
        verification_method = credentials.did_key_for(private_key.public_key())[1]

    signed_before = credentials.sign(
        credentials.certificate_credential(
            issuer={"id": "https://college.example.edu", "name": "college"},
            base_url="https://api.college.example.edu", number="1X-IOT-01-J-2026-000001",
            certificate=CERTIFICATE, level="junior",
            holder={"id": "stu-1", "kind": "student", "name": "王小明"},
            result={"theory": 70, "practical": 80}, issued_at=ISSUED_AT, status_index=3),
        PassphraseKey, ISSUED_AT)
    converted = base64.urlsafe_b64encode(
        hashlib.sha256(passphrase.encode()).digest()).rstrip(b"=").decode()

    ring = credentials.KeyRing("2027-06:%s,2026-09:%s" % (NEW_SECRET, converted))
    assert credentials.verify_proof(signed_before, ring) == []


def test_the_old_example_passphrase_stays_refused_after_conversion():
    converted = base64.urlsafe_b64encode(hashlib.sha256(
        b"CHANGE-ME-secret (see docs/certificates.md)").digest()).rstrip(b"=").decode()
    assert "placeholder" in refusal("2026-09:" + converted)


EXAM_PASS = dict(
    issuer={"id": "https://college.example.edu", "name": "深圳现代产业学院"},
    base_url="https://api.college.example.edu", number="1X-IOT-01-J-2027-000001",
    certificate=CERTIFICATE, level="junior",
    holder={"id": "stu-20270001", "kind": "student", "name": "王小明"},
    result={"theory": 78.5, "practical": 85}, issued_at=ISSUED_AT, status_index=7,
    evidence=[{"url": "https://git.example.cn/x", "deliverable_id": "d-1", "name": "方案"}],
    valid_until=datetime(2030, 6, 20, 23, 59, 59, tzinfo=timezone.utc))
AWARD = {"award": "first", "level": "provincial", "competition_name": "全省技能大赛 物联网",
         "held_on": "2027-05-20"}
AWARD_EVIDENCE = [{"id": "urn:college:award:e-1:stu-20270001", "type": ["Evidence"],
                   "name": "全省技能大赛 物联网",
                   "description": "first award, provincial skills competition, 2027-05-20"}]


def test_an_exam_pass_credential_is_the_same_document_as_before_awards_existed():
    # the JCS hash of this credential as the code made it before competitions
    document = credentials.certificate_credential(**EXAM_PASS)
    assert hashlib.sha256(rfc8785.dumps(document)).hexdigest() == \
        "f83a182b4d32a92bf87a0ff6470bbbd55b64da8bf60889dc078337068a7bcf1f"


def test_an_award_standing_in_for_the_exam_is_the_result_and_the_criteria_say_so():
    document = credentials.certificate_credential(
        **{**EXAM_PASS, "result": None}, award=AWARD, award_evidence=AWARD_EVIDENCE)
    subject = document["credentialSubject"]
    assert subject["result"] == [{
        "type": ["Result"], "value": "first",
        "resultDescription": "first award, provincial skills competition 全省技能大赛 物联网, "
                             "2027-05-20"}]
    assert subject["achievement"]["criteria"]["narrative"] == (
        "The exam was replaced by a first award in 全省技能大赛 物联网, a provincial skills "
        "competition held on 2027-05-20, under the programme's award rule.")
    # the awards come beside the project deliverables
    assert [item["id"] for item in document["evidence"]] == [
        "https://git.example.cn/x", "urn:college:award:e-1:stu-20270001"]
    ring = credentials.KeyRing("k:" + NEW_SECRET)
    assert credentials.verify_proof(credentials.sign(document, ring.active, ISSUED_AT),
                                    ring) == []
