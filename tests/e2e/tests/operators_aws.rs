//! The operators' tools that reach into AWS itself, through the whole local stack:
//! * `switchyard replay` sends archived events back to the rules that route them: an
//!   `OrderAccepted` replayed reaches its consumer (the EDI acknowledger) again, and the order
//!   still has exactly one sale and one 855, unchanged (no second control number spent);
//! * `switchyard dlq redrive --in-aws` runs in the `dlq-redrive` function, invoked through the
//!   local runner's Lambda Invoke API: a dry run changes nothing, the execution moves the
//!   message to its consumer, and the audit entry names the caller via dlq-redrive.

use std::time::Duration;

use chrono::{SecondsFormat, Utc};
use serde_json::{Value, json};
use switchyard_e2e::storefronts::inventory_changed;
use switchyard_e2e::{
    Answer, Stack, aws, demo_channel, queue_depth, runner_log, setting, tryton, unique, wait_until,
};
use switchyard_model::catalog_events::INVENTORY_EVENTS_SOURCE;

const WITHIN: Duration = Duration::from_secs(90);

/// Runs the stack's `switchyard` with `--json`; (exit code, parsed stdout).
fn cli(args: &[&str]) -> (i32, Value) {
    let bin = format!("{}/bin/switchyard", setting("SWITCHYARD_STACK_DIR"));
    let output = std::process::Command::new(&bin)
        .args(args)
        .arg("--json")
        .output()
        .expect("run switchyard");
    let parsed = serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "switchyard {args:?} --json printed no JSON ({e}): {}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    });
    (output.status.code().unwrap_or(-1), parsed)
}

fn interchange_850(isa13: u32, po: &str) -> String {
    let body = [
        format!("BEG*00*SA*{po}**20261127"),
        "N1*BY*Acme Retail Inc*92*ACME-001".into(),
        "N1*ST*Acme DC 4*92*DC4".into(),
        "N3*31875 Solon Rd".into(),
        "N4*Solon*OH*44139*US".into(),
        "PO1*1*3*EA*9.25**VN*WIDGET-S".into(),
        "CTT*1*3".into(),
    ];
    format!(
        "ISA*00*          *00*          *ZZ*ACMEBUYER      *ZZ*SWITCHYARD     *261127*1030*U*00401*{isa13:09}*0*P*>~\n\
         GS*PO*ACMEBUYER*SWITCHYARD*20261127*1030*{isa13}*X*004010~\n\
         ST*850*0001~\n{}~\nSE*{}*0001~\nGE*1*{isa13}~\nIEA*1*{isa13:09}~\n",
        body.join("~\n"),
        body.len() + 2
    )
}

async fn outbox_document(stack: &Stack, key: &str, id: &str) -> Answer {
    stack
        .send(
            stack
                .http
                .get(format!("{}/v1/edi/outbox/{id}", stack.api))
                .bearer_auth(key),
        )
        .await
}

/// How many times the acknowledger has handled (written or found) the document `id`.
fn acknowledged(id: &str) -> usize {
    runner_log()
        .lines()
        .filter(|l| l.contains("document written") && l.contains(id))
        .count()
}

/// The demo channel's `GET /v1/inventory` for one SKU.
async fn inventory(stack: &Stack, sku: &str) -> Answer {
    stack
        .send(
            stack
                .http
                .get(format!("{}/v1/inventory?sku={sku}", stack.api))
                .header("x-api-key", &stack.demo_key),
        )
        .await
}

fn rfc3339(at: chrono::DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

#[tokio::test]
async fn a_replayed_order_acceptance_reaches_its_consumer_and_makes_no_second_sale_or_855() {
    let stack = Stack::from_env();
    let edi = demo_channel("acme-edi");
    let from = Utc::now() - chrono::Duration::seconds(2);
    let po = unique("PO");
    let isa13 = (ulid::Ulid::new().random() % 999_999_999) as u32 + 1;
    let answer = stack
        .send(
            stack
                .http
                .post(format!("{}/v1/edi/x12", stack.api))
                .header("content-type", "application/edi-x12")
                .bearer_auth(&edi.api_key)
                .body(interchange_850(isa13, &po)),
        )
        .await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    let order_id = answer.header("x-switchyard-order-ids").unwrap().to_string();
    let view = stack.wait_final_as(&edi.api_key, &order_id, WITHIN).await;
    assert_eq!(view["status"], "ACCEPTED", "{view}");
    let reference = format!("acme-edi:{po}");
    let document = format!("855-{order_id}");
    let (stack_ref, key, doc) = (&stack, &edi.api_key, &document);
    let original = wait_until(WITHIN, "the 855 in the outbox", || async move {
        let fetched = outbox_document(stack_ref, key, doc).await;
        if fetched.status == 200 {
            Ok(fetched.text)
        } else {
            Err(format!("{} {}", fetched.status, fetched.text))
        }
    })
    .await;
    let to = Utc::now() + chrono::Duration::seconds(1);
    let handled_before = acknowledged(&document);
    assert!(handled_before >= 1, "the acknowledger wrote the 855");

    // The dry run: the archive, the window, the rules that route OrderAccepted; nothing sent.
    let (from, to) = (rfc3339(from), rfc3339(to));
    let (code, dry) = cli(&[
        "replay",
        "--from",
        &from,
        "--to",
        &to,
        "--type",
        "OrderAccepted",
    ]);
    assert_eq!(code, 0, "{dry}");
    assert_eq!(dry["executed"], false);
    let plan = &dry["plan"];
    assert!(
        plan["archive"]["event_count"].as_i64().unwrap() >= 1,
        "{plan}"
    );
    let rules: Vec<&str> = plan["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert!(
        rules.iter().any(|r| r.ends_with("-edi-acknowledgements")),
        "{rules:?}"
    );
    assert!(
        !rules
            .iter()
            .any(|r| r.contains("stock-") || r.contains("catalog")),
        "no rule that does not route OrderAccepted: {rules:?}"
    );
    assert_eq!(
        acknowledged(&document),
        handled_before,
        "a dry run sends nothing"
    );

    let (code, replayed) = cli(&[
        "replay",
        "--from",
        &from,
        "--to",
        &to,
        "--type",
        "OrderAccepted",
        "--execute",
        "--yes",
    ]);
    assert_eq!(code, 0, "{replayed}");
    let outcome = &replayed["outcome"];
    assert_eq!(outcome["state"], "COMPLETED", "{outcome}");
    let doc = &document;
    wait_until(
        WITHIN,
        "the replayed OrderAccepted at the acknowledger",
        || async move {
            let now = acknowledged(doc);
            if now > handled_before {
                Ok(())
            } else {
                Err(format!("handled {now} time(s)"))
            }
        },
    )
    .await;

    assert_eq!(
        tryton()
            .sales_with_reference(&reference)
            .await
            .unwrap()
            .len(),
        1,
        "a replay makes no second sale"
    );
    let after = outbox_document(&stack, &edi.api_key, &document).await;
    assert_eq!(after.status, 200);
    assert_eq!(
        after.text, original,
        "the 855 is the same document: no second one"
    );
    let view = stack.wait_final_as(&edi.api_key, &order_id, WITHIN).await;
    assert_eq!(view["status"], "ACCEPTED");

    let audit_id = outcome["audit_id"].as_str().unwrap();
    let (_, audit) = cli(&["audit", "list", "--limit", "50"]);
    let entry = audit["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["id"] == audit_id)
        .unwrap_or_else(|| panic!("the replay is in the audit trail: {audit}"));
    assert_eq!(entry["action"], "replay");
    assert_eq!(entry["outcome"], "ok");
    assert_eq!(entry["details"]["types"], json!(["OrderAccepted"]));
}

#[tokio::test]
async fn a_redrive_in_aws_runs_in_the_dlq_redrive_function_and_is_audited_via_it() {
    let stack = Stack::from_env();
    let sqs = aws_sdk_sqs::Client::new(&aws().await);
    let dlq_url = setting("SWITCHYARD_CATALOG_EVENTS_DLQ_URL");
    let dlq = dlq_url.rsplit('/').next().unwrap().to_string();
    // A stock level dead-lettered on its way to the projections, as EventBridge delivered it.
    let sku = unique("RDRV");
    let envelope = inventory_changed(&sku, 17);
    let body = json!({
        "version": "0", "id": ulid::Ulid::new().to_string(), "detail-type": "InventoryChanged",
        "source": INVENTORY_EVENTS_SOURCE, "account": "123456789012",
        "time": rfc3339(Utc::now()), "region": "us-east-1", "resources": [],
        "detail": serde_json::to_value(&envelope).unwrap(),
    });
    sqs.send_message()
        .queue_url(&dlq_url)
        .message_body(body.to_string())
        .send()
        .await
        .unwrap();
    let filter = format!("channel={}", envelope.channel);

    // Dry run, in the function: it names the message, moves nothing.
    let (code, dry) = cli(&[
        "dlq",
        "redrive",
        &dlq,
        "--filter",
        "type=InventoryChanged",
        "--in-aws",
    ]);
    assert_eq!(code, 0, "{dry}");
    assert_eq!(dry["executed"], false, "{dry}");
    assert!(
        dry["messages"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["key"]["subject"]
                .as_str()
                .is_some_and(|s| s.contains(&sku))),
        "{dry}"
    );
    assert!(
        queue_depth(&dlq_url).await.0 >= 1,
        "the dry run left it in the DLQ"
    );
    let shown = inventory(&stack, &sku).await;
    assert_eq!(shown.body["items"][0]["known"], false, "{}", shown.text);

    let (code, moved) = cli(&[
        "dlq",
        "redrive",
        &dlq,
        "--filter",
        "type=InventoryChanged",
        "--filter",
        &filter,
        "--execute",
        "--yes",
        "--in-aws",
    ]);
    assert_eq!(code, 0, "{moved}");
    assert_eq!(moved["executed"], true);
    assert!(moved["done"].as_u64().unwrap() >= 1, "{moved}");
    let audit_id = moved["audit_id"].as_str().expect("audited").to_string();

    let (stack_ref, sku_ref) = (&stack, &sku);
    wait_until(
        WITHIN,
        "the redriven level in the projections",
        || async move {
            let shown = inventory(stack_ref, sku_ref).await;
            if shown.body["items"][0]["available"] == "17" {
                Ok(())
            } else {
                Err(shown.text)
            }
        },
    )
    .await;
    let (_, left) = cli(&["dlq", "show", &dlq, "--limit", "100"]);
    assert!(
        !left["messages"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|m| m["body"].as_str().is_some_and(|b| b.contains(&sku))),
        "the redriven message left the DLQ: {left}"
    );

    let (_, audit) = cli(&["audit", "list", "--limit", "50"]);
    let entry = audit["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["id"] == audit_id.as_str())
        .unwrap_or_else(|| panic!("the redrive is in the audit trail: {audit}"));
    assert_eq!(entry["action"], "dlq.redrive");
    let actor = entry["actor"].as_str().unwrap();
    assert!(actor.ends_with(" via dlq-redrive"), "{actor}");
    assert!(
        actor.len() > " via dlq-redrive".len(),
        "the caller is named: {actor}"
    );
}
