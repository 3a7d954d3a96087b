"""The certificates service's entrypoints by sub-domain, as mixins combined in
``certificates.service.CertificatesService`` (which gives them ``store``,
``clock`` and ``issuer``). Each loads its input with the declared schema,
runs a workflow (``certificates.workflows``) in the unit of work, or on
``store.reading()`` when it only reads, and dumps the declared response."""
