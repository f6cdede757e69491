//! X12 acknowledgments by the standard, through the whole local stack: a 00401 interchange with
//! an 003040 group is answered in 003040 and, as its ISA14 asks, with a TA1 in the partner's
//! outbox; a reused control number gets a TA1 025; a 997 sent in gets no 997 back.

use serde_json::Value;
use switchyard_e2e::{Answer, Stack, demo_channel, unique};
use switchyard_x12::parse_interchange;

/// A 00401 interchange with one 003040 group: six-digit dates (GS04, BEG05, DTM02) and ISA14
/// asking for a TA1.
fn interchange_003040(isa13: u32, po: &str) -> String {
    let body = [
        format!("BEG*00*SA*{po}**261127"),
        "DTM*010*261204".to_string(),
        "N1*BY*Acme Retail Inc*92*ACME-001".into(),
        "N1*ST*Acme DC 4*92*DC4".into(),
        "N3*31875 Solon Rd".into(),
        "N4*Solon*OH*44139*US".into(),
        "PO1*1*3*EA*9.25**VN*WIDGET-S".into(),
        "CTT*1*3".into(),
    ];
    let count = body.len() + 2;
    format!(
        "ISA*00*          *00*          *ZZ*ACMEBUYER      *ZZ*SWITCHYARD     *261127*1030*U*00401*{isa13:09}*1*P*>~\n\
         GS*PO*ACMEBUYER*SWITCHYARD*261127*1030*{isa13}*X*003040~\n\
         ST*850*0001~\n{}~\nSE*{count}*0001~\nGE*1*{isa13}~\nIEA*1*{isa13:09}~\n",
        body.join("~\n")
    )
}

fn isa13() -> u32 {
    (ulid::Ulid::new().random() % 999_999_999) as u32 + 1
}

async fn post_x12(stack: &Stack, key: &str, x12: &str) -> Answer {
    stack
        .send(
            stack
                .http
                .post(format!("{}/v1/edi/x12", stack.api))
                .bearer_auth(key)
                .header("content-type", "application/edi-x12")
                .body(x12.to_string()),
        )
        .await
}

/// Fetches outbox document `id`: its type header and its content.
async fn fetch(stack: &Stack, key: &str, id: &str) -> (String, String) {
    let answer = stack.get_as(key, &format!("/v1/edi/outbox/{id}")).await;
    assert_eq!(answer.status, 200, "{id}: {}", answer.text);
    let kind = answer
        .header("x-switchyard-document-type")
        .unwrap_or_default()
        .to_string();
    (kind, answer.text)
}

/// The TA1 segment of a TA1 interchange, as text without its terminator.
fn ta1_of(x12: &str) -> String {
    let interchange = parse_interchange(x12.as_bytes()).unwrap();
    assert!(interchange.is_clean(), "{x12}");
    assert!(interchange.groups.is_empty(), "a TA1 travels alone: {x12}");
    let ta1 = &interchange.interchange_acks[0];
    let values: Vec<String> = ta1.elements().map(|e| e.value().to_string()).collect();
    format!("TA1*{}", values.join("*"))
}

#[tokio::test]
async fn a_00401_003040_interchange_gets_a_997_in_003040_and_the_ta1_it_asked_for() {
    let stack = Stack::from_env();
    let edi = demo_channel("acme-edi");
    let isa13 = isa13();
    let po = unique("PO");
    let answer = post_x12(&stack, &edi.api_key, &interchange_003040(isa13, &po)).await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    assert_ne!(
        answer.header("x-switchyard-order-ids"),
        Some(""),
        "the six-digit BEG05 is read, so the order is captured: {:?}",
        answer.header("x-switchyard-rejected-sets")
    );

    // The 997, from the outbox as the partner collects it.
    let id = answer.header("x-switchyard-document-id").unwrap();
    let (kind, ack) = fetch(&stack, &edi.api_key, id).await;
    assert_eq!(kind, "997");
    let flat = ack.replace('\n', "");
    assert!(flat.contains("*U*00401*"), "ISA12 as received: {flat}");
    assert!(
        flat.contains(&format!(
            "*X*003040~ST*997*0001~AK1*PO*{isa13}~AK2*850*0001~AK5*A~AK9*A*1*1*1~"
        )),
        "the group's version, without the 005010 AK103: {flat}"
    );
    let parsed = parse_interchange(ack.as_bytes()).unwrap();
    assert!(parsed.is_clean());
    assert_eq!(parsed.groups[0].date.len(), 6, "GS04 is YYMMDD in 003040");

    // The TA1, also in the outbox.
    let ta1_id = answer.header("x-switchyard-ta1-document-id").unwrap();
    let (kind, ta1) = fetch(&stack, &edi.api_key, ta1_id).await;
    assert_eq!(kind, "TA1");
    assert_eq!(ta1_of(&ta1), format!("TA1*{isa13:09}*261127*1030*A*000"));
    let listed = stack.get_as(&edi.api_key, "/v1/edi/outbox").await;
    let ids: Vec<&str> = listed.body["documents"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|d| d["id"].as_str())
        .collect();
    assert!(ids.contains(&id) && ids.contains(&ta1_id), "{ids:?}");

    // The same control number with another body: the JSON problem, and a TA1 025 the partner's
    // translator understands.
    let reused = post_x12(
        &stack,
        &edi.api_key,
        &interchange_003040(isa13, &unique("PO")),
    )
    .await;
    assert_eq!(reused.status, 422, "{}", reused.text);
    assert_eq!(reused.body["type"], "/problems/idempotency-key-reused");
    assert_eq!(reused.body["x12_note_code"], "025");
    let duplicate = reused.body["ta1_document_id"].as_str().unwrap();
    let (_, ta1) = fetch(&stack, &edi.api_key, duplicate).await;
    assert_eq!(ta1_of(&ta1), format!("TA1*{isa13:09}*261127*1030*R*025"));
}

#[tokio::test]
async fn a_997_from_the_partner_is_taken_and_not_acknowledged() {
    let stack = Stack::from_env();
    let edi = demo_channel("acme-edi");
    let n = isa13();
    let x12 = format!(
        "ISA*00*          *00*          *ZZ*ACMEBUYER      *ZZ*SWITCHYARD     *261127*1030*U*00401*{n:09}*0*P*>~\n\
         GS*FA*ACMEBUYER*SWITCHYARD*20261127*1030*{n}*X*004010~\nST*997*0001~\nAK1*PR*4242~\n\
         AK2*855*0001~\nAK5*A~\nAK9*A*1*1*1~\nSE*6*0001~\nGE*1*{n}~\nIEA*1*{n:09}~\n"
    );
    let answer = post_x12(&stack, &edi.api_key, &x12).await;
    assert_eq!(answer.status, 202, "{}", answer.text);
    assert_eq!(
        answer.body["functional_acks"][0]["acknowledged_group"],
        "4242"
    );
    assert_eq!(answer.body["functional_acks"][0]["status"], "A");
    assert_eq!(answer.header("x-switchyard-ta1-document-id"), None);
    // No 997 anywhere in the outbox acknowledges a functional acknowledgment group.
    let listed = stack.get_as(&edi.api_key, "/v1/edi/outbox").await;
    let documents: &Vec<Value> = listed.body["documents"].as_array().unwrap();
    for document in documents
        .iter()
        .filter(|d| d["type"] == "997" || d["type"] == "999")
    {
        let (_, content) = fetch(&stack, &edi.api_key, document["id"].as_str().unwrap()).await;
        assert!(
            !content.contains(&format!("AK1*FA*{n}")),
            "a 997 acknowledged the 997: {content}"
        );
    }
}
