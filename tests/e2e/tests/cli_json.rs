//! Every operator command of the `switchyard` CLI, run as an operator would against the local
//! stack: with `--json` its output parses, and its exit code is the documented one (0 done,
//! 1 failed, 2 usage, 3 nothing matched or interrupted, 4 refused by the target's state).

use serde_json::Value;
use switchyard_e2e::dead_letters::{orders_dlq, switchyard};
use switchyard_e2e::unique;

/// Runs `switchyard ARGS --json`: (exit code, stdout parsed when not empty, stderr).
fn run(args: &[&str]) -> (i32, Option<Value>, String) {
    let output = switchyard()
        .args(args)
        .arg("--json")
        .output()
        .expect("run switchyard");
    let stdout = String::from_utf8_lossy(&output.stdout).to_string();
    let stderr = String::from_utf8_lossy(&output.stderr).to_string();
    let parsed = (!stdout.trim().is_empty()).then(|| {
        serde_json::from_str(&stdout).unwrap_or_else(|e| {
            panic!("switchyard {args:?} --json printed no JSON ({e}): {stdout}")
        })
    });
    (output.status.code().unwrap_or(-1), parsed, stderr)
}

#[test]
fn every_operator_command_prints_json_and_exits_as_documented() {
    let dlq = orders_dlq();
    let nobody = format!("channel={}", unique("nobody").to_lowercase());
    // (command, the exit codes it may give, whether it must print JSON). A listing is 0 with
    // rows and 3 when nothing matched (what other tests left decides which); both print JSON.
    const LISTED: &[i32] = &[0, 3];
    let cases: Vec<(Vec<&str>, &[i32], bool)> = vec![
        (vec!["dlq", "list"], &[0], true),
        (vec!["dlq", "show", &dlq, "--limit", "5"], LISTED, true),
        // A dry run and a purge that match nothing: nothing moved, said with code 3.
        (
            vec!["dlq", "redrive", &dlq, "--filter", &nobody],
            &[3],
            true,
        ),
        (
            vec![
                "dlq",
                "purge",
                &dlq,
                "--filter",
                &nobody,
                "--execute",
                "--yes",
            ],
            &[3],
            true,
        ),
        (vec!["failures", "list"], LISTED, true),
        (vec!["failures", "list", "--open"], LISTED, true),
        (
            vec!["failures", "list", "--resolved", "--since", "1h"],
            LISTED,
            true,
        ),
        (vec!["audit", "list"], LISTED, true),
        (vec!["quarantine", "list"], LISTED, true),
        (vec!["replay", "--from", "10m"], &[0], true),
        (
            vec!["orders", "get", "01JAAAAAAAAAAAAAAAAAAAAAAA"],
            &[3],
            false,
        ),
        (
            vec![
                "orders",
                "find",
                "--channel",
                "demo-shop",
                "--external-id",
                "NO-SUCH-PO",
            ],
            &[3],
            false,
        ),
    ];
    for (args, allowed, prints_json) in &cases {
        let (code, parsed, stderr) = run(args);
        assert!(
            allowed.contains(&code),
            "switchyard {args:?}: exit {code}, {parsed:?} {stderr}"
        );
        if *prints_json {
            assert!(
                parsed.is_some(),
                "switchyard {args:?} --json printed nothing: {stderr}"
            );
        }
    }
    // Usage errors are 2, whatever the command.
    for args in [
        vec!["dlq", "show", dlq.as_str(), "--filter", "colour=blue"],
        vec!["dlq", "redrive", dlq.as_str(), "--rate", "fast"],
        vec!["failures", "list", "--since", "yesterday-ish"],
        vec!["dlq", "show", "no-such-queue-dlq"],
    ] {
        let (code, _, stderr) = run(&args);
        assert_eq!(code, 2, "switchyard {args:?}: {stderr}");
    }
}
