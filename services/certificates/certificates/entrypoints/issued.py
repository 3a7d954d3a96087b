"""Issued certificates and their credentials, revocation, and public
verification (numbers, posted credentials, the status list, the keys)."""
from certificates import credentials, domain, workflows
from certificates.schemas import (
    HolderCheckSchema,
    IssuedQuerySchema,
    IssuedSchema,
    RevocationSchema,
    VerificationKeysSchema,
)
from college_platform.errors import InvalidInput, NotFound
from college_platform.rpc import rpc
from college_platform.validation import load

issued_view = IssuedSchema()
keys_view = VerificationKeysSchema()


class IssuedEntrypoints:

    @rpc
    def get_issued(self, number, actor=None):
        """One issued certificate; ``actor``: a candidate sees only their own."""
        return issued_view.dump(workflows.visible_issued(self.store.reading(), number, actor))

    @rpc
    def list_issued(self, query=None):
        params = load(IssuedQuerySchema(), query or {})
        criteria = {key: params[key] for key in ("candidate_id", "certificate_code")
                    if params[key]}
        return self.store.reading().records.issued_page(criteria, params, issued_view)

    @rpc
    def get_credential(self, number, actor=None):
        """The signed credential (VC 2.0 JSON) of an issued certificate;
        ``actor``: a candidate downloads only their own."""
        return workflows.visible_issued(self.store.reading(), number, actor)["credential"]

    @rpc
    def revoke(self, number, payload):
        """Revoke an issued certificate, reversing the credits it granted.
        Announces ``certificate_revoked`` (and ``credits_reversed``).

        payload: {"reason": "考试作弊，成绩取消"}
        """
        reason = load(RevocationSchema(), payload)["reason"]
        self.store.transact(lambda uow: workflows.revoke(uow, number, reason))
        self.issuer.status_list.forget()
        return self.get_issued(number)

    # public verification ----------------------------------------------------------------

    @rpc
    def verify_number(self, number, query=None):
        """What anyone may learn of a certificate number (``domain.public_answer``):
        its status, what it certifies, by whom and when, and whether its stored
        credential's proof still holds; never the holder nor a revocation's
        reason. Every number without a certificate, well-formed or not, is the
        same ``NotFound``.

        query: {"holder_name": "王小明"} (optional) -> "holder_name_matches": true or false
        """
        holder_name = None
        if query is not None:
            holder_name = load(HolderCheckSchema(), query)["holder_name"]
        canonical = domain.canonical_number(number)
        issued = canonical and self.store.reading().records.find_issued(canonical)
        if not issued:
            raise NotFound(domain.UNKNOWN_NUMBER)
        return domain.public_answer(
            issued, today=self.clock().date(), holder_name=holder_name,
            proof_problems=credentials.verify_proof(issued["credential"], self.issuer.key_ring))

    @rpc
    def verify_credential(self, credential):
        """Verify a posted credential: its proof, its key, the issuer's record of
        it and its status (``domain.credential_verdict``); never a revocation's reason.

        -> {"verified": false, "status": "revoked", "certificate_number": "...",
            "holder_name": "王小明", "problems": ["the certificate was revoked"], ...}
        """
        if not isinstance(credential, dict):
            raise InvalidInput("the body must be a credential (a JSON object)",
                               errors={"_schema": ["Expected a JSON object."]})
        problems = credentials.verify_proof(credential, self.issuer.key_ring)
        issued = None
        if not problems:
            issued = self.store.reading().records.find_issued(
                domain.presented_number(credential))
        return domain.credential_verdict(issued, today=self.clock().date(),
                                         proof_problems=problems)

    @rpc
    def status_list(self):
        """The signed W3C Bitstring Status List credential of revocations, built
        at most every STATUS_LIST_CACHE_SECONDS (and afresh after a revocation here)."""
        def build():
            now = self.clock()
            revoked = self.store.reading().records.revoked_status_indexes(
                credentials.STATUS_LIST_SIZE)
            document = credentials.status_list_credential(
                issuer=self.issuer.profile, base_url=self.issuer.base_url,
                revoked_indexes=revoked, now=now)
            key = self.issuer.key_ring.active
            return credentials.sign(document, key, now) if key else document

        return self.issuer.status_list.get(build)

    @rpc
    def verification_keys(self):
        """The issuer's keys: the active one first, then those kept for verifying."""
        return keys_view.dump({"issuer": self.issuer.profile, "keys": [
            key.public_description() for key in self.issuer.key_ring.keys]})
