#!/usr/bin/env python3
"""Switchyard's cost and scale model, recomputed from the bench output (docs/cost-and-scale.md).

    scripts/cost-model.py [report] [--bench .switchyard/bench/latest.jsonl] [--prices bench/prices.json]
                          [--peak-rate 10000] [--peak-minutes 15] [--erp-rpm 600] [--markdown]
    scripts/cost-model.py predict-burst --orders N --rate R --erp-orders-per-s MU [--pickup-s S]

`report` (the default) reads every row `make bench` wrote (.switchyard/bench/latest.jsonl; the
raw burst measurements in .switchyard/bench/burst.json when the table has no burst row), the
prices file, and the Terraform defaults in infra/aws (read from the .tf files, so a changed
default changes the model), and prints:
  1. cost per million orders, by service;
  2. the peak model: a peak of --peak-rate orders/s for --peak-minutes, the ERP taking --erp-rpm
     JSON-RPC requests a minute: what the intake admits, queue depth over time, drain time,
     Lambda concurrency per function (Little's law), DynamoDB partition heat, the EventBridge
     PutEvents quota, SQS retention against the drain time, and where it breaks first, with
     the setting (a Terraform variable where there is one) that moves each limit.
Every input that is not a measurement is printed under "Assumptions", labelled as such.

`predict-burst` prints (JSON) what the same queue model predicts for a local burst of N orders
submitted at R/s against an ERP posting MU orders/s: peak depth, drain time, depth series. The
bench's scaled-down peak check compares it with what it measured.

Standard library only.
"""

import argparse
import json
import math
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Functions that run on a schedule or on operator action, not per order: their cost is fixed
# a month, so they are left out of the per-order cost (and listed as such).
# The catalog projector and the stock pushers follow erp-changes' polls (stock levels per SKU,
# coalesced), so they scale with SKUs and polls, not with orders.
NOT_PER_ORDER = {"erp-changes", "reconciler", "edi-inventory-advice", "dlq-redrive", "ops-api",
                 "catalog-projector"}


class Assumptions:
    """Collects every input that was not measured, to print with the result."""

    def __init__(self):
        self.items = []

    def use(self, name, value, why):
        self.items.append((name, value, why))
        return value


# ---- inputs ------------------------------------------------------------------------------------

def read_rows(path):
    rows = []
    if os.path.exists(path):
        with open(path) as f:
            for line in f:
                line = line.strip()
                if line.startswith("{"):
                    try:
                        rows.append(json.loads(line))
                    except json.JSONDecodeError:
                        pass
    return rows


def tf_default(text, variable):
    """The default of `variable "<name>"` in Terraform text (a number), or None."""
    m = re.search(r'variable\s+"%s"\s*\{(.*?)\n\}' % re.escape(variable), text, re.S)
    if not m:
        return None
    d = re.search(r"default\s*=\s*([0-9.]+)", m.group(1))
    return float(d.group(1)) if d else None


def read_infra(infra_root):
    aws = os.path.join(infra_root, "aws")
    variables = open(os.path.join(aws, "variables.tf")).read()
    main = open(os.path.join(aws, "main.tf")).read()
    queue_vars = open(os.path.join(infra_root, "modules", "queue_with_dlq", "variables.tf")).read()
    infra = {
        "api_throttling_rate_limit": tf_default(variables, "api_throttling_rate_limit"),
        "api_throttling_burst_limit": tf_default(variables, "api_throttling_burst_limit"),
        "erp_max_concurrency": tf_default(variables, "erp_max_concurrency"),
        "orders_max_receive_count": tf_default(variables, "orders_max_receive_count"),
        "log_retention_days": tf_default(variables, "log_retention_days"),
        "message_retention_seconds": tf_default(queue_vars, "message_retention_seconds"),
        "reserved_concurrency": {},
        "memory_mb": {},
        "timeout_seconds": {},
    }
    block = re.search(r'variable\s+"reserved_concurrency"(.*?)\n\}', variables, re.S)
    if block:
        for name, n in re.findall(r"(\w+)\s*=\s*optional\(number,\s*([0-9]+)\)", block.group(1)):
            infra["reserved_concurrency"][name] = int(n)
    for name, timeout, memory in re.findall(
            r'"([a-z0-9-]+)"\s*=\s*\{\s*timeout_seconds\s*=\s*([0-9]+)\s*memory_mb\s*=\s*([0-9]+)', main):
        infra["memory_mb"][name] = int(memory)
        infra["timeout_seconds"][name] = int(timeout)
    # Functions defined by a for-expression (stock and fulfilment pushers) share one block.
    for m in re.finditer(r"timeout_seconds\s*=\s*([0-9]+)\s*memory_mb\s*=\s*([0-9]+)", main):
        infra.setdefault("pusher_memory_mb", int(m.group(2)))
    orders_queue = re.search(r'module\s+"orders_queue"\s*\{(.*?)\n\}', main, re.S)
    if orders_queue and "message_retention_seconds" in orders_queue.group(1):
        m = re.search(r"message_retention_seconds\s*=\s*([0-9]+)", orders_queue.group(1))
        infra["message_retention_seconds"] = float(m.group(1))
    esm = re.search(r'resource\s+"aws_lambda_event_source_mapping"\s+"orders"\s*\{(.*?)\n\}', main, re.S)
    infra["orders_batch_size"] = None
    infra["orders_batching_window_s"] = None
    if esm:
        m = re.search(r"batch_size\s*=\s*([0-9]+)", esm.group(1))
        infra["orders_batch_size"] = int(m.group(1)) if m else None
        m = re.search(r"maximum_batching_window_in_seconds\s*=\s*([0-9]+)", esm.group(1))
        infra["orders_batching_window_s"] = int(m.group(1)) if m else None
    shards = None
    orders_rs = os.path.join(ROOT, "shared", "orders", "src", "dynamodb.rs")
    if os.path.exists(orders_rs):
        m = re.search(r"pub const STATUS_SHARDS: u32 = ([0-9]+);", open(orders_rs).read())
        shards = int(m.group(1)) if m else None
    infra["status_shards"] = shards
    return infra


def find_burst(rows, raw_path, assume):
    """The burst's measurements: the bench row that carries them, else the raw file."""
    for row in rows:
        if row.get("section") == "End-to-end latency" and "functions" in row:
            return row, "bench row %r" % row.get("row")
    if os.path.exists(raw_path):
        b = json.load(open(raw_path))
        return {
            "orders": b["orders"], "erp_orders_per_s": b["erp_orders_per_s"],
            "erp_rpcs_per_order": (b.get("erp_rpcs_per_order") or {}).get("mean"),
            "erp_ms_per_order": (b.get("erp_ms_per_order") or {}).get("mean"),
            "processor_busy_ms_per_order": b.get("processor_busy_ms_per_order"),
            "functions": b.get("functions") or {}, "log_bytes_per_order": b.get("log_bytes_per_order") or {},
            "drain_s": b.get("drain_s"), "peak_queue_depth": b.get("peak_queue_depth"),
            "api_answer_ms_unloaded": ((b.get("one_at_a_time") or {}).get("answer_ms") or {}).get("p50"),
        }, raw_path
    return None, None


def find_requests(rows):
    """Per-operation AWS request counts per order (the lead's 'AWS requests per order' section)."""
    candidates = [r for r in rows if isinstance(r.get("requests_by_operation"), dict)]
    chosen = next((r for r in candidates
                   if "api" in (r.get("row", "") + " " + str(r.get("path", ""))).lower()
                   and "webhook" not in r.get("row", "").lower()), candidates[0] if candidates else None)
    if chosen is None:
        return None, None
    # Keys are "service:Operation resource" (the aws-requests section names the table or queue);
    # the model prices by operation. The event source mapping's own SQS calls (plumbing) are
    # billed on AWS too.
    counts = {}
    for source in (chosen["requests_by_operation"], chosen.get("plumbing_by_operation") or {}):
        for key, n in source.items():
            op = key.split(" ", 1)[0]
            counts[op] = counts.get(op, 0) + n
    return counts, "bench row %r (with its event-source plumbing)" % chosen.get("row")


# What issue 12 measured from outside for one API order (about 16 requests): 7 in the request,
# about 6 in posting, about 3 in the acknowledger. Used only when the bench has no such row.
FALLBACK_REQUESTS = {
    # In the request (7): authenticate (API key, channel), the rate-limit counter, the
    # idempotency claim, the order transaction, the send, the idempotency completion.
    # Posting (about 6): the receive, the order read, its save, the outbox flush, the event,
    # the delete. The acknowledger (about 3): its receive, the channel read, the delete.
    "dynamodb:GetItem": 4,
    "dynamodb:UpdateItem": 4,
    "dynamodb:PutItem": 1,
    "dynamodb:TransactWriteItems": 1,
    "sqs:SendMessage": 1,
    "sqs:ReceiveMessage": 2,
    "sqs:DeleteMessage": 2,
    "events:PutEvents": 1,
}


def cold_start_rows(rows):
    """{function: row} for rows carrying duration_ms and memory_mb (the cold-start section)."""
    out = {}
    for r in rows:
        if "duration_ms" in r and "memory_mb" in r:
            name = r.get("function") or r.get("row", "").split(",")[0].split(" ")[0]
            out[name] = r
    return out


# ---- cost --------------------------------------------------------------------------------------

def dynamodb_units(op, count, assume):
    """(read units, write units) for `count` calls of `op`, at the assumed item sizes."""
    kb = assume.order_kb
    if op in ("dynamodb:GetItem", "dynamodb:Query", "dynamodb:BatchGetItem", "dynamodb:Scan"):
        return count * 1.0, 0.0  # strongly consistent, items under 4 KB
    if op in ("dynamodb:PutItem", "dynamodb:UpdateItem"):
        return 0.0, count * math.ceil(kb)
    if op == "dynamodb:DeleteItem":
        return 0.0, count * 1.0
    if op == "dynamodb:TransactWriteItems":
        # Two items (the order, its external-id key), each at twice the units in a transaction.
        return 0.0, count * 2 * (math.ceil(kb) + 1)
    if op == "dynamodb:ConditionCheckItem":
        return count * 1.0, 0.0
    return 0.0, 0.0


def cost_per_million(burst, requests, infra, prices, assume):
    p = {k: v["usd"] for k, v in prices["prices"].items()}
    lines = []  # (service, item, usd per million orders, how)

    # Lambda: every per-order function the burst invoked, at its measured invocations per order
    # and mean duration, at the configured memory (Lambda bills configured memory, 1 ms steps).
    orders = burst["orders"]
    for fn, f in sorted((burst.get("functions") or {}).items()):
        if fn in NOT_PER_ORDER or fn.startswith("stock-push"):
            continue
        per_order = f["invocations"] / orders
        memory_mb = infra["memory_mb"].get(fn) or infra.get("pusher_memory_mb") or 256
        gb_s = per_order * math.ceil(f["mean_ms"]) / 1000 * memory_mb / 1024
        lines.append(("Lambda", "%s GB-s (%.3f inv/order x %.0f ms x %d MB)" % (fn, per_order, f["mean_ms"], memory_mb),
                      gb_s * 1e6 * p["lambda_gb_second_arm64"], "measured"))
        lines.append(("Lambda", "%s requests" % fn, per_order * p["lambda_requests"], "measured"))

    # API Gateway: the submission.
    lines.append(("API Gateway", "HTTP API request (1 per order)", p["apigw_http_requests"], "one POST per order"))

    # DynamoDB, SQS, EventBridge from the per-operation counts.
    rru = wru = 0.0
    sqs = 0.0
    events = 0.0
    for op, n in sorted(requests.items()):
        if op.startswith("dynamodb:"):
            r, w = dynamodb_units(op, n, assume)
            rru += r
            wru += w
        elif op.startswith("sqs:"):
            sqs += n
        elif op == "events:PutEvents":
            events += n * assume.entries_per_putevents
    gsi = assume.use("status-index writes per order", 3,
                     "assumption: the by-status index gains an entry on RECEIVED (1 WRU) and moves it on ACCEPTED (delete + put, 2 WRU)")
    wru += gsi
    deliveries = events * assume.sqs_targets_per_event
    lines.append(("DynamoDB", "read request units (%.1f per order)" % rru, rru * p["dynamodb_on_demand_read_request_units"], "counted"))
    lines.append(("DynamoDB", "write request units (%.1f per order)" % wru, wru * p["dynamodb_on_demand_write_request_units"], "counted"))
    lines.append(("SQS", "requests by the functions (%.1f per order)" % sqs, sqs * p["sqs_standard_requests"], "counted"))
    lines.append(("SQS", "EventBridge deliveries to queues (%.1f per order)" % deliveries,
                  deliveries * p["sqs_standard_requests"], "events x rules"))
    lines.append(("EventBridge", "custom events (%.1f per order)" % events, events * p["eventbridge_custom_events"], "counted"))

    # CloudWatch Logs: the bytes each function logged per order in the burst, plus the platform's
    # START/END/REPORT lines per invocation.
    log_bytes = sum(v for fn, v in (burst.get("log_bytes_per_order") or {}).items() if fn not in NOT_PER_ORDER)
    invocations = sum(f["invocations"] / orders for fn, f in (burst.get("functions") or {}).items()
                      if fn not in NOT_PER_ORDER and not fn.startswith("stock-push"))
    log_bytes += invocations * assume.platform_log_bytes
    gb = log_bytes / 1e9
    lines.append(("CloudWatch Logs", "ingestion (%.0f bytes per order)" % log_bytes, gb * 1e6 * p["cloudwatch_logs_ingestion"], "measured"))
    months = (infra["log_retention_days"] or 30) / 30.0
    lines.append(("CloudWatch Logs", "storage (%.0f days kept, %.0f%% after compression)" % (months * 30, assume.log_compression * 100),
                  gb * 1e6 * assume.log_compression * months * p["cloudwatch_logs_storage"], "retention"))
    return lines


# ---- the queue model ---------------------------------------------------------------------------

def queue_model(arrival, seconds, service, pickup_s=0.0, points=12):
    """A fluid queue: `arrival`/s for `seconds`, served at `service`/s after `pickup_s`.

    Returns (peak depth, drain time from the first arrival, [[t, depth], ...])."""
    total = arrival * seconds
    if service <= 0:
        return total, math.inf, [[0, 0], [seconds, total]]
    if arrival <= service:
        # Never builds: each order waits only for its own processing.
        return max(1.0, arrival * pickup_s), seconds + pickup_s + 1.0 / service, [[0, 0], [seconds, 0]]
    drain = pickup_s + total / service

    def depth(t):
        admitted = arrival * min(t, seconds)
        served = service * max(0.0, t - pickup_s)
        return max(0.0, admitted - served)

    peak = depth(seconds)
    ts = sorted(set([0.0, seconds, drain] + [drain * i / points for i in range(points + 1)]))
    return peak, drain, [[round(t, 1), round(depth(t))] for t in ts]


def fmt_s(s):
    if s is None or s == math.inf:
        return "never"
    if s < 120:
        return "%.0f s" % s
    if s < 7200:
        return "%.1f min" % (s / 60)
    if s < 172800:
        return "%.1f h" % (s / 3600)
    return "%.1f days" % (s / 86400)


def peak_model(args, burst, requests, infra, prices, assume, rows_all=()):
    q = {k: v["value"] for k, v in prices["quotas"].items() if isinstance(v, dict)}
    lam = args.peak_rate
    seconds = args.peak_minutes * 60
    out = {"limits": [], "after": []}

    rpcs = burst.get("erp_rpcs_per_order")
    if not rpcs:
        rpcs = assume.use("ERP RPCs per order", 16, "assumption: no measured RPC count in the bench output")
    erp_rps = args.erp_rpm / 60.0
    mu_erp = erp_rps / rpcs
    fns = burst.get("functions") or {}
    orders = burst["orders"]

    def mean_ms(fn, fallback, why):
        if fn in fns and fns[fn]["invocations"]:
            return fns[fn]["mean_ms"], "measured on the local stack"
        return assume.use("%s duration (ms)" % fn, fallback, why), "assumed"

    # The orders-api duration on AWS: the cold-start section's warm duration (release build) if
    # the bench has it, else the unloaded 202 round trip measured by the burst section (debug
    # build, moto), else the burst's mean (inflated by the 2-core machine under a burst).
    cold = cold_start_rows(rows_all)
    if "orders-api" in cold and cold["orders-api"].get("warm_ms"):
        api_ms, api_how = cold["orders-api"]["warm_ms"], "measured, cold-start section (warm)"
    elif burst.get("api_answer_ms_unloaded"):
        api_ms, api_how = burst["api_answer_ms_unloaded"], "measured: an unloaded order's 202 round trip, local debug build"
    else:
        api_ms, api_how = mean_ms("orders-api", 50, "assumption: no orders-api invocations in the burst")
    proc_ms_per_order = burst.get("processor_busy_ms_per_order") or assume.use(
        "processor ms per order", 700, "assumption: no processor durations in the burst")
    erp_ms = burst.get("erp_ms_per_order") or proc_ms_per_order
    # On AWS at the peak, a processor's order takes Switchyard's own part (measured: processor
    # time less the time waiting on Tryton) plus the ERP's calls, and at the ERP's cap each of the
    # `conc` processors gets erp_rps / conc calls a second. SQLite Tryton's local speed is not used.
    conc = infra["erp_max_concurrency"] or 2
    own_ms = max(0.0, proc_ms_per_order - erp_ms)
    per_order_at_cap = own_ms / 1000.0 + rpcs * conc / erp_rps
    mu_conc = conc / per_order_at_cap
    mu = min(mu_erp, mu_conc)
    batch = infra["orders_batch_size"] or 10
    timeout = infra["timeout_seconds"].get("order-processor", 30)
    out["batch"] = {"size": batch, "timeout_s": timeout, "per_order_s": per_order_at_cap,
                    "needs_s": batch * per_order_at_cap, "window_s": infra["orders_batching_window_s"]}
    out["erp"] = {"rpcs_per_order": rpcs, "erp_rps": erp_rps, "mu_erp": mu_erp, "mu_conc": mu_conc, "mu": mu,
                  "proc_ms": proc_ms_per_order, "erp_ms": erp_ms, "conc": conc, "own_ms": own_ms,
                  "per_order_at_cap": per_order_at_cap}

    # Intake limits, each as the orders/s it admits, with the setting that moves it.
    L = out["limits"]
    rate = infra["api_throttling_rate_limit"]
    L.append(("API Gateway stage throttle", rate,
              "api_throttling_rate_limit = %g req/s (burst %g) in infra/aws/variables.tf; the rest get 429"
              % (rate, infra["api_throttling_burst_limit"]), "api_throttling_rate_limit, api_throttling_burst_limit"))
    L.append(("API Gateway account quota", q["apigw_account_rps"],
              "%d req/s per account and region, all APIs" % q["apigw_account_rps"], "AWS quota (Service Quotas: API Gateway throttle)"))
    res_api = infra["reserved_concurrency"].get("orders_api", 20)
    L.append(("orders-api reserved concurrency", res_api / (api_ms / 1000.0),
              "%d concurrent / %.0f ms per request (%s)" % (res_api, api_ms, api_how), "reserved_concurrency.orders_api"))
    account = q["lambda_account_concurrency"]
    L.append(("Lambda account concurrency", (account - 100) / (api_ms / 1000.0),
              "%d (100 kept unreserved) / %.0f ms" % (account, api_ms), "AWS quota (Lambda concurrent executions)"))
    # DynamoDB heat at intake. Per-order items (ORDER#<id>, EXTREF#<channel>#<external id>,
    # the idempotency key) spread over partitions; the hot ones are per channel or per status.
    reads_per_request = assume.use("channel-item reads per request", 1,
                                   "assumption: each request reads the API-key item and the channel item once each, strongly consistent (issue 12's '2 reads to authenticate'); a channel-record cache removes them")
    L.append(("DynamoDB hot item: one channel's APIKEY#/CHANNEL# item", q["dynamodb_partition_rcu"] / reads_per_request,
              "%d RCU/s per partition, 1 RCU per request on each item, if one channel sends the whole peak"
              % q["dynamodb_partition_rcu"], "code: an in-process channel cache (shared/channels); no Terraform setting"))
    L.append(("DynamoDB hot item: RATE#<channel>#<second> counter", q["dynamodb_partition_wcu"],
              "%d WCU/s per partition, one write per request, for a channel with a rate limit" % q["dynamodb_partition_wcu"],
              "the channel's rate limit (switchyard channels add --rate-limit); code: shard the counter (shared/throttle)"))
    shards = infra["status_shards"] or 8
    L.append(("DynamoDB by-status index: RECEIVED#<shard>", q["dynamodb_partition_wcu"] * shards,
              "%d shards x %d WCU/s; every order enters RECEIVED at the intake rate" % (shards, q["dynamodb_partition_wcu"]),
              "STATUS_SHARDS in shared/orders/src/dynamodb.rs (code, not Terraform)"))
    intake_wru = assume.use("orders-table write units per order at intake", 2 * (math.ceil(assume.order_kb) + 1) + 1,
                            "assumption: the order transaction (2 items, %g KB + 1 KB, doubled) + the index entry" % assume.order_kb)
    L.append(("DynamoDB new on-demand table (orders)", q["dynamodb_new_table_on_demand_wru"] / intake_wru,
              "a new on-demand table serves %d WRU/s at once, %g WRU per order" % (q["dynamodb_new_table_on_demand_wru"], intake_wru),
              "warm_throughput on aws_dynamodb_table in infra/modules/tables/main.tf (not set today)"))
    L.append(("DynamoDB on-demand table quota (orders)", q["dynamodb_table_on_demand_max_wru"] / intake_wru,
              "%d WRU/s per table" % q["dynamodb_table_on_demand_max_wru"], "AWS quota (DynamoDB table-level write throughput)"))
    L.sort(key=lambda x: x[1])
    admitted = min([lam] + [x[1] for x in L])
    out["admitted"] = admitted

    # The queue, twice: as configured (what the intake admits), and with every intake limit
    # raised (what the ERP side then faces).
    out["configured"] = queue_model(admitted, seconds, mu)
    out["unthrottled"] = queue_model(lam, seconds, mu)
    retention = infra["message_retention_seconds"] or 345600
    out["retention"] = retention
    for key in ("configured", "unthrottled"):
        arrival = admitted if key == "configured" else lam
        total = arrival * seconds
        if arrival > mu:
            slope = 1.0 / mu - 1.0 / arrival  # the k-th order waits k x slope
            survive = min(total, retention / slope)
        else:
            survive = total
        out[key + "_posted_before_expiry"] = survive
        out[key + "_total"] = total

    # Lambda concurrency per function (Little's law: arrival rate x duration).
    conc_rows = []
    conc_rows.append(("orders-api", admitted, api_ms, admitted * api_ms / 1000, res_api, "reserved_concurrency.orders_api"))
    conc_rows.append(("orders-api (unthrottled)", lam, api_ms, lam * api_ms / 1000, res_api, "reserved_concurrency.orders_api"))
    conc_rows.append(("order-processor", mu, per_order_at_cap * 1000, mu * per_order_at_cap, conc, "erp_max_concurrency"))
    for fn, f in sorted(fns.items()):
        if fn in ("orders-api", "order-processor") or fn in NOT_PER_ORDER or fn.startswith("stock-push"):
            continue
        per_order = f["invocations"] / orders
        key = fn.replace("-", "_")
        conc_rows.append((fn, mu * per_order, f["mean_ms"], mu * per_order * f["mean_ms"] / 1000,
                          infra["reserved_concurrency"].get(key), "reserved_concurrency.%s" % key))
    out["concurrency"] = conc_rows

    # EventBridge: events are published when an order is posted, at the ERP's rate.
    putevents = requests.get("events:PutEvents", 0)
    out["eventbridge"] = {"putevents_per_s": mu * putevents, "quota": q["eventbridge_putevents_rps"],
                          "invocations_per_s": mu * putevents * assume.entries_per_putevents * assume.sqs_targets_per_event,
                          "invocation_quota": q["eventbridge_invocations_per_s"]}
    out["sqs_inflight"] = {"max": conc * 10, "quota": q["sqs_standard_inflight"]}
    return out


# ---- output ------------------------------------------------------------------------------------

def table(headers, rows):
    widths = [max(len(str(h)), *(len(str(r[i])) for r in rows)) if rows else len(str(h)) for i, h in enumerate(headers)]
    line = "| " + " | ".join(str(h).ljust(w) for h, w in zip(headers, widths)) + " |"
    sep = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    body = ["| " + " | ".join(str(c).ljust(w) for c, w in zip(r, widths)) + " |" for r in rows]
    return "\n".join([line, sep] + body)


def report(args):
    assume = Assumptions()
    assume.order_kb = assume.use("order item size (KB)", 2.0,
                                 "assumption: the order record (order, history, outbox) is about 2 KB, so 2 WRU a write")
    assume.entries_per_putevents = assume.use("entries per PutEvents call", 1,
                                              "assumption: the processor publishes one event (OrderAccepted) per call")
    assume.sqs_targets_per_event = assume.use("SQS deliveries per event", 2,
                                              "infra/aws: every event to the order-events queue, OrderAccepted also to edi-acknowledgements")
    assume.platform_log_bytes = assume.use("platform log bytes per invocation", 260,
                                           "assumption: Lambda's START, END and REPORT lines")
    assume.log_compression = assume.use("log compression for storage", 0.15,
                                        "assumption: JSON log lines compress to about 15% (storage is billed compressed)")
    rows = read_rows(args.bench)
    prices = json.load(open(args.prices))
    infra = read_infra(args.infra)
    burst, burst_from = find_burst(rows, args.burst_raw, assume)
    if burst is None:
        sys.exit("cost-model.py: no burst measurements in %s or %s: run `make bench` (or bench/sections/burst.sh) first"
                 % (args.bench, args.burst_raw))
    requests, requests_from = find_requests(rows)
    if requests is None:
        requests = FALLBACK_REQUESTS
        requests_from = "ASSUMPTION: no 'AWS requests per order' row in the bench output; issue 12's outside measurement of an API order (16 requests)"
        assume.use("AWS requests per order", sum(FALLBACK_REQUESTS.values()), requests_from)

    out = []
    say = out.append
    say("# Switchyard cost and scale model")
    say("")
    say("Prices: %s (%s, dated %s; re-check every price before a quote)." % (args.prices, prices["region"], prices["date"]))
    say("Measurements: burst from %s (%d orders); AWS requests per order from %s." % (burst_from, burst["orders"], requests_from))
    say("")
    say("## Cost per million orders (API orders)")
    say("")
    lines = cost_per_million(burst, requests, infra, prices, assume)
    by_service = {}
    for service, item, usd, how in lines:
        by_service[service] = by_service.get(service, 0.0) + usd
    total = sum(by_service.values())
    say(table(["service", "USD per million orders", "share"],
              [(s, "%.2f" % u, "%.0f%%" % (100 * u / total if total else 0)) for s, u in
               sorted(by_service.items(), key=lambda x: -x[1])] + [("**total**", "**%.2f**" % total, "100%")]))
    say("")
    say("Line items:")
    say("")
    say(table(["service", "item", "USD / M orders", "basis"], [(s, i, "%.3f" % u, h) for s, i, u, h in lines]))
    say("")

    m = peak_model(args, burst, requests, infra, prices, assume, rows)
    e = m["erp"]
    say("## Peak: %g orders/s for %g minutes, the ERP taking %g requests/min" % (args.peak_rate, args.peak_minutes, args.erp_rpm))
    say("")
    say("ERP side: %.1f JSON-RPC calls per order (measured) -> the ERP's %g req/min post at most %.3f orders/s. "
        "The processors (erp_max_concurrency = %d) each need %.0f ms of their own per order (measured: %.0f ms of "
        "processor time less %.0f ms waiting on Tryton, local stack) plus %.1f s of ERP calls at the ERP's cap, so "
        "they post %.3f orders/s; the model uses the lower, %.3f orders/s. Switchyard paces the ERP only by "
        "concurrency: an ERP that answers faster than its quota gets more than %g req/min from it."
        % (e["rpcs_per_order"], args.erp_rpm, e["mu_erp"], e["conc"], e["own_ms"], e["proc_ms"], e["erp_ms"],
           e["rpcs_per_order"] * e["conc"] / e["erp_rps"], e["mu_conc"], e["mu"], args.erp_rpm))
    say("")
    say("### Intake limits, lowest first (orders/s each admits)")
    say("")
    say(table(["limit", "orders/s", "why", "moved by"],
              [(n, "%.0f" % v, w, s) for n, v, w, s in m["limits"]]))
    say("")
    say("The intake admits %.0f orders/s of the %g offered; the rest are refused with 429 (the channel retries)." % (m["admitted"], args.peak_rate))
    say("")
    for key, label, arrival in (("configured", "as configured (the intake admits %.0f/s)" % m["admitted"], m["admitted"]),
                                ("unthrottled", "every intake limit raised (%g/s reach the queue)" % args.peak_rate, args.peak_rate)):
        peak, drain, series = m[key]
        say("### Orders queue, %s" % label)
        say("")
        say("Peak depth %.0f at the end of the peak; drain time %s after the first order (posting at %.3f/s)."
            % (peak, fmt_s(drain), e["mu"]))
        survive = m[key + "_posted_before_expiry"]
        total = m[key + "_total"]
        if survive < total:
            say("SQS keeps a message %s (message_retention_seconds): only the first %.0f of %.0f orders are posted before "
                "their message expires; the reconciler re-queues orders left RECEIVED, so they are late, not lost, but the "
                "queue never drains inside retention." % (fmt_s(m["retention"]), survive, total))
        else:
            say("Every message is posted inside SQS retention (%s)." % fmt_s(m["retention"]))
        say("")
        say(table(["t", "queue depth"], [(fmt_s(t) if t else "0 s", "%d" % d) for t, d in series]))
        say("")
    say("### Lambda concurrency (Little's law: rate x measured duration)")
    say("")
    say(table(["function", "rate /s", "duration ms", "concurrency", "reserved", "moved by"],
              [(f, "%.2f" % r, "%.0f" % d, "%.1f" % c, "-" if res is None else res, s) for f, r, d, c, res, s in m["concurrency"]]))
    say("")
    eb = m["eventbridge"]
    say("EventBridge: events are published when the ERP accepts an order, so PutEvents runs at %.2f/s against a quota "
        "of %d/s, and target deliveries at %.2f/s against %d/s. SQS in flight on the orders queue: at most %d "
        "(erp_max_concurrency x batch 10) of %d." % (eb["putevents_per_s"], eb["quota"], eb["invocations_per_s"],
                                                     eb["invocation_quota"], m["sqs_inflight"]["max"], m["sqs_inflight"]["quota"]))
    say("")
    bt = m["batch"]
    verdict = ("more than its %d s timeout: the processor's deadline check puts the rest back "
               "(\"invocation out of time\"), and each put-back is a receive towards orders_max_receive_count (%d) "
               "and the DLQ" % (bt["timeout_s"], infra["orders_max_receive_count"] or 10)) \
        if bt["needs_s"] > bt["timeout_s"] else "inside its %d s timeout" % bt["timeout_s"]
    say("Order-processor batches: at the ERP's cap each order takes %.1f s, so a batch of %d needs %.0f s, %s. "
        "Moved by batch_size of aws_lambda_event_source_mapping.orders and timeout_seconds of order-processor "
        "(both in infra/aws/main.tf, not variables today). The mapping's batching window (%s s) is also what an "
        "unloaded order waits before the processor sees it."
        % (bt["per_order_s"], bt["size"], bt["needs_s"], verdict, bt["window_s"]))
    say("")
    first = m["limits"][0]
    say("## Where it breaks first")
    say("")
    say("1. At the intake, at once: **%s** admits %.0f orders/s (%s). Moved by `%s`. Raising it moves the limit to "
        "the next row: %s (%.0f/s, moved by %s)."
        % (first[0], first[1], first[2], first[3], m["limits"][1][0], m["limits"][1][1], m["limits"][1][3]))
    peak, drain, _ = m["unthrottled"]
    say("2. Behind the queue, for as long as the peak's orders wait: **the ERP** posts %.3f orders/s, so the %.0f "
        "orders of the peak need %s to post, against %s of SQS retention. Moved by the ERP's own capacity and by "
        "fewer JSON-RPC calls per order (%.1f today); %s; the queue module's `message_retention_seconds` "
        "(infra/modules/queue_with_dlq) tops out at 14 days."
        % (e["mu"], args.peak_rate * args.peak_minutes * 60, fmt_s(drain), fmt_s(m["retention"]), e["rpcs_per_order"],
           ("`erp_max_concurrency` binds first here: %d would reach the ERP's %g req/min, and past that it cannot help"
            % (math.ceil(e["conc"] * e["mu_erp"] / e["mu_conc"]), args.erp_rpm)) if e["mu_conc"] < e["mu_erp"]
           else "`erp_max_concurrency` cannot help past the ERP's %g req/min" % args.erp_rpm))
    if bt["needs_s"] > bt["timeout_s"]:
        say("3. Also at the ERP's cap: **order-processor batches overrun the function timeout** (%.0f s for %d orders "
            "against %d s), so messages are received again and again while they wait; set batch_size so that "
            "batch x %.1f s fits in the timeout (here %d), or raise timeout_seconds."
            % (bt["needs_s"], bt["size"], bt["timeout_s"], bt["per_order_s"], max(1, int(bt["timeout_s"] // bt["per_order_s"]) - 1)))
    say("")
    say("## Assumptions (not measured)")
    say("")
    for name, value, why in assume.items:
        say("- **%s** = %s: %s" % (name, value, why))
    text = "\n".join(out)
    print(text)


def predict_burst(args):
    seconds = args.orders / args.rate
    peak, drain, series = queue_model(args.rate, seconds, args.erp_orders_per_s, args.pickup_s)
    print(json.dumps({"orders": args.orders, "rate_per_s": args.rate, "erp_orders_per_s": args.erp_orders_per_s,
                      "peak_queue_depth": round(peak), "drain_s": round(drain, 1), "queue_depth_series": series}))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command")
    r = sub.add_parser("report", help="cost per million orders and the peak model (default)")
    for p in (parser, r):
        p.add_argument("--bench", default=os.path.join(ROOT, ".switchyard", "bench", "latest.jsonl"))
        p.add_argument("--burst-raw", default=os.path.join(ROOT, ".switchyard", "bench", "burst.json"))
        p.add_argument("--prices", default=os.path.join(ROOT, "bench", "prices.json"))
        p.add_argument("--infra", default=os.path.join(ROOT, "infra"))
        p.add_argument("--peak-rate", type=float, default=10000)
        p.add_argument("--peak-minutes", type=float, default=15)
        p.add_argument("--erp-rpm", type=float, default=600)
    b = sub.add_parser("predict-burst", help="the queue model for a local burst (JSON)")
    b.add_argument("--orders", type=int, required=True)
    b.add_argument("--rate", type=float, required=True)
    b.add_argument("--erp-orders-per-s", type=float, required=True)
    b.add_argument("--pickup-s", type=float, default=0.0)
    args = parser.parse_args()
    if args.command == "predict-burst":
        predict_burst(args)
    else:
        report(args)


if __name__ == "__main__":
    main()
