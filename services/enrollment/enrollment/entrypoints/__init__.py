"""The enrollment service's entrypoints by sub-domain, as mixins combined in
``enrollment.service.EnrollmentService`` (as the gateway combines its routes).
Each entrypoint loads its input with the declared schema, runs a workflow
(``enrollment.workflows``) in the unit of work and dumps the answer with the
declared response schema."""
