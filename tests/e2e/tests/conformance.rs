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
use switchyard_e2e::{Stack, demo_channel, setting, unique};

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

/// A fresh API channel (no rate limit, so generated traffic is never answered 429) and its key.
fn fresh_api_channel() -> String {
    let name = unique("conformance").to_lowercase();
    let out = switchyard()
        .args(["channels", "add", &name, "--kind", "api"])
        .args(["--default-customer", "DEMO-SHOP", "--json"])
        .output()
        .expect("switchyard runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let added: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    added["api_key"].as_str().unwrap().to_string()
}

/// Runs schemathesis over the operations `include` matches, as the holder of `api_key`.
fn run(stack: &Stack, label: &str, api_key: &str, include: &str) {
    let reports = PathBuf::from(setting("SWITCHYARD_STACK_DIR")).join(format!("logs/schemathesis-{label}"));
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
    let out = Command::new(schemathesis())
        .arg("run")
        .arg(format!("{}/v1/openapi.json", stack.api))
        .args(["--url", &stack.api])
        .args(["--checks", &checks])
        .args(["--phases", "examples,coverage,fuzzing,stateful"])
        .args(["--mode", "all"])
        .args(["--max-examples", &examples])
        .args(["--seed", &seed])
        .args(["--workers", "2"])
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
    assert!(
        stdout.contains("passed") && !stdout.contains("0 passed"),
        "schemathesis tested nothing ({label}):\n{stdout}"
    );
}

#[test]
fn every_channel_operation_keeps_to_the_published_document() {
    let stack = Stack::from_env();
    let key = fresh_api_channel();
    run(&stack, "channel-api", &key, "^/v1/(openapi.json|orders|returns|inventory|prices|webhooks)");
}

#[test]
fn every_edi_operation_keeps_to_the_published_document() {
    let stack = Stack::from_env();
    let partner = demo_channel("acme-edi");
    run(&stack, "edi", &partner.api_key, "^/v1/edi/");
}
