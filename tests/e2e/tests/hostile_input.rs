//! The hostile-input corpus (`tests/hostile/corpus.json`, written by `tests/hostile/generate.py`)
//! against every HTTP edge of the running stack, sent byte for byte over a raw socket (so that a
//! CR in a header or a 12 MB body arrive as a stranger would send them).
//!
//! For every case: a 4xx in the case's list, never a 5xx; from a function, an
//! `application/problem+json` body with a type and a detail, naming the field where the case
//! says which. Afterwards, counted in the emulator: none of the corpus channels has an order
//! record besides the one seeded (an order is recorded before it is queued, so none was queued
//! either), and every signed webhook refused for its body is in the quarantine with its reason.

use std::collections::BTreeMap;
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::Utc;
use serde_json::Value;
use switchyard_e2e::dead_letters::switchyard;
use switchyard_e2e::{Stack, order, setting, unique};
use switchyard_webhooks::signature::{
    StandardSecret, sign_shopify, sign_standard, sign_woocommerce,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// The corpus's channels, each added fresh for this run.
struct Channels {
    api_key: String,
    seeded_order: String,
    standard: (String, StandardSecret),
    shopify: (String, String),
    woo: (String, String),
    x12: (String, String, String),
}

fn add(name: &str, args: &[&str]) -> Value {
    let out = switchyard()
        .args(["channels", "add", name])
        .args(args)
        .args(["--default-customer", "DEMO-SHOP", "--json"])
        .output()
        .expect("switchyard runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

async fn channels(stack: &Stack) -> Channels {
    let run = unique("hx").to_lowercase();
    let api = add(&format!("{run}-api"), &["--kind", "api"]);
    let api_key = api["api_key"].as_str().unwrap().to_string();
    let seeded = stack
        .submit(
            &api_key,
            &unique("seed"),
            &order(&unique("HX-SEED"), &[("WIDGET-S", 1, "9.25")]),
        )
        .await;
    assert_eq!(seeded.status, 202, "{}", seeded.text);
    let secret = |v: &Value| v["secret"].as_str().unwrap().to_string();
    let std_name = format!("{run}-std");
    let std = add(&std_name, &["--kind", "standard-webhooks"]);
    let shop_name = format!("{run}-shop");
    let shop = add(&shop_name, &["--kind", "shopify"]);
    let woo_name = format!("{run}-woo");
    let woo = add(&woo_name, &["--kind", "woocommerce"]);
    // Eight characters: the corpus's ISA pads `{sender}` (eight) to fifteen.
    let sender: String = ulid::Ulid::new().to_string()[18..].to_string();
    let sender = format!("HX{}", &sender[..6]);
    let x12_name = format!("{run}-x12");
    let x12 = add(
        &x12_name,
        &[
            "--kind",
            "x12",
            "--isa-qualifier",
            "ZZ",
            "--isa-id",
            &sender,
        ],
    );
    Channels {
        api_key,
        seeded_order: seeded.body["id"].as_str().unwrap().to_string(),
        standard: (
            std_name,
            StandardSecret::try_from(secret(&std).as_str()).unwrap(),
        ),
        shopify: (shop_name, secret(&shop)),
        woo: (woo_name, secret(&woo)),
        x12: (
            x12_name,
            x12["api_key"].as_str().unwrap().to_string(),
            sender,
        ),
    }
}

/// One answer, read off the socket.
struct Raw {
    status: u16,
    headers: BTreeMap<String, String>,
    body: Vec<u8>,
}

fn body_of(case: &Value) -> Vec<u8> {
    let mut body = vec![];
    for part in case["body"].as_array().unwrap() {
        let text = STANDARD.decode(part[0].as_str().unwrap()).unwrap();
        for _ in 0..part[1].as_u64().unwrap() {
            body.extend_from_slice(&text);
        }
    }
    body
}

/// The request the case describes, as bytes: method, path, headers (defaults for its target,
/// then the case's own, minus its drops) and body.
fn request_of(case: &Value, ch: &Channels, host: &str) -> Vec<u8> {
    let target = case["target"].as_str().unwrap();
    let mut body = body_of(case);
    let key = format!("Bearer {}", ch.api_key);
    let json = "application/json".to_string();
    let (method, path, mut headers): (&str, String, Vec<(String, String)>) = match target {
        "orders" => (
            "POST",
            "/v1/orders".into(),
            vec![
                ("authorization".into(), key),
                ("content-type".into(), json),
                ("idempotency-key".into(), unique("hx")),
            ],
        ),
        "validate" => (
            "POST",
            "/v1/orders/validate".into(),
            vec![("authorization".into(), key), ("content-type".into(), json)],
        ),
        "returns" => (
            "POST",
            format!("/v1/orders/{}/returns", ch.seeded_order),
            vec![
                ("authorization".into(), key),
                ("content-type".into(), json),
                ("idempotency-key".into(), unique("hx")),
            ],
        ),
        "webhook-standard" => {
            let id = unique("msg");
            let at = Utc::now().timestamp();
            let signature = sign_standard(&ch.standard.1, &id, at, &body);
            (
                "POST",
                format!("/v1/webhooks/{}", ch.standard.0),
                vec![
                    ("content-type".into(), json),
                    ("webhook-id".into(), id),
                    ("webhook-timestamp".into(), at.to_string()),
                    ("webhook-signature".into(), signature),
                ],
            )
        }
        "webhook-shopify" => (
            "POST",
            format!("/v1/webhooks/{}", ch.shopify.0),
            vec![
                ("content-type".into(), json),
                ("x-shopify-topic".into(), "orders/create".into()),
                ("x-shopify-webhook-id".into(), unique("wh")),
                ("x-shopify-event-id".into(), unique("ev")),
                (
                    "x-shopify-hmac-sha256".into(),
                    sign_shopify(ch.shopify.1.as_bytes(), &body),
                ),
            ],
        ),
        "webhook-woo" => (
            "POST",
            format!("/v1/webhooks/{}", ch.woo.0),
            vec![
                ("content-type".into(), json),
                ("x-wc-webhook-topic".into(), "order.created".into()),
                ("x-wc-webhook-delivery-id".into(), unique("d")),
                (
                    "x-wc-webhook-signature".into(),
                    sign_woocommerce(ch.woo.1.as_bytes(), &body),
                ),
            ],
        ),
        "order-get" | "return-get" | "inventory" | "prices" => (
            "GET",
            case["path"].as_str().unwrap_or("/v1/orders/x").into(),
            vec![("authorization".into(), key)],
        ),
        "outbox-get" => (
            "GET",
            case["path"].as_str().unwrap().into(),
            vec![("authorization".into(), format!("Bearer {}", ch.x12.1))],
        ),
        "webhook-path" => (
            "POST",
            case["path"].as_str().unwrap().into(),
            vec![("content-type".into(), json)],
        ),
        "x12" => {
            let text = String::from_utf8_lossy(&body).into_owned();
            if text.contains("{sender}") {
                body = text.replace("{sender}", &ch.x12.2).into_bytes();
            }
            (
                "POST",
                "/v1/edi/x12".into(),
                vec![
                    ("authorization".into(), format!("Bearer {}", ch.x12.1)),
                    ("content-type".into(), "application/edi-x12".into()),
                ],
            )
        }
        other => panic!("unknown target {other}"),
    };
    for pair in case["headers"].as_array().into_iter().flatten() {
        let name = pair[0].as_str().unwrap().to_ascii_lowercase();
        headers.retain(|(k, _)| *k != name);
        headers.push((name, pair[1].as_str().unwrap().to_string()));
    }
    for drop in case["drop"].as_array().into_iter().flatten() {
        headers.retain(|(k, _)| k != drop.as_str().unwrap());
    }
    let mut bytes = format!("{method} {path} HTTP/1.1\r\nhost: {host}\r\nconnection: close\r\n");
    if method == "POST" {
        bytes.push_str(&format!("content-length: {}\r\n", body.len()));
    }
    let mut bytes = bytes.into_bytes();
    for (k, v) in headers {
        bytes.extend_from_slice(k.as_bytes());
        bytes.extend_from_slice(b": ");
        // As given, byte for byte (a CR or NUL included): what a hostile client can put there.
        bytes.extend_from_slice(v.as_bytes());
        bytes.extend_from_slice(b"\r\n");
    }
    bytes.extend_from_slice(b"\r\n");
    bytes.extend_from_slice(&body);
    bytes
}

async fn send(host: &str, request: &[u8]) -> Result<Raw, String> {
    let mut socket = tokio::net::TcpStream::connect(host)
        .await
        .map_err(|e| format!("connect: {e}"))?;
    // A server may answer (413, 431) and close before the whole request is written.
    let _ = socket.write_all(request).await;
    let mut answer = vec![];
    tokio::time::timeout(Duration::from_secs(60), socket.read_to_end(&mut answer))
        .await
        .map_err(|_| "no answer within 60 s".to_string())?
        .map_err(|e| format!("read: {e}"))?;
    let split = answer
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| format!("no HTTP answer: {:?}", String::from_utf8_lossy(&answer)))?;
    let head = String::from_utf8_lossy(&answer[..split]).into_owned();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| format!("no status line: {head}"))?;
    let headers: BTreeMap<String, String> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let mut body = answer[split + 4..].to_vec();
    if headers
        .get("transfer-encoding")
        .is_some_and(|t| t == "chunked")
    {
        body = dechunk(&body);
    }
    Ok(Raw {
        status,
        headers,
        body,
    })
}

fn dechunk(mut data: &[u8]) -> Vec<u8> {
    let mut out = vec![];
    while let Some(end) = data.windows(2).position(|w| w == b"\r\n") {
        let size =
            usize::from_str_radix(String::from_utf8_lossy(&data[..end]).trim(), 16).unwrap_or(0);
        if size == 0 {
            break;
        }
        let start = end + 2;
        out.extend_from_slice(&data[start..(start + size).min(data.len())]);
        data = &data[(start + size + 2).min(data.len())..];
    }
    out
}

/// What is wrong with the answer to `case`, if anything.
fn judge(case: &Value, raw: &Raw) -> Option<String> {
    let expect: Vec<u16> = case["expect"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_u64().unwrap() as u16)
        .collect();
    let text = String::from_utf8_lossy(&raw.body);
    if !expect.contains(&raw.status) {
        return Some(format!(
            "status {} (expected one of {expect:?}): {text:.300}",
            raw.status
        ));
    }
    let content_type = raw.headers.get("content-type").map(String::as_str);
    if case["target"] == "x12" && raw.status == 200 {
        return refuses_every_set(raw, &text);
    }
    // A request that is not HTTP (a NUL or bare CR in a header, an obs-fold, too many headers)
    // is refused by the HTTP server itself, before any function, with an empty 400 or 431.
    if content_type.is_none() && raw.body.is_empty() && [400, 431].contains(&raw.status) {
        return None;
    }
    // The gateway's own answers (no route, too large) are `{"message": …}`, as on AWS.
    if content_type == Some("application/json")
        && serde_json::from_slice::<Value>(&raw.body).is_ok_and(|b| b["message"].is_string())
        && [404, 413, 431].contains(&raw.status)
    {
        return None;
    }
    if content_type != Some("application/problem+json") {
        return Some(format!(
            "content type {content_type:?}, not a problem: {text:.300}"
        ));
    }
    let problem: Value = match serde_json::from_slice(&raw.body) {
        Ok(p) => p,
        Err(e) => return Some(format!("problem is not JSON ({e}): {text:.300}")),
    };
    if !problem["type"].is_string() || !problem["detail"].is_string() {
        return Some(format!("problem without type or detail: {text:.300}"));
    }
    if let Some(field) = case["field"].as_str() {
        let named = problem["errors"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|e| e["field"] == field);
        if !named {
            return Some(format!("the problem does not name {field}: {text:.300}"));
        }
    }
    None
}

/// A 200 from the X12 endpoint refuses the way X12 does: its 997 accepts no transaction set
/// (AK9 `R`, no set `A`ccepted), and no order was created for it.
fn refuses_every_set(raw: &Raw, text: &str) -> Option<String> {
    let created = raw
        .headers
        .get("x-switchyard-order-ids")
        .map(String::as_str)
        .unwrap_or("");
    if !created.is_empty() {
        return Some(format!("accepted as orders {created}: {text:.300}"));
    }
    let ak9 = text
        .split('~')
        .map(str::trim)
        .find(|s| s.starts_with("AK9*"));
    match ak9.map(|s| s.split('*').collect::<Vec<_>>()) {
        Some(e) if e.get(1) == Some(&"R") && e.get(4) == Some(&"0") => None,
        _ => Some(format!("a 997 that does not refuse every set: {text:.300}")),
    }
}

/// Order records of `channel`, read in the emulator.
async fn orders_recorded(channel: &str) -> usize {
    use aws_sdk_dynamodb::types::AttributeValue;
    let client = aws_sdk_dynamodb::Client::new(&switchyard_e2e::aws().await);
    let mut count = 0;
    let mut start = None;
    loop {
        let page = client
            .scan()
            .table_name(setting("SWITCHYARD_ORDERS_TABLE"))
            .filter_expression("begins_with(pk, :p)")
            .expression_attribute_values(":p", AttributeValue::S(format!("EXTREF#{channel}#")))
            .set_exclusive_start_key(start)
            .send()
            .await
            .unwrap();
        count += page.items().len();
        start = page.last_evaluated_key().cloned();
        if start.is_none() {
            return count;
        }
    }
}

/// Quarantined deliveries of `channel`, each with its reason.
fn quarantined(channel: &str) -> Vec<String> {
    let out = switchyard()
        .args(["quarantine", "list", "--json"])
        .output()
        .expect("switchyard runs");
    let listed: Value = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    listed["items"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|i| i["delivery"]["channel"] == channel)
        .map(|i| i["delivery"]["reason"].as_str().unwrap_or("").to_string())
        .collect()
}

#[tokio::test]
async fn every_hostile_input_is_refused_with_a_problem_and_leaves_nothing_behind() {
    let corpus: Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../hostile/corpus.json"
        ))
        .unwrap(),
    )
    .unwrap();
    let cases = corpus["cases"].as_array().unwrap();
    assert!(cases.len() >= 300, "the corpus has {} cases", cases.len());

    let stack = Stack::from_env();
    let ch = channels(&stack).await;
    let host = stack.api.trim_start_matches("http://").to_string();
    let mut failures = vec![];
    let mut refused_webhooks: BTreeMap<&str, usize> = BTreeMap::new();
    for case in cases {
        let id = case["id"].as_str().unwrap();
        let request = request_of(case, &ch, &host);
        match send(&host, &request).await {
            Err(e) => failures.push(format!("{id}: {e}")),
            Ok(raw) => {
                if let Some(wrong) = judge(case, &raw) {
                    failures.push(format!("{id}: {wrong}"));
                }
                let target = case["target"].as_str().unwrap();
                if target.starts_with("webhook-")
                    && target != "webhook-path"
                    && [400, 422].contains(&raw.status)
                {
                    *refused_webhooks.entry(target).or_default() += 1;
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} hostile inputs were not refused properly:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );

    let api_channel = stack_channel_of_key(&ch).await;
    assert_eq!(
        orders_recorded(&api_channel).await,
        1,
        "only the seeded order"
    );
    for name in [&ch.standard.0, &ch.shopify.0, &ch.woo.0, &ch.x12.0] {
        assert_eq!(orders_recorded(name).await, 0, "{name} recorded an order");
    }
    for (target, name) in [
        ("webhook-standard", &ch.standard.0),
        ("webhook-shopify", &ch.shopify.0),
        ("webhook-woo", &ch.woo.0),
    ] {
        let kept = quarantined(name);
        assert_eq!(
            kept.len(),
            refused_webhooks.get(target).copied().unwrap_or(0),
            "every signed delivery refused for its body is kept for an operator ({name})"
        );
        assert!(kept.iter().all(|r| !r.is_empty()), "{name}: {kept:?}");
    }
    let x12_kept = quarantined(&ch.x12.0);
    assert!(
        !x12_kept.is_empty() && x12_kept.iter().all(|r| !r.is_empty()),
        "{x12_kept:?}"
    );
}

/// The API channel's name (the seeded order's channel, as the API reports it).
async fn stack_channel_of_key(ch: &Channels) -> String {
    let stack = Stack::from_env();
    let view = stack.order(&ch.api_key, &ch.seeded_order).await;
    view.body["channel"].as_str().unwrap().to_string()
}
