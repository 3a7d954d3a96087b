"""The HTTP API's request and response schemas, one module per service.

The services validate their RPC input and shape their output with these; the
gateway declares them on its routes, and the OpenAPI document is generated
from them, so the published API cannot drift from what the code checks."""
