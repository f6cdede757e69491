"""AWS requests per accepted order, counted at the emulator (moto's request recorder).

For each intake path (v1 API, Shopify webhook, X12 850, Amazon notification) it records moto's
traffic while a few orders go all the way to ACCEPTED, then attributes requests to the orders:
every Lambda invocation carries its own X-Ray trace id (the local runner gives each one, as
Lambda does), and an invocation belongs to the orders when any request it made names one of them
(order id, external id); each request names its function in its user agent (`app/<name>`), and
the scheduled functions' invocations are background, not the order's. Requests without a trace id are the runner's own SQS polling (on AWS, the
event source mapping's): ReceiveMessage is left out, as the issue asks; its DeleteMessage calls
are reported apart as "plumbing". Scheduled work (the ERP change feed, the reconciler) names no
order and is reported as background per minute instead.

Prints JSON lines, one per row (see bench/README.md). Stdlib only.
"""
import base64
import collections
import hashlib
import hmac
import json
import os
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid

QUICK = "--quick" in sys.argv
ORDERS_PER_PATH = 1 if QUICK else 5
MOTO = os.environ["AWS_ENDPOINT_URL"]
API = os.environ["SWITCHYARD_API_URL"]
STACK_DIR = os.environ.get("SWITCHYARD_STACK_DIR", ".switchyard/test")
GOAL = 8


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def http(method, url, body=None, headers=None, timeout=30):
    req = urllib.request.Request(url, data=body, method=method)
    for k, v in (headers or {}).items():
        req.add_header(k, v)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def recorder(action):
    if action == "download":
        return http("GET", f"{MOTO}/moto-api/recorder/download-recording")[1]
    http("POST", f"{MOTO}/moto-api/recorder/{action}")


def recorded():
    out = []
    for line in recorder("download").splitlines():
        if not line.strip():
            continue
        try:
            r = json.loads(line)
        except json.JSONDecodeError:
            continue  # the line moto is still writing; the next download has it whole
        h = {k.lower(): v for k, v in r["headers"].items()}
        body = r.get("body") or ""
        if r.get("body_encoded"):
            body = base64.b64decode(body).decode("utf-8", "replace")
        target = h.get("x-amz-target", "")
        service, _, op = target.partition(".")
        service = {"DynamoDB_20120810": "dynamodb", "AmazonSQS": "sqs", "AWSEvents": "events"}.get(service, service or "?")
        resource = ""
        try:
            b = json.loads(body)
            resource = b.get("TableName") or b.get("QueueUrl", "").rsplit("/", 1)[-1] or ""
            if not resource and "Entries" in b and b["Entries"]:
                resource = b["Entries"][0].get("DetailType") or b["Entries"][0].get("EventBusName", "")
            if not resource and "TransactItems" in b:
                resource = "+".join(sorted({next(iter(i.values()))["TableName"] for i in b["TransactItems"]}))
            if not resource and "RequestItems" in b:
                resource = "+".join(sorted(b["RequestItems"]))
        except Exception:
            pass
        trace = (h.get("x-amzn-trace-id") or "").split(";")[0]
        agent = h.get("x-amz-user-agent", "") + " " + h.get("user-agent", "")
        app = next((p[4:] for p in agent.split() if p.startswith("app/")), "")
        out.append({"op": f"{service}:{op}", "resource": resource, "trace": trace, "body": body,
                    "function": app})
    return out


def channels():
    return {c["name"]: c for c in json.load(open(f"{STACK_DIR}/channels.json"))}


def v1_order(ext):
    return {"external_id": ext, "currency": "USD",
            "customer": {"name": "Bench Buyer", "account": "ACME-001"},
            "ship_to": {"name": "Acme DC 4", "line1": "31875 Solon Rd", "city": "Solon", "region": "OH",
                        "postal_code": "44139", "country": "US"},
            "lines": [{"sku": "WIDGET-S", "quantity": 1, "unit_price": "9.25"}]}


def submit_api(ch, n):
    key = ch["demo-shop"]["api_key"]
    names = []
    for _ in range(n):
        ext = f"BENCH-{uuid.uuid4().hex[:12].upper()}"
        status, body = http("POST", f"{API}/v1/orders", json.dumps(v1_order(ext)).encode(),
                            {"Authorization": f"Bearer {key}", "Idempotency-Key": ext,
                             "Content-Type": "application/json"})
        assert status == 202, (status, body)
        names += [ext, json.loads(body)["id"]]
    return names


def submit_shopify(ch, n):
    c = ch["demo-shopify"]
    sample = json.load(open("local/samples/shopify-orders-create.json"))
    names = []
    for _ in range(n):
        oid = int(time.time() * 1000) * 1000 + int(uuid.uuid4().int % 1000)
        sample["id"] = oid
        sample["name"] = f"#B{oid % 10**8}"
        raw = json.dumps(sample).encode()
        sig = base64.b64encode(hmac.new(c["secret"].encode(), raw, hashlib.sha256).digest()).decode()
        status, body = http("POST", f"{API}/v1/webhooks/demo-shopify", raw,
                            {"Content-Type": "application/json", "X-Shopify-Topic": "orders/create",
                             "X-Shopify-Hmac-Sha256": sig, "X-Shopify-Webhook-Id": str(uuid.uuid4()),
                             "X-Shopify-Shop-Domain": "demo.myshopify.com"})
        assert status in (200, 202), (status, body)
        names.append(str(oid))
    return names


def submit_x12(ch, n):
    c = ch["acme-edi"]
    text = open("local/samples/acme-850.x12").read()
    names = []
    for _ in range(n):
        control = f"{int(uuid.uuid4().int % 10**9):09d}"
        po = f"BPO-{uuid.uuid4().hex[:10].upper()}"
        segs = text.split("~")
        out = []
        for s in segs:
            st = s.strip()
            if st.startswith("ISA*"):
                parts = s.split("*")
                parts[13] = control
                s = "*".join(parts)
            elif st.startswith("IEA*"):
                s = s.replace(st, f"IEA*1*{control}")
            elif st.startswith("BEG*"):
                parts = s.split("*")
                parts[3] = po
                s = "*".join(parts)
            out.append(s)
        status, body = http("POST", f"{API}/v1/edi/x12", "~".join(out).encode(),
                            {"Authorization": f"Bearer {c['api_key']}", "Content-Type": "application/edi-x12"})
        assert status in (200, 202), (status, body)
        names.append(po)
    return names


def submit_amazon(ch, n):
    queue = os.environ["SWITCHYARD_AMAZON_NOTIFICATIONS_QUEUE_URL"]
    sandbox = os.environ["SWITCHYARD_SP_API_URL"]
    template = json.load(open("local/sp-api/notifications/order-change-111-0000001-0000001.json"))
    names = []
    for _ in range(n):
        # A fresh order on the SP-API sandbox each time: a notification for an order already
        # captured is a duplicate, and makes no new one.
        status, placed = http("POST", f"{sandbox}/_sandbox/orders", json.dumps(
            {"lines": [{"sku": "WIDGET-S", "quantity": 1, "unitPrice": "9.25"}]}).encode(),
            {"Content-Type": "application/json"})
        assert status in (200, 201), (status, placed)
        amazon_id = json.loads(placed)["AmazonOrderId"]
        note = json.loads(json.dumps(template))
        note["NotificationMetadata"]["NotificationId"] = str(uuid.uuid4())
        change = note["Payload"]["OrderChangeNotification"]
        change["AmazonOrderId"] = amazon_id
        change["Summary"]["OrderItems"] = [{"OrderItemId": "1", "SellerSKU": "WIDGET-S", "Quantity": 1}]
        body = json.dumps({"QueueUrl": queue, "MessageBody": json.dumps(note)}).encode()
        status, answer = http("POST", MOTO + "/", body, {
            "Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": "AmazonSQS.SendMessage",
            "Authorization": "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/sqs/aws4_request, SignedHeaders=host, Signature=0"})
        assert status == 200, (status, answer)
        names.append(amazon_id)
    return names


# Functions that run on a schedule, not per order: what they do is reported as background.
SCHEDULED = {"erp-changes", "reconciler", "edi-inventory-advice"}


def attributed(requests, names):
    mine = {r["trace"] for r in requests if r["trace"] and r["function"] not in SCHEDULED
            and any(n in r["body"] for n in names)}
    return [r for r in requests if r["trace"] in mine]


def accepted(requests, names):
    """Order ids whose OrderAccepted/OrderRejected event has been put."""
    done = set()
    for r in requests:
        if r["op"] == "events:PutEvents" and ("OrderAccepted" in r["body"] or "OrderRejected" in r["body"]):
            for n in names:
                if n in r["body"]:
                    done.add(n)
    return done


def measure(path, submit, ch, count):
    recorder("reset-recording")
    recorder("start-recording")
    started = time.time()
    names = submit(ch, count)
    deadline = time.time() + 120
    last, stable_since = -1, time.time()
    while time.time() < deadline:
        reqs = recorded()
        mine = attributed(reqs, names)
        # Keep attributing until the invocations the orders caused (their own and their events')
        # stop making requests: 3 s without a new one after every order's final event.
        finals = accepted(mine, names)
        if len(mine) != last:
            last, stable_since = len(mine), time.time()
        if len(finals) >= count and time.time() - stable_since > 3:
            break
        time.sleep(0.5)
    else:
        raise SystemExit(f"{path}: orders not final within 120 s")
    recorder("stop-recording")
    reqs = recorded()
    elapsed = time.time() - started
    mine = attributed(reqs, names)
    traced = {r["trace"] for r in mine}
    background = [r for r in reqs if r["trace"] and r["trace"] not in traced]
    plumbing = [r for r in reqs if not r["trace"] and r["op"] not in ("sqs:ReceiveMessage", "?:")
                and r["op"].startswith(("sqs:", "dynamodb:", "events:"))]
    by_op = collections.Counter(f'{r["op"]} {r["resource"]}'.strip() for r in mine)
    by_function = collections.Counter(r["function"] or "?" for r in mine)
    per_order = {k: round(v / count, 2) for k, v in sorted(by_op.items())}
    plumbing_ops = collections.Counter(f'{r["op"]} {r["resource"]}'.strip() for r in plumbing)
    return {
        "per_order": len(mine) / count,
        "by_op": per_order,
        "by_function": {k: round(v / count, 2) for k, v in sorted(by_function.items())},
        "plumbing": {k: round(v / count, 2) for k, v in sorted(plumbing_ops.items())},
        "background_per_min": round(len(background) / elapsed * 60, 1),
    }


def instances_of(function):
    """How many instances the local runner keeps of `function` (its reserved concurrency)."""
    runner = json.load(open(f"{STACK_DIR}/runner.json"))
    return int(runner["functions"][function].get("concurrency") or 1)


def all_at_once(submit):
    """`submit`, with its n orders sent at the same time, one thread each."""
    def concurrent(ch, n):
        names, threads = [], []
        for _ in range(n):
            t = threading.Thread(target=lambda: names.extend(submit(ch, 1)))
            threads.append(t)
            t.start()
        for t in threads:
            t.join()
        return names
    return concurrent


def main():
    ch = channels()
    paths = [("v1 API order", submit_api, "orders-api"),
             ("Shopify webhook order", submit_shopify, "webhooks"),
             ("X12 850 order", submit_x12, "edi-api"),
             ("Amazon notification order", submit_amazon, "amazon-notifications")]
    for label, submit, entry in paths:
        # A first order meets cold functions (their caches of channel records, secrets and
        # clients empty); then every instance is warmed, and the counted orders are the
        # steady state a busy channel sees.
        # The warm-up orders go at once, one per instance of the entry function, so each
        # instance serves one (sequential ones could all land on one instance); they are
        # waited for, so none shares a batch with a counted order.
        # --quick skips the cold order (make test only checks that the rows come out).
        cold = None if QUICK else measure(label, submit, ch, 1)
        warmed = instances_of(entry)
        measure(label, all_at_once(submit), ch, warmed)
        log(f"aws-requests: {label}: {0 if QUICK else 1} cold order, {warmed} warm-up orders at once ({entry} "
            f"instances), then {ORDERS_PER_PATH} counted")
        m = measure(label, submit, ch, ORDERS_PER_PATH)
        print(json.dumps({
            "section": "AWS requests per accepted order", "row": label, "unit": "requests",
            "ours": m["per_order"], "baseline": None, "better": "lower", "goal": f"<= {GOAL}",
            "requests_by_operation": m["by_op"], "requests_by_function": m["by_function"],
            "plumbing_by_operation": m["plumbing"],
            "background_requests_per_min": m["background_per_min"], "orders": ORDERS_PER_PATH,
            "cold_requests": cold and cold["per_order"],
            "note": "steady state, every instance warm"
                    + (f" (the first order of cold functions cost {cold['per_order']:g})" if cold else "")
                    + "; "
                    "plus, per order, the event source mapping's SQS deletes in plumbing_by_operation",
        }), flush=True)


if __name__ == "__main__":
    main()
