//! The running stack against its own OpenAPI document (`GET /v1/openapi.json`), with
//! schemathesis: every operation, examples, boundary (coverage) cases, generated positive and
//! negative cases, and the stateful links. Passing means no server error and no answer outside
//! the document — status, content type, headers or body — and every schema-breaking request
//! refused.
//!
//! schemathesis is installed into its own venv by `scripts/bootstrap.sh schemathesis`, which
//! `make test` runs. Its seed is fixed so that a failure reproduces; `SCHEMATHESIS_SEED` picks
//! another, and `SCHEMATHESIS_MAX_EXAMPLES` more cases per operation.

use std::path::PathBuf;
use std::process::Command;

use switchyard_e2e::dead_letters::switchyard;
use switchyard_e2e::{Stack, setting, unique};

fn schemathesis() -> PathBuf {
    let bin = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../.switchyard/schemathesis-venv/bin/schemathesis");
    assert!(
        bin.exists(),
        "{} is missing: run scripts/bootstrap.sh schemathesis (make test does)",
        bin.display()
    );
    bin
}

/// Adds a channel with `switchyard channels add <name> <args…> --json`; its API key.
fn add_channel(name: &str, args: &[&str]) -> String {
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
    let added: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    added["api_key"].as_str().unwrap().to_string()
}

/// An 850 interchange from ISA sender `sender` (ZZ), control number `isa13`, PO `po`.
fn interchange_850(sender: &str, isa13: u32, po: &str) -> String {
    let body = [
        format!("BEG*00*SA*{po}**20261201"),
        "N1*BY*Acme Retail Inc*92*ACME-001".into(),
        "N1*ST*Acme DC 4*92*DC4".into(),
        "N3*31875 Solon Rd".into(),
        "N4*Solon*OH*44139*US".into(),
        "PO1*1*4*EA*9.25**VN*WIDGET-S*UP*012345678905".into(),
        "CTT*1*4".into(),
    ];
    let count = body.len() + 2;
    format!(
        "ISA*00*          *00*          *ZZ*{sender:<15}*ZZ*SWITCHYARD     *261201*1030*U*00401*{isa13:09}*0*P*>~\n\
         GS*PO*{sender}*SWITCHYARD*20261201*1030*{isa13}*X*004010~\n\
         ST*850*0001~\n{}~\nSE*{count}*0001~\nGE*1*{isa13}~\nIEA*1*{isa13:09}~\n",
        body.join("~\n")
    )
}

/// Runs schemathesis over the operations `include` matches, as the holder of `api_key`, with
/// extra environment `env` (its hooks' inputs).
fn run(stack: &Stack, label: &str, api_key: &str, include: &str, env: &[(&str, String)]) {
    let reports =
        PathBuf::from(setting("SWITCHYARD_STACK_DIR")).join(format!("logs/schemathesis-{label}"));
    let seed = std::env::var("SCHEMATHESIS_SEED").unwrap_or_else(|_| "20261201".into());
    let examples = std::env::var("SCHEMATHESIS_MAX_EXAMPLES").unwrap_or_else(|_| "25".into());
    let checks = [
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_headers_conformance",
        "response_schema_conformance",
        "negative_data_rejection",
    ]
    .join(",");
    let hooks = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../conformance");
    let out = Command::new(schemathesis())
        .env("PYTHONPATH", &hooks)
        .env("SCHEMATHESIS_HOOKS", "x12_media")
        .envs(env.iter().map(|(k, v)| (k, v)))
        .arg("run")
        .arg(format!("{}/v1/openapi.json", stack.api))
        .args(["--url", &stack.api])
        .args(["--checks", &checks])
        .args(["--phases", "examples,coverage,fuzzing,stateful"])
        .args(["--mode", "all"])
        .args(["--max-examples", &examples])
        .args(["--seed", &seed])
        // One worker: with two, hypothesis's lambda-source cache races and reports a flaky failure of its own.
        .args(["--workers", "1"])
        .args(["--request-timeout", "30"])
        .args(["--include-path-regex", include])
        .args(["--header", &format!("Authorization: Bearer {api_key}")])
        .args(["--generation-database", "none"])
        .args(["--report", "junit", "--report-dir"])
        .arg(&reports)
        .args(["--no-color", "--output-truncate", "false"])
        .output()
        .expect("schemathesis runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    println!("{stdout}");
    assert!(
        out.status.success(),
        "schemathesis found answers outside the OpenAPI document ({label}; reports in {}):\n{stdout}\n{stderr}",
        reports.display()
    );
    // The summary says "Test cases: N generated, M passed".
    let generated: u32 = stdout
        .lines()
        .find_map(|l| l.trim().split_once(" generated, "))
        .and_then(|(n, _)| n.trim().parse().ok())
        .unwrap_or(0);
    assert!(
        generated >= 100,
        "schemathesis ran only {generated} cases ({label}):\n{stdout}"
    );
}

#[test]
fn every_channel_operation_keeps_to_the_published_document() {
    let stack = Stack::from_env();
    // Its own channel, without a rate limit, so that generated traffic is never answered 429.
    let key = add_channel(&unique("conformance").to_lowercase(), &["--kind", "api"]);
    let x12 = x12_samples("CONFAPI", 0);
    run(
        &stack,
        "channel-api",
        &key,
        "^/v1/(openapi.json|orders|returns|inventory|prices|webhooks)",
        &[("SWITCHYARD_CONFORMANCE_X12", x12)],
    );
}

/// Interchanges from `sender` for the X12 hook, written to a file; its path.
fn x12_samples(sender: &str, first_isa13: u32) -> String {
    let samples: Vec<String> = (0..5)
        .map(|i| interchange_850(sender, first_isa13 + i, &format!("{sender}-{i}")))
        .collect();
    let path =
        PathBuf::from(setting("SWITCHYARD_STACK_DIR")).join(format!("logs/{sender}.x12.json"));
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, serde_json::to_string(&samples).unwrap()).unwrap();
    path.display().to_string()
}

#[tokio::test]
async fn every_edi_operation_keeps_to_the_published_document() {
    let stack = Stack::from_env();
    // Its own partner: schemathesis collects (DELETEs) what it finds in the outbox.
    let sender = unique("CF")
        .to_uppercase()
        .chars()
        .take(15)
        .collect::<String>();
    let name = format!("conformance-{}", sender.to_lowercase());
    let key = add_channel(
        &name,
        &[
            "--kind",
            "x12",
            "--isa-qualifier",
            "ZZ",
            "--isa-id",
            &sender,
        ],
    );
    // One real interchange first, so that the outbox holds a 997 for the stateful links.
    let sent = stack
        .send(
            stack
                .http
                .post(format!("{}/v1/edi/x12", stack.api))
                .bearer_auth(&key)
                .header("content-type", "application/edi-x12")
                .body(interchange_850(&sender, 900, &format!("{sender}-SEED"))),
        )
        .await;
    assert_eq!(sent.status, 200, "{}", sent.text);
    let x12 = x12_samples(&sender, 1);
    run(
        &stack,
        "edi",
        &key,
        "^/v1/edi/",
        &[("SWITCHYARD_CONFORMANCE_X12", x12)],
    );
}

/// ORDERS interchanges from UNB sender `sender` (qualifier ZZZ) for the EDIFACT hook, written to
/// a file; its path.
fn edifact_samples(sender: &str, first: u32) -> String {
    let samples: Vec<String> = (0..5)
        .map(|i| {
            orders_interchange(
                sender,
                &format!("CF{}", first + i),
                &format!("{sender}-{i}"),
            )
        })
        .collect();
    let path =
        PathBuf::from(setting("SWITCHYARD_STACK_DIR")).join(format!("logs/{sender}.edifact.json"));
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, serde_json::to_string(&samples).unwrap()).unwrap();
    path.display().to_string()
}

/// A D.96A ORDERS interchange from `sender`, UNB 0020 `reference`, order number `po`.
fn orders_interchange(sender: &str, reference: &str, po: &str) -> String {
    format!(
        "UNA:+.? '\
         UNB+UNOC:3+{sender}:ZZZ+SWITCHYARD:ZZZ+261201:1030+{reference}'\
         UNH+1+ORDERS:D:96A:UN'BGM+220+{po}+9'DTM+137:20261201:102'\
         CUX+2:USD:9'NAD+DP+DC4::92++Acme DC 4+31875 Solon Rd+Solon+OH+44139+US'\
         LIN+1'PIA+5+WIDGET-S:SA'QTY+21:4:PCE'PRI+AAA:9.25'UNS+S'UNT+11+1'UNZ+1+{reference}'"
    )
}

#[tokio::test]
async fn every_edifact_operation_keeps_to_the_published_document() {
    let stack = Stack::from_env();
    let sender = unique("CE")
        .to_uppercase()
        .chars()
        .take(20)
        .collect::<String>();
    let name = format!("conformance-{}", sender.to_lowercase());
    let key = add_channel(
        &name,
        &[
            "--kind",
            "edifact",
            "--unb-qualifier",
            "ZZZ",
            "--unb-id",
            &sender,
        ],
    );
    // One real interchange first, so that the outbox holds a CONTRL for the stateful links.
    let sent = stack
        .send(
            stack
                .http
                .post(format!("{}/v1/edi/edifact", stack.api))
                .bearer_auth(&key)
                .header("content-type", "application/edifact")
                .body(orders_interchange(
                    &sender,
                    "CFSEED",
                    &format!("{sender}-SEED"),
                )),
        )
        .await;
    assert_eq!(sent.status, 200, "{}", sent.text);
    assert!(
        sent.text.contains("+7'"),
        "an accepting CONTRL: {}",
        sent.text
    );
    let edifact = edifact_samples(&sender, 1);
    let x12 = x12_samples("CONFEDIFACT", 0);
    run(
        &stack,
        "edifact",
        &key,
        "^/v1/edi/(edifact|outbox)",
        &[
            ("SWITCHYARD_CONFORMANCE_X12", x12),
            ("SWITCHYARD_CONFORMANCE_EDIFACT", edifact),
        ],
    );
}
