//! The operators' loop through the whole stack: Tryton stays down until orders dead-letter,
//! `switchyard dlq show` says why, Tryton comes back, `switchyard dlq redrive --execute` puts
//! them through: each ACCEPTED with exactly one sale, its failure record resolved, and the
//! redrive in the audit trail. (Its own test binary: it stops the shared Tryton.)

use std::time::Duration;

use serde_json::Value;
use switchyard_e2e::{Stack, erp, order, setting, tryton, unique, wait_until};

/// Restarts Tryton even when an assertion fails half way.
struct RestartOnDrop(bool);
impl Drop for RestartOnDrop {
    fn drop(&mut self) {
        if self.0 {
            erp("start");
        }
    }
}

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

fn dlq_name() -> String {
    setting("SWITCHYARD_ORDERS_DLQ_URL")
        .rsplit('/')
        .next()
        .unwrap()
        .to_string()
}

#[tokio::test]
async fn orders_dead_lettered_by_an_erp_outage_are_redriven_once_each_with_an_audit_record() {
    let stack = Stack::from_env();
    erp("stop");
    let mut guard = RestartOnDrop(true);
    let mut ids = Vec::new();
    for _ in 0..3 {
        let answer = stack
            .submit(
                &stack.demo_key,
                &unique("key"),
                &order(&unique("DLQ"), &[("WIDGET-S", 1, "9.25")]),
            )
            .await;
        assert_eq!(answer.status, 202, "{}", answer.text);
        ids.push(answer.body["id"].as_str().unwrap().to_string());
    }

    let queue = dlq_name();
    let ids_ref = &ids;
    let shown = wait_until(
        Duration::from_secs(120),
        "the three orders in the orders DLQ",
        || {
            let queue = queue.clone();
            async move {
                let (code, shown) = cli(&["dlq", "show", &queue, "--limit", "100"]);
                let ours: Vec<Value> = shown["messages"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter(|m| {
                        m["key"]["subject"]
                            .as_str()
                            .is_some_and(|s| ids_ref.iter().any(|id| id == s))
                    })
                    .cloned()
                    .collect();
                if code == 0 && ours.len() == 3 && ours.iter().all(|m| !m["failure"].is_null()) {
                    Ok(ours)
                } else {
                    Err(format!("exit {code}: {shown}"))
                }
            }
        },
    )
    .await;
    for message in &shown {
        let failure = &message["failure"];
        assert_eq!(failure["class"], "transient", "{failure}");
        assert!(failure["dead_lettered_at"].is_string(), "{failure}");
        assert!(
            failure["error"].as_str().unwrap().contains("connect"),
            "{failure}"
        );
        assert!(failure["resolution"].is_null());
    }

    // A dry run changes nothing.
    let (_, dry) = cli(&["dlq", "redrive", &queue, "--filter", "class=transient"]);
    assert_eq!(dry["executed"], false);
    let (_, again) = cli(&["dlq", "show", &queue, "--limit", "100"]);
    let still = again["messages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| {
            m["key"]["subject"]
                .as_str()
                .is_some_and(|s| ids.iter().any(|id| id == s))
        })
        .count();
    assert_eq!(still, 3, "the dry run left every message where it was");

    erp("start");
    guard.0 = false;
    let (code, redriven) = cli(&[
        "dlq",
        "redrive",
        &queue,
        "--filter",
        "class=transient",
        "--execute",
        "--yes",
    ]);
    assert_eq!(code, 0, "{redriven}");
    assert!(redriven["done"].as_u64().unwrap() >= 3, "{redriven}");
    let audit_id = redriven["audit_id"].as_str().expect("audited").to_string();

    for id in &ids {
        let view = stack.wait_final(id, Duration::from_secs(90)).await;
        assert_eq!(view["status"], "ACCEPTED", "{view}");
        let reference = format!("demo-shop:{}", view["external_id"].as_str().unwrap());
        assert_eq!(
            tryton()
                .sales_with_reference(&reference)
                .await
                .unwrap()
                .len(),
            1
        );
    }
    let (_, failures) = cli(&["failures", "list", "--resolved", "--flow", "orders"]);
    for id in &ids {
        let record = failures["failures"]
            .as_array()
            .or_else(|| failures.as_array())
            .into_iter()
            .flatten()
            .find(|f| f["key"]["subject"] == id.as_str())
            .unwrap_or_else(|| panic!("no resolved record for {id}: {failures}"));
        assert!(
            record["resolution"]["how"]
                .as_str()
                .unwrap()
                .contains("Accepted"),
            "{record}"
        );
    }
    let (_, audit) = cli(&["audit", "list", "--limit", "20"]);
    let entry = audit["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["id"] == audit_id.as_str())
        .unwrap_or_else(|| panic!("the redrive is in the audit trail: {audit}"))
        .clone();
    assert_eq!(entry["action"], "dlq.redrive");
    assert!(entry["count"].as_u64().unwrap() >= 3);
    assert!(entry["actor"].as_str().is_some_and(|a| !a.is_empty()));
}
