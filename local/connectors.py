"""The demo channels' connectors: ready commands to try each one, and a sample of each for `make up`.

    python3 local/connectors.py commands ENV_FILE   print a ready command per connector
    python3 local/connectors.py amazon ENV_FILE     put the sample ORDER_CHANGE notification on the
                                                    Amazon notifications queue (needs boto3: use
                                                    .switchyard/venv/bin/python)
    python3 local/connectors.py send ENV_FILE       send every sample, follow each order to its end
    python3 local/connectors.py fulfil ENV_FILE     ship the Shopify sample in Tryton (warehouse.py)
                                                    and follow it to the Shopify sandbox

Secrets come from the stack's channels.json (written by scripts/stack.sh); nothing here is real.
"""
import base64
import hashlib
import hmac
import json
import os
import shlex
import sys
import time
import urllib.error
import urllib.request
import uuid

SAMPLES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "samples")
NOTIFICATION = os.path.join(os.path.dirname(os.path.abspath(__file__)), "sp-api", "notifications",
                            "order-change-111-0000001-0000001.json")


def load_env(path):
    env = {}
    for line in open(path):
        line = line.strip()
        if line and not line.startswith("#") and "=" in line:
            k, v = line.split("=", 1)
            env[k] = v
    return env


def channels(env):
    return {c["name"]: c for c in json.load(open(env["SWITCHYARD_CHANNELS_FILE"]))}


def sample(name):
    with open(os.path.join(SAMPLES, name), "rb") as f:
        return f.read()


def b64_hmac(key, data):
    return base64.b64encode(hmac.new(key, data, hashlib.sha256).digest()).decode()


def deliveries(env):
    """(connector, channel, method, url, headers, body) for each HTTP connector, signed now."""
    api, ch = env["SWITCHYARD_API_URL"], channels(env)
    out = []
    body = sample("shopify-orders-create.json")
    shop = ch["demo-shopify"]
    out.append(("Shopify orders/create", shop, f"{api}/v1/webhooks/demo-shopify", {
        "Content-Type": "application/json", "X-Shopify-Topic": "orders/create",
        "X-Shopify-Shop-Domain": "demo-shop.myshopify.com", "X-Shopify-Event-Id": str(uuid.uuid4()),
        "X-Shopify-Webhook-Id": str(uuid.uuid4()), "X-Shopify-Triggered-At": time.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "X-Shopify-Hmac-Sha256": b64_hmac(shop["secret"].encode(), body)}, body))
    body = sample("woocommerce-order.json")
    woo = ch["demo-woo"]
    out.append(("WooCommerce order.created", woo, f"{api}/v1/webhooks/demo-woo", {
        "Content-Type": "application/json", "X-WC-Webhook-Topic": "order.created",
        "X-WC-Webhook-Resource": "order", "X-WC-Webhook-Event": "created", "X-WC-Webhook-ID": "1",
        "X-WC-Webhook-Delivery-ID": uuid.uuid4().hex,
        "X-WC-Webhook-Signature": b64_hmac(woo["secret"].encode(), body)}, body))
    body = sample("partner-order.json")
    hub = ch["partner-hub"]
    msg_id, ts = f"msg_{uuid.uuid4().hex}", str(int(time.time()))
    key = base64.b64decode(hub["secret"].split("_", 1)[1])
    out.append(("Standard Webhooks partner order", hub, f"{api}/v1/webhooks/partner-hub", {
        "Content-Type": "application/json", "webhook-id": msg_id, "webhook-timestamp": ts,
        "webhook-signature": "v1," + b64_hmac(key, f"{msg_id}.{ts}.".encode() + body)}, body))
    edi = ch["acme-edi"]
    out.append(("X12 850 purchase order", edi, f"{api}/v1/edi/x12", {
        "Content-Type": "application/edi-x12", "Authorization": f"Bearer {edi['api_key']}"},
        sample("acme-850.x12")))
    edifact = ch["hypermarkt-edifact"]
    out.append(("EDIFACT ORDERS (D.96A)", edifact, f"{api}/v1/edi/edifact", {
        "Content-Type": "application/edifact", "Authorization": f"Bearer {edifact['api_key']}"},
        sample("hypermarkt-orders.edi")))
    return out


def commands(env):
    """Ready shell commands, one per connector."""
    lines = []
    for title, _, url, headers, _ in deliveries(env):
        file = {"demo-shopify": "shopify-orders-create.json", "demo-woo": "woocommerce-order.json",
                "partner-hub": "partner-order.json", "edifact": "hypermarkt-orders.edi"}.get(
                    url.rsplit("/", 1)[-1], "acme-850.x12")
        parts = ["curl", "-s", "-X", "POST", url]
        for k, v in headers.items():
            if k == "webhook-timestamp" or k == "webhook-signature":
                continue
            parts += ["-H", f"{k}: {v}"]
        cmd = " ".join(shlex.quote(p) for p in parts)
        if "webhook-timestamp" in headers:
            # Standard Webhooks signatures expire after 5 minutes: sign at run time.
            hub = channels(env)["partner-hub"]
            hexkey = base64.b64decode(hub["secret"].split("_", 1)[1]).hex()
            msg = headers["webhook-id"]
            cmd = (f"TS=$(date +%s); SIG=$(printf '%s.%s.' {msg} \"$TS\" | cat - local/samples/{file} | "
                   f"openssl dgst -sha256 -mac HMAC -macopt hexkey:{hexkey} -binary | base64); "
                   + cmd + ' -H "webhook-timestamp: $TS" -H "webhook-signature: v1,$SIG"')
        lines.append((title, f"{cmd} --data-binary @local/samples/{file}"))
    lines.append(("Amazon ORDER_CHANGE notification (arrives by SQS, not HTTP)",
                  f".switchyard/venv/bin/python local/connectors.py amazon {shlex.quote(env['SWITCHYARD_ENV_FILE'])}"))
    return lines


def send_amazon(env):
    import boto3  # in the project venv (moto depends on it)
    notification = json.load(open(NOTIFICATION))
    notification["NotificationMetadata"]["NotificationId"] = str(uuid.uuid4())
    sqs = boto3.client("sqs", endpoint_url=env["AWS_ENDPOINT_URL"], region_name=env["AWS_REGION"],
                       aws_access_key_id="test", aws_secret_access_key="test")
    sqs.send_message(QueueUrl=env["SWITCHYARD_AMAZON_NOTIFICATIONS_QUEUE_URL"], MessageBody=json.dumps(notification))
    return notification["Payload"]["OrderChangeNotification"]["AmazonOrderId"]


def post(url, headers, body):
    req = urllib.request.Request(url, data=body, method="POST", headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=20) as r:
            return r.status, dict(r.headers), r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read().decode()


def get_json(url, key):
    req = urllib.request.Request(url, headers={"Authorization": f"Bearer {key}"})
    try:
        with urllib.request.urlopen(req, timeout=15) as r:
            return json.loads(r.read())
    except urllib.error.HTTPError:
        return None


def place_shopify_sample(env):
    """The storefront holds the order its webhook is about: the Shopify sandbox gets the sample
    order (id and lines), so a shipment can be fulfilled there. Already there: fine."""
    order = json.loads(sample("shopify-orders-create.json"))
    body = json.dumps({"id": order["id"], "line_items": [
        {"sku": l["sku"], "quantity": l["quantity"]} for l in order["line_items"]]}).encode()
    post(f"{env['SWITCHYARD_SHOPIFY_SANDBOX_URL']}/_sandbox/orders",
         {"Content-Type": "application/json"}, body)
    return order["id"]


def wait_view(url, key, done, seconds=60):
    deadline = time.time() + seconds
    while time.time() < deadline:
        view = get_json(url, key)
        if view and done(view):
            return view
        time.sleep(0.5)
    return None


def fulfil(env):
    """Ships the Shopify sample order in Tryton, as a clerk would, and prints where the
    shipment reached: the order's status and tracking, and the Shopify fulfilment."""
    api, shop = env["SWITCHYARD_API_URL"], channels(env)["demo-shopify"]
    shopify_id = json.loads(sample("shopify-orders-create.json"))["id"]
    view = wait_view(f"{api}/v1/orders?external_id={shopify_id}", shop["api_key"],
                     lambda v: v.get("status") == "ACCEPTED")
    if not view:
        print("  the Shopify sample order is not accepted; nothing shipped")
        return
    tracking = "1Z999AA1" + uuid.uuid4().hex[:10].upper()
    warehouse = os.path.join(os.path.dirname(__file__), "tryton", "warehouse.py")
    import subprocess
    shipped = subprocess.run([sys.executable, warehouse, "--env", env["SWITCHYARD_ENV_FILE"], "ship",
                              view["erp_reference"], "--carrier", "UPS", "--tracking", tracking],
                             capture_output=True, text=True)
    if shipped.returncode != 0:
        print(f"  warehouse.py ship failed: {shipped.stderr.strip()[:200]}")
        return
    print(f"  Tryton: sale {view['erp_reference']} shipped as {shipped.stdout.strip()}, UPS {tracking}")
    view = wait_view(f"{api}/v1/orders/{view['id']}", shop["api_key"], lambda v: v.get("status") == "SHIPPED")
    print(f"  Switchyard: order {view['id'] if view else '?'} is {view['status'] if view else 'not SHIPPED yet'}"
          f" (GET /v1/orders/{{id}}/shipments lists it)")
    sandbox = env["SWITCHYARD_SHOPIFY_SANDBOX_URL"]
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(f"{sandbox}/_sandbox/orders/{shopify_id}", timeout=10) as r:
                held = json.loads(r.read())
        except urllib.error.URLError:
            held = {}
        if held.get("fulfillments"):
            f = held["fulfillments"][0]
            print(f"  Shopify: order {shopify_id} has fulfilment {f['id']} with tracking "
                  f"{', '.join(f['tracking_numbers'])} ({sandbox}/_sandbox/orders/{shopify_id})")
            return
        time.sleep(0.5)
    print(f"  Shopify: no fulfilment yet on order {shopify_id}; see {sandbox}/_sandbox/calls")


def send(env):
    """Sends every sample and prints where each order ended."""
    api, tracked = env["SWITCHYARD_API_URL"], []
    place_shopify_sample(env)
    for title, channel, url, headers, body in deliveries(env):
        status, resp_headers, text = post(url, headers, body)
        ids = []
        if status == 200 and channel["kind"] in ("x12", "edifact"):
            ids = [i for i in resp_headers.get("X-Switchyard-Order-Ids", resp_headers.get("x-switchyard-order-ids", "")).split(",") if i]
        elif status == 200:
            ids = [json.loads(text).get("order_id")] if json.loads(text).get("order_id") else []
        if not ids:
            print(f"  {title:<34} HTTP {status}: {text[:100]}")
        tracked += [(title, channel, i) for i in ids]
    amazon = channels(env)["amazon-us"]
    try:
        amazon_order = send_amazon(env)
    except Exception as e:  # boto3 missing or queue unreachable: say so, do not fail make up
        print(f"  {'Amazon ORDER_CHANGE':<34} not sent: {e}")
        amazon_order = None
    results, deadline = {}, time.time() + 60
    if amazon_order:
        # Amazon answers nobody synchronously: the channel finds its order by its own id.
        while time.time() < deadline:
            view = get_json(f"{api}/v1/orders?external_id={amazon_order}", amazon["api_key"])
            if view:
                tracked.append(("Amazon ORDER_CHANGE (SQS)", amazon, view["id"]))
                break
            time.sleep(0.5)
    while time.time() < deadline and len(results) < len(tracked):
        for _, channel, oid in tracked:
            view = get_json(f"{api}/v1/orders/{oid}", channel["api_key"])
            if view and view.get("status") in ("ACCEPTED", "REJECTED"):
                results[oid] = view
        time.sleep(0.5)
    for title, _, oid in tracked:
        view = results.get(oid, {"status": "RECEIVED"})
        print(f"  {title:<34} {view['status']:<9} {view.get('erp_reference') or '':<10} order {oid}")


def main():
    command, env_file = sys.argv[1], sys.argv[2]
    env = load_env(env_file)
    env["SWITCHYARD_ENV_FILE"] = env_file
    if command == "commands":
        for title, cmd in commands(env):
            print(f"  # {title}\n  {cmd}\n")
    elif command == "amazon":
        print(f"queued ORDER_CHANGE for {send_amazon(env)}")
    elif command == "send":
        send(env)
    elif command == "fulfil":
        fulfil(env)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
