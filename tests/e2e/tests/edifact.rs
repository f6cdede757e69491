//! EDIFACT ORDERS through the whole local stack: a fresh `edifact` partner (added with the CLI)
//! posts the D.96A demo sample → an accepting CONTRL in the answer and the outbox, a confirmed
//! Tryton sale, and the ORDRSP in the outbox once the ERP has decided; an order the ERP refuses
//! gets an ORDRSP refusing it; broken interchanges get rejecting CONTRLs with the codes the
//! standard gives, and nothing is captured.

use std::time::Duration;

use switchyard_e2e::dead_letters::switchyard;
use switchyard_e2e::{Answer, Stack, sale_lines, stored_for, unique, wait_for_sale, wait_until};
use switchyard_edifact::write::{Action, ContrlReport, OrderResponse};
use switchyard_edifact::{Document, parse_interchange, read_message};

const WITHIN: Duration = Duration::from_secs(90);

/// The sample `make up` sends (D.96A, UNA with a decimal comma, WIDGET-S and WIDGET-M).
const DEMO: &str = include_str!("../../../local/samples/hypermarkt-orders.edi");
/// The crate's D.96A sample; GADGET-L and BOLT-M8 are not in the demo ERP.
const D96A: &str = include_str!("../../../shared/edifact/samples/orders-d96a-una.edi");

/// A fresh partner: (channel name, UNB sender id, API key).
fn fresh_partner() -> (String, String, String) {
    let id = unique("E2E").replace('-', "");
    let name = format!("edifact-{}", id.to_lowercase());
    let out = switchyard()
        .args(["channels", "add", &name, "--kind", "edifact"])
        .args(["--unb-qualifier", "ZZZ", "--unb-id", &id])
        .args(["--default-customer", "DEMO-SHOP", "--json"])
        .output()
        .expect("switchyard runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let added: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(added["kind"], "edifact");
    assert_eq!(added["unb_id"], id.as_str());
    (name, id, added["api_key"].as_str().unwrap().to_string())
}

/// `sample` from UNB sender `sender`:ZZZ, with its own control reference `own` replaced by
/// `reference` and its order number `po` by `new_po`.
fn rewritten(sample: &str, from: &str, sender: &str, own: &str, reference: &str) -> String {
    sample
        .replace(from, &format!("{sender}:ZZZ"))
        .replace(&format!("+{own}"), &format!("+{reference}"))
}

async fn post(stack: &Stack, key: &str, body: &str) -> Answer {
    stack
        .send(
            stack
                .http
                .post(format!("{}/v1/edi/edifact", stack.api))
                .bearer_auth(key)
                .header("content-type", "application/edifact")
                .body(body.to_string()),
        )
        .await
}

/// The CONTRL report in `text`, which must read back cleanly.
fn contrl(text: &str) -> ContrlReport {
    let ic = parse_interchange(text.as_bytes()).unwrap();
    assert!(ic.is_clean(), "{:?}: {text}", ic.errors);
    let Ok(Document::Contrl(report)) = read_message(&ic.messages[0], &ic.delimiters) else {
        panic!("not a CONTRL: {text}");
    };
    *report
}

/// Outbox document `id` of the partner with `key`, once it is there: (type, content).
async fn wait_document(stack: &Stack, key: &str, id: &str) -> (String, String) {
    wait_until(WITHIN, &format!("{id} in the outbox"), || async move {
        let answer = stack.get_as(key, &format!("/v1/edi/outbox/{id}")).await;
        if answer.status == 200 {
            assert_eq!(answer.header("content-type"), Some("application/edifact"));
            Ok((
                answer
                    .header("x-switchyard-document-type")
                    .unwrap_or_default()
                    .to_string(),
                answer.text,
            ))
        } else {
            Err(format!("{}: {}", answer.status, answer.text))
        }
    })
    .await
}

fn ordrsp(text: &str) -> OrderResponse {
    let ic = parse_interchange(text.as_bytes()).unwrap();
    assert!(ic.is_clean(), "{:?}: {text}", ic.errors);
    let Ok(Document::OrderResponse(response)) = read_message(&ic.messages[0], &ic.delimiters)
    else {
        panic!("not an ORDRSP: {text}");
    };
    *response
}

#[tokio::test]
async fn an_orders_is_acknowledged_sold_in_tryton_and_answered_with_an_ordrsp() {
    let stack = Stack::from_env();
    let (name, sender, key) = fresh_partner();
    let po = unique("HM");
    let body = rewritten(DEMO, "5412345000013:14", &sender, "HM0001", "E2E0001")
        .replace("HM-PO-1001", &po);
    let answer = post(&stack, &key, &body).await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    assert_eq!(answer.header("content-type"), Some("application/edifact"));
    let report = contrl(&answer.text);
    assert_eq!(report.action, Action::Acknowledged, "{}", answer.text);
    assert!(report.accepts_everything(), "{}", answer.text);
    assert_eq!(report.interchange_reference, "E2E0001");

    // The same CONTRL waits in the outbox.
    let contrl_id = answer.header("x-switchyard-document-id").unwrap();
    let (kind, content) = wait_document(&stack, &key, contrl_id).await;
    assert_eq!(kind, "CONTRL");
    assert_eq!(content, answer.text);

    let order_id = answer.header("x-switchyard-order-ids").unwrap().to_string();
    let view = stack.wait_final_as(&key, &order_id, WITHIN).await;
    assert_eq!(view["status"], "ACCEPTED", "{view}");
    let sales = wait_for_sale(&format!("{name}:{po}"), WITHIN).await;
    assert_eq!(sales.len(), 1, "{sales:?}");
    assert_eq!(
        sale_lines(sales[0].id).await,
        [
            ("WIDGET-M".to_string(), "6".to_string(), "14.5".to_string()),
            ("WIDGET-S".into(), "12".into(), "9.25".into())
        ],
        "the decimal comma was read"
    );

    let (kind, text) = wait_document(&stack, &key, &format!("ORDRSP-{order_id}")).await;
    assert_eq!(kind, "ORDRSP");
    let response = ordrsp(&text);
    assert_eq!(response.order_number, po);
    assert_eq!(response.response_type.code(), "29", "accepted: {text}");
    assert_eq!(
        response.seller_order_number.as_deref(),
        view["erp_reference"].as_str(),
        "RFF VN is the Tryton sale"
    );

    // Sent again: the first answer, and still one sale.
    let again = post(&stack, &key, &body).await;
    assert_eq!(again.text, answer.text);
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
}

#[tokio::test]
async fn an_order_the_erp_refuses_gets_an_ordrsp_refusing_every_line() {
    let stack = Stack::from_env();
    let (_, sender, key) = fresh_partner();
    let po = unique("PO");
    let body =
        rewritten(D96A, "ACMEBUYER:ZZZ", &sender, "IC4471", "E2E0002").replace("PO-4471", &po);
    let answer = post(&stack, &key, &body).await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    assert!(contrl(&answer.text).accepts_everything(), "{}", answer.text);
    let order_id = answer.header("x-switchyard-order-ids").unwrap().to_string();
    let view = stack.wait_final_as(&key, &order_id, WITHIN).await;
    assert_eq!(view["status"], "REJECTED", "GADGET-L is no product: {view}");
    let (_, text) = wait_document(&stack, &key, &format!("ORDRSP-{order_id}")).await;
    let response = ordrsp(&text);
    assert_eq!(response.response_type.code(), "27", "not accepted: {text}");
    assert!(
        response.lines.iter().all(|l| l.status.code() == "7"),
        "{text}"
    );
}

#[tokio::test]
async fn broken_interchanges_get_rejecting_contrls_and_nothing_is_captured() {
    let stack = Stack::from_env();
    let (name, sender, key) = fresh_partner();

    // A wrong UNT count: the message is rejected with 29, at the UNT.
    let po = unique("HM");
    let body = rewritten(DEMO, "5412345000013:14", &sender, "HM0001", "E2E0003")
        .replace("HM-PO-1001", &po)
        .replace("UNT+19+1'", "UNT+18+1'");
    let answer = post(&stack, &key, &body).await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    assert_eq!(answer.header("x-switchyard-order-ids"), Some(""));
    assert_eq!(answer.header("x-switchyard-rejected-messages"), Some("1"));
    assert!(
        answer.text.contains("UCM+1+ORDERS:D:96A:UN+4+29+UNT+1'"),
        "{}",
        answer.text
    );
    let report = contrl(&answer.text);
    assert!(!report.accepts_everything());
    assert!(!stored_for(&name, &po).await, "nothing captured");

    // Cut short (no UNZ): unreadable, a problem, and a CONTRL rejecting the interchange (13).
    let truncated = &body[..body.find("UNT+").unwrap()];
    let answer = post(&stack, &key, truncated).await;
    assert_eq!(answer.status, 400, "{}", answer.text);
    assert_eq!(answer.body["edifact_syntax_error_code"], "13");
    let id = answer.body["contrl_document_id"].as_str().unwrap();
    let (_, text) = wait_document(&stack, &key, id).await;
    let report = contrl(&text);
    assert_eq!(report.action, Action::Rejected, "{text}");
    assert!(!stored_for(&name, &po).await, "nothing captured");

    // The same control reference with another body: 26.
    let other = rewritten(DEMO, "5412345000013:14", &sender, "HM0001", "E2E0003");
    let answer = post(&stack, &key, &other).await;
    assert_eq!(answer.status, 422, "{}", answer.text);
    assert_eq!(answer.body["edifact_syntax_error_code"], "26");
    let id = answer.body["contrl_document_id"].as_str().unwrap();
    let (_, text) = wait_document(&stack, &key, id).await;
    assert!(text.contains("+4+26+UNB+5'"), "{text}");
}
