"""The baselines' own small services, run beside the product (never inside it).

- ``bench_noop``: one RPC method that does nothing;
- ``bench_http``: ``GET /a`` answers without any RPC (baseline A) and ``GET /b``
  makes four parallel no-op RPCs, the naive fan-out of an aggregated view
  (baseline B).

Run with ``nameko run --config bench/baseline_config.yaml bench.baseline_service``.
"""
import json

from nameko.rpc import ServiceRpc, rpc
from nameko.web.handlers import http

FAN_OUT = 4


class NoopService:
    name = "bench_noop"

    @rpc
    def noop(self):
        return None


class BaselineHttpService:
    name = "bench_http"
    noop_rpc = ServiceRpc("bench_noop")

    @http("GET", "/a")
    def no_rpc(self, request):
        return 200, {"Content-Type": "application/json"}, json.dumps({"ok": True})

    @http("GET", "/b")
    def four_parallel_rpcs(self, request):
        replies = [self.noop_rpc.noop.call_async() for _ in range(FAN_OUT)]
        results = [reply.result() for reply in replies]
        return 200, {"Content-Type": "application/json"}, json.dumps({"ok": True,
                                                                      "calls": len(results)})
