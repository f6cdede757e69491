"""Sample orders for `make up`: submit, then follow each to its final status."""
import json
import sys
import time
import urllib.error
import urllib.request
import uuid


def load_env(path):
    env = {}
    for line in open(path):
        line = line.strip()
        if line and not line.startswith("#") and "=" in line:
            k, v = line.split("=", 1)
            env[k] = v
    return env


def call(method, url, key, body=None, idempotency_key=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method)
    req.add_header("Authorization", f"Bearer {key}")
    if data is not None:
        req.add_header("Content-Type", "application/json")
    if idempotency_key:
        req.add_header("Idempotency-Key", idempotency_key)
    try:
        with urllib.request.urlopen(req, timeout=15) as r:
            return r.status, json.loads(r.read() or b"null")
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null")


def order(external_id, lines, account=None):
    customer = {"name": "Acme Retail", "email": "buyer@acme.example"}
    if account:
        customer["account"] = account
    return {
        "external_id": external_id,
        "customer": customer,
        "currency": "USD",
        "ship_to": {"name": "Acme DC 4", "line1": "31875 Solon Rd", "line2": None, "city": "Solon",
                    "region": "OH", "postal_code": "44139", "country": "US"},
        "bill_to": None,
        "lines": [{"sku": s, "quantity": q, "unit_price": p, "uom": "EA"} for s, q, p in lines],
        "requested_ship_date": None,
        "notes": "sample order from make up",
    }


def main():
    env = load_env(sys.argv[1])
    api, key = env["SWITCHYARD_API_URL"], env["SWITCHYARD_DEMO_API_KEY"]
    run = uuid.uuid4().hex[:6].upper()
    samples = [
        ("two widgets for Acme", order(f"SAMPLE-{run}-1", [("WIDGET-S", 2, "9.25"), ("WIDGET-M", 1, "14.50")], "ACME-001")),
        ("default customer of the channel", order(f"SAMPLE-{run}-2", [("WIDGET-L", 4, "21.00")])),
        ("an unknown SKU (the ERP rejects it)", order(f"SAMPLE-{run}-3", [("NO-SUCH-SKU", 1, "5.00")])),
    ]
    submitted = []
    for label, body in samples:
        status, answer = call("POST", f"{api}/v1/orders", key, body, idempotency_key=str(uuid.uuid4()))
        if status != 202:
            print(f"  {body['external_id']:<20} HTTP {status}: {answer}")
            continue
        submitted.append((label, body["external_id"], answer["id"]))
    deadline = time.time() + 60
    results = {}
    while submitted and time.time() < deadline and len(results) < len(submitted):
        for label, ext, oid in submitted:
            if oid in results:
                continue
            _, view = call("GET", f"{api}/v1/orders/{oid}", key)
            if view and view.get("status") in ("ACCEPTED", "REJECTED"):
                results[oid] = view
        time.sleep(0.5)
    print(f"  {'external id':<20} {'status':<9} {'ERP sale / reason':<40} what")
    for label, ext, oid in submitted:
        view = results.get(oid)
        if not view:
            print(f"  {ext:<20} {'RECEIVED':<9} {'(still waiting for the ERP)':<40} {label}")
        elif view["status"] == "ACCEPTED":
            print(f"  {ext:<20} {'ACCEPTED':<9} {view['erp_reference']:<40} {label}")
        else:
            reason = f"{view['rejection']['code']}: {view['rejection']['message']}"[:40]
            print(f"  {ext:<20} {'REJECTED':<9} {reason:<40} {label}")


if __name__ == "__main__":
    main()
