#!/usr/bin/env python3
"""Writes tests/hostile/corpus.json: the hostile-input corpus every HTTP edge is tested with.

Each case is a request a stranger could send and Switchyard must refuse: a 4xx answer (a problem
naming the field where there is one), no 5xx, nothing captured. The runner is
tests/e2e/tests/hostile_input.rs; it fills in the keys, ids and signatures of its own channels.

    python3 tests/hostile/generate.py   # rewrite the corpus (deterministic: same output each run)

Case fields:
  id        family/variant@target, unique
  target    orders | validate | returns | webhook-standard | webhook-shopify | webhook-woo |
            order-get | return-get | outbox-get | webhook-path | inventory | prices | x12
  path      for path and query targets, the path (and query) as sent, raw
  headers   extra or replacing headers, [[name, value]]; a value may hold raw bytes as \\u escapes
  drop      header names not to send (e.g. content-type)
  body      the body: a list of parts, each [base64 text, times] (a large body is a few parts
            repeated, so the corpus stays small)
  expect    the statuses that are right for it (a 200 from the X12 endpoint must carry a 997
            that accepts nothing)
  field     where the problem must say it is (errors[].field), when it is about one field
"""

import base64
import json
import random
from pathlib import Path

OUT = Path(__file__).with_name("corpus.json")

ORDER = {
    "external_id": "HOSTILE-1",
    "customer": {"account": "ACME-001", "name": "Acme Retail", "email": "buyer@acme.example"},
    "currency": "USD",
    "ship_to": {"name": "Acme DC 4", "line1": "31875 Solon Rd", "city": "Solon", "region": "OH",
                "postal_code": "44139", "country": "US"},
    "lines": [{"sku": "WIDGET-S", "quantity": 2, "unit_price": "9.25", "uom": "EA"}],
}
RETURN = {"lines": [{"sku": "WIDGET-S", "quantity": 1, "reason": "damaged"}]}

BODY_TARGETS = ["orders", "validate", "webhook-standard"]
cases = []


class Rep:
    """`text` `times` times over, written as one part."""

    def __init__(self, text, times):
        self.text, self.times = text, times


def parts(*pieces):
    """A body from strings, bytes and Reps, in order."""
    return list(pieces)


def encode(body):
    pieces = body if isinstance(body, list) else [body]
    out = []
    for piece in pieces:
        text, times = (piece.text, piece.times) if isinstance(piece, Rep) else (piece, 1)
        if isinstance(text, str):
            text = text.encode("utf-8")
        out.append([base64.b64encode(text).decode(), times])
    return out


def add(id, target, body=b"", expect=(400, 422), field=None, headers=(), drop=(), path=None):
    case = {"id": f"{id}@{target}", "target": target, "body": encode(body),
            "expect": sorted(set(expect))}
    if field:
        case["field"] = field
    if headers:
        case["headers"] = [list(h) for h in headers]
    if drop:
        case["drop"] = list(drop)
    if path:
        case["path"] = path
    cases.append(case)


def dumps(value):
    return json.dumps(value, ensure_ascii=False)


def with_field(path, value, base=ORDER):
    """`base` with the value at dotted `path` replaced (JSON text, so any raw spelling fits)."""
    marker = "\u0000MARK\u0000"
    doc = json.loads(json.dumps(base))
    node = doc
    keys = path.split(".")
    for k in keys[:-1]:
        node = node[int(k)] if isinstance(node, list) else node[k]
    last = keys[-1]
    if isinstance(node, list):
        node[int(last)] = marker
    else:
        node[last] = marker
    return dumps(doc).replace(json.dumps(marker, ensure_ascii=False), value)


# --- JSON: structure ---------------------------------------------------------------------
structure = {
    "empty": "",
    "whitespace": "   \n\t ",
    "null": "null",
    "array": "[]",
    "string": '"an order"',
    "number": "42",
    "true": "true",
    "deep-arrays-33": "[" * 33 + "]" * 33,
    "deep-arrays-1000": "[" * 1000 + "]" * 1000,
    "deep-arrays-100000-unclosed": Rep("[", 100000),
    "deep-objects-1000": '{"a":' * 1000 + "1" + "}" * 1000,
    "deep-in-notes": dumps({**ORDER, "notes": None}).replace('"notes": null', '"notes": ' + "[" * 200 + "]" * 200),
    "trailing-garbage": dumps(ORDER) + " trailing",
    "two-documents": dumps(ORDER) + dumps(ORDER),
    "single-quotes": dumps(ORDER).replace('"', "'"),
    "comments": "/* c */" + dumps(ORDER),
    "trailing-comma": dumps(ORDER)[:-1] + ",}",
    "unquoted-keys": dumps(ORDER).replace('"currency"', "currency"),
}
for name, body in structure.items():
    for target in BODY_TARGETS:
        add(f"json/structure/{name}", target, body)
full = dumps(ORDER)
for cut in (1, 10, len(full) // 2, len(full) - 2, len(full) - 1):
    for target in BODY_TARGETS:
        add(f"json/truncated/at-{cut}", target, full[:cut])

# --- JSON: duplicate keys (refused: parsers disagree on which wins) ------------------------
duplicates = {
    "currency": ('"currency": "USD"', '"currency": "USD", "currency": "EUR"', "currency"),
    "external-id": ('"external_id": "HOSTILE-1"', '"external_id": "HOSTILE-1", "external_id": "HOSTILE-2"', "external_id"),
    "customer-name": ('"name": "Acme Retail"', '"name": "Acme Retail", "name": "Mallory"', "customer.name"),
    "line-sku": ('"sku": "WIDGET-S"', '"sku": "WIDGET-S", "sku": "WIDGET-L"', "lines[0].sku"),
    "line-quantity": ('"quantity": 2', '"quantity": 2, "quantity": 2000', "lines[0].quantity"),
    "ship-to-country": ('"country": "US"', '"country": "US", "country": "KP"', "ship_to.country"),
    "lines-array": ('"lines": [', '"lines": [], "lines": [', "lines"),
    "same-value-twice": ('"currency": "USD"', '"currency": "USD", "currency": "USD"', "currency"),
    "proto-twice": ('"currency": "USD"', '"currency": "USD", "__proto__": {}, "__proto__": {}', "__proto__"),
}
for name, (old, new, field) in duplicates.items():
    body = full.replace(old, new, 1)
    assert body != full, name
    for target in BODY_TARGETS:
        add(f"json/duplicate-key/{name}", target, body, expect=(400,), field=field if target != "webhook-standard" else None)

# --- JSON: numbers -----------------------------------------------------------------------
numbers = {
    "quantity-1e400": ("lines.0.quantity", "1e400"),
    "quantity-minus-1e400": ("lines.0.quantity", "-1e400"),
    "quantity-1e-400": ("lines.0.quantity", "1e-400"),
    "quantity-exponent-bomb": ("lines.0.quantity", "1E+999999999"),
    "quantity-30-digits": ("lines.0.quantity", "999999999999999999999999999999"),
    "quantity-minus-zero": ("lines.0.quantity", "-0"),
    "quantity-5-decimals": ("lines.0.quantity", "1.00001"),
    "quantity-fraction-of-each": ("lines.0.quantity", "1.5"),
    "quantity-nan": ("lines.0.quantity", "NaN"),
    "quantity-infinity": ("lines.0.quantity", "Infinity"),
    "quantity-minus-infinity": ("lines.0.quantity", "-Infinity"),
    "quantity-hex": ("lines.0.quantity", "0x10"),
    "quantity-leading-plus": ("lines.0.quantity", "+2"),
    "quantity-leading-zero": ("lines.0.quantity", "02"),
    "quantity-string-nan": ("lines.0.quantity", '"NaN"'),
    "quantity-string-1e309": ("lines.0.quantity", '"1e309"'),
    "quantity-bool": ("lines.0.quantity", "true"),
    "quantity-object": ("lines.0.quantity", '{"value": 2}'),
    "price-number": ("lines.0.unit_price", "9.25"),
    "price-1e30": ("lines.0.unit_price", '"1e30"'),
    "price-negative": ("lines.0.unit_price", '"-9.25"'),
    "price-5-decimals": ("lines.0.unit_price", '"9.25001"'),
    "price-nan": ("lines.0.unit_price", '"NaN"'),
    "price-comma": ("lines.0.unit_price", '"9,25"'),
}
for name, (path, raw) in numbers.items():
    field = "lines[0]." + path.split(".")[-1]
    for target in BODY_TARGETS:
        add(f"json/number/{name}", target, with_field(path, raw), field=None if raw in ("1e400", "-1e400", "1E+999999999", "NaN", "Infinity", "-Infinity", "0x10", "+2", "02") or target == "webhook-standard" else field)

# --- JSON: strings -----------------------------------------------------------------------
strings = {
    "lone-high-surrogate": ("customer.name", '"Acme \\ud800 Retail"', None),
    "lone-low-surrogate": ("ship_to.city", '"Sol\\udc00on"', None),
    "reversed-surrogates": ("ship_to.line1", '"\\udc00\\ud800"', None),
    "escaped-nul-in-name": ("customer.name", '"Acme\\u0000Retail"', "customer.name"),
    "escaped-nul-in-sku": ("lines.0.sku", '"WIDGET\\u0000S"', "lines[0].sku"),
    "bell-in-line1": ("ship_to.line1", '"31875\\u0007Solon Rd"', "ship_to.line1"),
    "ansi-escape-in-city": ("ship_to.city", '"\\u001b[31mSolon"', "ship_to.city"),
    "crlf-in-name": ("customer.name", '"Acme\\r\\nX-Injected: 1"', "customer.name"),
    "del-in-region": ("ship_to.region", '"O\\u007fH"', "ship_to.region"),
    "c1-control-in-name": ("customer.name", '"Acme\\u0085Retail"', "customer.name"),
    "rlo-in-name": ("customer.name", '"Acme \\u202eliateR"', "customer.name"),
    "lri-in-city": ("ship_to.city", '"\\u2066Solon\\u2069"', "ship_to.city"),
    "rlo-in-sku": ("lines.0.sku", '"WIDGET-\\u202eS"', "lines[0].sku"),
    "name-201": ("customer.name", dumps("N" * 201), "customer.name"),
    "line1-5k": ("ship_to.line1", dumps("L" * 5000), "ship_to.line1"),
    "notes-3k": ("notes", dumps("n" * 3000), "notes"),
    "external-id-65": ("external_id", dumps("E" * 65), "external_id"),
    "external-id-space": ("external_id", '"PO 1"', "external_id"),
    "external-id-non-ascii": ("external_id", '"PO-ü"', "external_id"),
    "sku-empty": ("lines.0.sku", '""', "lines[0].sku"),
    "name-blank": ("customer.name", '"   "', "customer.name"),
    "email-no-at": ("customer.email", '"buyer.acme.example"', "customer.email"),
    "email-255": ("customer.email", dumps("b" * 243 + "@acme.example"), "customer.email"),
    "date-not-a-date": ("lines.0.uom", '"EA"', None),
}
strings.pop("date-not-a-date")
for name, (path, raw, field) in strings.items():
    for target in BODY_TARGETS:
        add(f"json/string/{name}", target, with_field(path, raw), field=None if target == "webhook-standard" else field)

# --- JSON: injection strings where the field has a grammar ----------------------------------
injections = {
    "sql-in-currency": ("currency", "\"USD'; DROP TABLE orders;--\"", "currency"),
    "sql-in-country": ("ship_to.country", "\"US' OR '1'='1\"", "ship_to.country"),
    "sql-in-sku": ("lines.0.sku", "\"' OR 1=1 --\"", "lines[0].sku"),
    "sql-in-account": ("customer.account", "\"ACME'; DELETE FROM party;--\"", "customer.account"),
    "script-in-uom": ("lines.0.uom", '"<script>"', "lines[0].uom"),
    "script-in-currency": ("currency", '"<svg/onload=alert(1)>"', "currency"),
    "template-in-country": ("ship_to.country", '"{{7*7}}"', "ship_to.country"),
    "path-in-sku": ("lines.0.sku", '"../../etc/passwd x"', "lines[0].sku"),
    "shell-in-date": ("requested_ship_date", '"$(reboot)"', "requested_ship_date"),
    "ldap-in-uom": ("lines.0.uom", '"*)(uid=*"', "lines[0].uom"),
}
for name, (path, raw, field) in injections.items():
    for target in BODY_TARGETS:
        add(f"json/injection/{name}", target, with_field(path, raw), field=None if target == "webhook-standard" else field)

# --- JSON: prototype pollution carrying the fields -----------------------------------------
pollution = {
    "proto-carries-order": {"__proto__": ORDER},
    "constructor-prototype": {"constructor": {"prototype": ORDER}},
    "proto-in-lines": {**ORDER, "lines": [{"__proto__": ORDER["lines"][0]}]},
    "proto-in-customer": {**ORDER, "customer": {"__proto__": ORDER["customer"]}},
    "proto-in-ship-to": {**ORDER, "ship_to": {"constructor": {"prototype": ORDER["ship_to"]}}},
}
for name, doc in pollution.items():
    for target in BODY_TARGETS:
        add(f"json/pollution/{name}", target, dumps(doc), expect=(422,))

# --- JSON: encodings ---------------------------------------------------------------------
encodings = {
    "utf16le-bom": b"\xff\xfe" + full.encode("utf-16-le"),
    "utf16be-bom": b"\xfe\xff" + full.encode("utf-16-be"),
    "utf16le-no-bom": full.encode("utf-16-le"),
    "utf32": full.encode("utf-32"),
    "utf8-bom": b"\xef\xbb\xbf" + full.encode(),
    "latin1-e-acute": full.replace("Acme Retail", "Acm\u00e9 Retail").encode("latin-1"),
    "overlong-slash": full.encode().replace(b"Solon Rd", b"Solon\xc0\xafRd"),
    "bad-continuation": full.encode().replace(b"Solon Rd", b"Solon\xe2\x28\xa1Rd"),
    "raw-nul": full.encode().replace(b"Acme Retail", b"Acme\x00Retail"),
    "raw-control-in-string": full.encode().replace(b"Acme Retail", b"Acme\x01Retail"),
}
for name, body in encodings.items():
    for target in BODY_TARGETS:
        add(f"json/encoding/{name}", target, body)

# --- Storefront payloads (signed, so they reach the mapper) -------------------------------
for target in ("webhook-shopify", "webhook-woo"):
    for name in ("empty", "null", "array", "deep-arrays-1000", "deep-arrays-100000-unclosed", "trailing-garbage", "single-quotes"):
        add(f"json/structure/{name}", target, structure[name])
    for name in ("utf16le-bom", "latin1-e-acute", "overlong-slash", "raw-nul"):
        add(f"json/encoding/{name}", target, encodings[name])
    add("json/duplicate-key/id", target, '{"id": 1, "id": 2}', expect=(400,))
    add("json/duplicate-key/line-items", target, '{"id": 1, "line_items": [], "line_items": [{"sku": "X"}]}', expect=(400,))
    add("json/shape/id-object", target, '{"id": {"$gt": 0}}')
    add("json/shape/line-items-string", target, '{"id": 7, "line_items": "many"}')
    add("json/number/id-1e400", target, '{"id": 1e400}')

# --- Returns: body cases against a real order of the channel ----------------------------------
for name, body in {
    "empty": "", "null": "null", "lines-empty": '{"lines": []}', "lines-string": '{"lines": "all"}',
    "dup-reason": '{"lines": [{"sku": "WIDGET-S", "quantity": 1, "reason": "damaged", "reason": "other"}]}',
    "quantity-nan": '{"lines": [{"sku": "WIDGET-S", "quantity": NaN, "reason": "damaged"}]}',
    "quantity-1e400": '{"lines": [{"sku": "WIDGET-S", "quantity": 1e400, "reason": "damaged"}]}',
    "quantity-negative": '{"lines": [{"sku": "WIDGET-S", "quantity": -1, "reason": "damaged"}]}',
    "reason-script": '{"lines": [{"sku": "WIDGET-S", "quantity": 1, "reason": "<script>"}]}',
    "sku-bidi": '{"lines": [{"sku": "WIDGET-\\u202eS", "quantity": 1, "reason": "damaged"}]}',
    "deep": "[" * 1000 + "]" * 1000,
    "utf16": b"\xff\xfe" + dumps(RETURN).encode("utf-16-le"),
    "proto": dumps({"__proto__": RETURN}),
    "truncated": dumps(RETURN)[:-3],
}.items():
    add(f"json/return/{name}", "returns", body, expect=(400, 409, 422))

# --- Content types -----------------------------------------------------------------------
for ct in ("text/plain", "application/xml", "multipart/form-data; boundary=x",
           "application/x-www-form-urlencoded", "application/json-seq", "text/json"):
    for target in ("orders", "validate", "returns"):
        add(f"http/content-type/{ct.split(';')[0].replace('/', '-')}", target, full if target != "returns" else dumps(RETURN),
            expect=(415,), headers=[("content-type", ct)])
for target in ("orders", "validate", "returns"):
    add("http/content-type/missing", target, full if target != "returns" else dumps(RETURN), expect=(415,), drop=["content-type"])

# --- Headers -----------------------------------------------------------------------------
idempotency = {
    "empty": "",
    "spaces-only": "   ",
    "256-chars": "k" * 256,
    "control-char": "key\u0001one",
    "del": "key\u007fone",
    "tab-inside": "key\tone",
    "non-ascii": "ключ",
    "bare-cr": "key\rone",
    "nul": "key\u0000one",
}
for name, value in idempotency.items():
    add(f"http/idempotency-key/{name}", "orders", full, expect=(400,), headers=[("idempotency-key", value)])
add("http/idempotency-key/missing", "orders", full, expect=(400,), drop=["idempotency-key"])
add("http/idempotency-key/obs-fold", "orders", full, expect=(400,), headers=[("idempotency-key", "key\r\n one")])
for name, value in {"authorization-16k": ("authorization", "Bearer " + "x" * 16384),
                    "one-header-20k": ("x-padding", "p" * 20000),
                    "many-headers": None}.items():
    if value is None:
        headers = [(f"x-h{i}", "v" * 100) for i in range(110)]
    else:
        headers = [value]
    for target in ("orders", "order-get", "webhook-standard", "x12"):
        add(f"http/oversized-headers/{name}", target, full if target not in ("order-get", "x12") else "",
            expect=(400, 401, 413, 431), headers=headers)
for name, value in {"bearer-sql": "Bearer ' OR 1=1 --", "bearer-empty": "Bearer ",
                    "basic": "Basic YWRtaW46YWRtaW4=", "bearer-nul": "Bearer sy_\u0000"}.items():
    add(f"http/authorization/{name}", "orders", full, expect=(400, 401), headers=[("authorization", value)], drop=["x-api-key"])

# --- Paths and queries -------------------------------------------------------------------
for name, path in {
    "dotdot": "/v1/orders/../../etc/passwd",
    "dotdot-encoded": "/v1/orders/..%2F..%2Fetc%2Fpasswd",
    "dotdot-double-encoded": "/v1/orders/%252e%252e%252fetc",
    "dot-encoded": "/v1/orders/%2e%2e",
    "semicolon": "/v1/orders/..;/x",
    "nul": "/v1/orders/01J%00",
    "backslash": "/v1/orders/..\\..\\windows",
    "long-id": "/v1/orders/" + "A" * 8000,
    "sql": "/v1/orders/'%20OR%20'1'='1",
    "script": "/v1/orders/%3Cscript%3Ealert(1)%3C%2Fscript%3E",
    "unicode-slash": "/v1/orders/..%c0%af..%c0%afetc",
    "shipments-dotdot": "/v1/orders/..%2F/shipments",
}.items():
    add(f"http/path/{name}", "order-get", path=path, expect=(400, 404, 414, 431))
for name, path in {"dotdot": "/v1/returns/..%2F..%2Fx", "sql": "/v1/returns/x'--",
                   "nul": "/v1/returns/%00"}.items():
    add(f"http/path/{name}", "return-get", path=path, expect=(400, 404))
for name, path in {"dotdot": "/v1/edi/outbox/..%2F..%2Fsecret", "nul": "/v1/edi/outbox/%00",
                   "long": "/v1/edi/outbox/" + "d" * 5000}.items():
    add(f"http/path/{name}", "outbox-get", path=path, expect=(400, 404, 431))
for name, path in {"dotdot-channel": "/v1/webhooks/..%2Fdemo-shop", "nul-channel": "/v1/webhooks/demo%00",
                   "long-channel": "/v1/webhooks/" + "c" * 3000, "script-channel": "/v1/webhooks/%3Cscript%3E"}.items():
    add(f"http/path/{name}", "webhook-path", path=path, body=full, expect=(400, 401, 404, 431))
for name, query in {
    "no-sku": "", "empty-sku": "sku=", "sku-space": "sku=A%20B", "sku-nul": "sku=A%00",
    "sku-bidi": "sku=A%E2%80%AEB", "sku-65": "sku=" + "S" * 65, "101-skus": "&".join(f"sku=S{i}" for i in range(101)),
    "sku-sql": "sku=%27%20OR%201%3D1", "by-traversal": "sku=WIDGET-S&by=..%2F", "by-twice": "sku=WIDGET-S&by=warehouse&by=warehouse",
    "overlong-utf8": "sku=%C0%AF",
}.items():
    add(f"http/query/{name}", "inventory", path="/v1/inventory?" + query, expect=(400,))
for name, query in {
    "quantity-1e400": "sku=WIDGET-S&quantity=1e400", "quantity-nan": "sku=WIDGET-S&quantity=NaN",
    "quantity-negative": "sku=WIDGET-S&quantity=-1", "quantity-twice": "sku=WIDGET-S&quantity=1&quantity=2",
    "quantity-word": "sku=WIDGET-S&quantity=lots", "no-sku": "quantity=2",
}.items():
    add(f"http/query/{name}", "prices", path="/v1/prices?" + query, expect=(400,))

# --- X12 ---------------------------------------------------------------------------------
ISA = "ISA*00*          *00*          *ZZ*{sender:<15}*ZZ*SWITCHYARD     *261201*1030*U*00401*{n:09}*0*P*>~"
def x12(n, body_segments, sender="{sender}", gs_count=1, iea_count=1, se_delta=0, terminator="~"):
    segs = body_segments
    inner = (f"ST*850*0001{terminator}" + terminator.join(segs) + terminator
             + f"SE*{len(segs) + 2 + se_delta}*0001{terminator}")
    return (ISA.replace("~", terminator).format(sender=sender, n=n) + "\n"
            + f"GS*PO*{sender}*SWITCHYARD*20261201*1030*{n}*X*004010{terminator}\n" + inner
            + f"GE*{gs_count}*{n}{terminator}IEA*{iea_count}*{n:09}{terminator}\n")

PO = ["BEG*00*SA*PO-H**20261201", "N1*BY*Acme*92*ACME-001", "N1*ST*DC*92*DC4", "N3*1 Main St",
      "N4*Solon*OH*44139*US", "PO1*1*4*EA*9.25**VN*WIDGET-S", "CTT*1*4"]
rng = random.Random(20261201)


def around(text, middle):
    """`text` with its `@@` replaced by `middle` (a Rep)."""
    head, tail = text.split("@@")
    return parts(head, middle, tail)


x12_cases = {
    "empty": "",
    "whitespace": " \n\t",
    "not-x12": "hello, world",
    "json": full,
    "short-isa-50": ISA[:50],
    "isa-only": ISA.format(sender="{sender}", n=1),
    "isa-105-chars": ISA.format(sender="{sender}", n=1).replace("*00401*", "*0041*"),
    "isa-107-chars": ISA.format(sender="{sender}", n=1).replace("*00401*", "*004011*"),
    "isa-wrong-separator": ISA.format(sender="{sender}", n=1).replace("*", "|", 3),
    "mixed-delimiters": x12(2, PO).replace("BEG*", "BEG|").replace("N3*", "N3^"),
    "unterminated-last-segment": x12(3, PO)[:-2],
    "unterminated-everything": x12(4, PO).replace("~", ""),
    "segment-terminator-is-element-separator": x12(5, PO, terminator="*"),
    "binary-junk": bytes(rng.randrange(256) for _ in range(2000)),
    "binary-after-isa": ISA.format(sender="{sender}", n=6).encode() + bytes(rng.randrange(256) for _ in range(500)),
    "nul-bytes": x12(7, PO).replace("Acme", "Ac\u0000me"),
    "utf16": b"\xff\xfe" + x12(8, PO).encode("utf-16-le"),
    "huge-element-count": around(x12(9, PO[:1] + ["REF*ZZ*@@"] + PO[1:]), Rep("*1", 100000)),
    "repetition-bomb": around(x12(10, PO[:1] + ["REF*ZZ*@@"] + PO[1:]), Rep("^1", 100000)),
    "component-bomb": around(x12(11, PO[:1] + ["REF*ZZ*@@"] + PO[1:]), Rep(">1", 100000)),
    "segment-flood": around(x12(12, PO[:1] + ["REF*ZZ*@@"] + PO[1:]), Rep("1~REF*ZZ*", 200000)),
    "huge-element": around(x12(13, PO[:1] + ["REF*ZZ*@@"] + PO[1:]), Rep("X", 500000)),
    "gs-without-ge": x12(14, PO).split("GE*")[0],
    "st-without-se": x12(15, PO).replace("SE*9*0001~", ""),
    "ge-count-wrong": x12(17, PO, gs_count=9),
    "se-count-wrong": x12(18, PO, se_delta=5),
    "isa13-letters": x12(19, PO).replace("*000000019*", "*00000ABCD*"),
    "isa-bad-date": x12(20, PO).replace("*261201*1030*U", "*261399*1030*U"),
    "isa-bad-time": x12(21, PO).replace("*261201*1030*U", "*261201*2599*U"),
    "nested-isa": x12(22, PO).replace("N3*1 Main St", ISA.format(sender="{sender}", n=99)[:-1]),
    "control-chars-in-elements": x12(23, PO).replace("1 Main St", "1\u0007Main\u001bSt"),
    "only-iea": "IEA*1*000000001~",
    "two-isas": ISA.format(sender="{sender}", n=24) + ISA.format(sender="{sender}", n=25),
    "other-sender": x12(26, PO, sender="MALLORY"),
    "oversized-12mb": Rep("REF*ZZ*1~", 12 * 1024 * 1024 // 9),
}
# Refused at the interchange (4xx, and a TA1 when the sender is known), or answered the way X12
# refuses a transaction set: 200 with a 997 that accepts nothing (the runner checks both).
for name, body in x12_cases.items():
    add(f"x12/{name}", "x12", body, expect=(200, 400, 403, 413, 415, 422))
add("x12/json-content-type", "x12", x12(27, PO), expect=(415,), headers=[("content-type", "application/json")])

ids = [c["id"] for c in cases]
assert len(ids) == len(set(ids)), [i for i in ids if ids.count(i) > 1][:5]
OUT.write_text(json.dumps({"cases": cases}, ensure_ascii=True, separators=(",", ":")) + "\n")
print(f"{len(cases)} cases -> {OUT} ({OUT.stat().st_size // 1024} KiB)")
