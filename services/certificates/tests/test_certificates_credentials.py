"""Signed credentials: an independent eddsa-jcs-2022 check, tampering, key
rotation and the bitstring status list."""
import copy
import hashlib
from datetime import datetime, timezone

import pytest
import rfc8785
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from certificates import credentials

ISSUED_AT = datetime(2027, 6, 20, 8, 30, tzinfo=timezone.utc)
OLD_SECRET = "2026-09-secret-" + "a" * 40
NEW_SECRET = "2027-06-secret-" + "b" * 40
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
    theirs = credentials.KeyRing("x:" + "forger-" * 8)
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


@pytest.mark.parametrize("spec", ["short:tooshort", "a:%s,a:%s" % ("x" * 40, "y" * 40)])
def test_bad_key_configuration_is_refused(spec):
    with pytest.raises(credentials.KeyConfigurationError):
        credentials.KeyRing(spec)


def test_a_key_without_an_id_gets_one_from_its_public_key():
    ring = credentials.KeyRing("z" * 64)
    assert ring.active.key_id and ring.active.key_id in ring.active.verification_method
    assert credentials.base58btc_decode(credentials.base58btc_encode(b"\0\0abc")) == b"\0\0abc"
