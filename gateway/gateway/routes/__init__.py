"""The gateway's routes, one module per service behind it.

Each module holds a mixin of ``@route`` handlers; ``GatewayService`` combines
them. A handler authenticates through ``route``, scopes enterprise users with
``gateway.scoping`` and calls its service through ``self.call``.
"""
