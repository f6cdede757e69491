//! An API key's life through the whole stack: issued with an expiry by `switchyard channels
//! add`, it works and its use shows in `channels show`; `channels revoke-key` revokes it (with an
//! audit entry) and the next request gets a 401 problem saying so within the documented delay
//! (`REVOCATION_DELAY`), while the channel's other key keeps working until it is revoked too.

use serde_json::Value;
use switchyard_channels::REVOCATION_DELAY;
use switchyard_e2e::dead_letters::switchyard;
use switchyard_e2e::{Answer, Stack, unique, wait_until};

/// Runs `switchyard ARGS --json`: (exit code, parsed stdout or Null, stderr).
fn cli(args: &[&str]) -> (i32, Value, String) {
    let output = switchyard()
        .args(args)
        .arg("--json")
        .output()
        .expect("run switchyard");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let parsed = if stdout.trim().is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&stdout).unwrap_or_else(|e| {
            panic!("switchyard {args:?} --json printed no JSON ({e}): {stdout}")
        })
    };
    (
        output.status.code().unwrap_or(-1),
        parsed,
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// An authenticated read: an order id nobody has, so 404 when the key is accepted.
async fn read(stack: &Stack, key: &str) -> Answer {
    stack
        .get_as(key, "/v1/orders/01JZZZZZZZZZZZZZZZZZZZZZZZ")
        .await
}

/// Waits, at most `REVOCATION_DELAY` (checking at least once), for the key to be refused with
/// a 401 problem whose detail says `word`; returns it.
async fn refused_within_the_delay(stack: &Stack, key: &str, word: &str) -> Answer {
    let answer: Answer = wait_until(REVOCATION_DELAY, "the revoked key to get a 401", || async {
        let answer = read(stack, key).await;
        if answer.status == 401 {
            Ok(answer)
        } else {
            Err(format!("{} {}", answer.status, answer.text))
        }
    })
    .await;
    assert_eq!(
        answer.header("content-type"),
        Some("application/problem+json")
    );
    let detail = answer.body["detail"].as_str().unwrap_or_default();
    assert!(detail.contains(word), "{detail}");
    assert!(
        !answer.text.contains(key),
        "the key is not echoed: {}",
        answer.text
    );
    answer
}

#[tokio::test]
async fn a_revoked_key_gets_401_from_the_next_request_and_the_other_key_keeps_working() {
    let stack = Stack::from_env();
    let name = unique("keyed").to_lowercase();

    let (code, added, stderr) = cli(&[
        "channels",
        "add",
        &name,
        "--kind",
        "api",
        "--key-expires-in",
        "90d",
    ]);
    assert_eq!(code, 0, "{stderr}");
    let first = added["api_key"].as_str().unwrap().to_string();
    let first_id = added["key_id"].as_str().unwrap().to_string();
    assert!(added["key_expires_at"].is_string(), "{added}");
    let (code, rotated, stderr) = cli(&[
        "channels",
        "rotate-key",
        &name,
        "--expires-at",
        "2099-01-01T00:00:00Z",
    ]);
    assert_eq!(code, 0, "{stderr}");
    let second = rotated["api_key"].as_str().unwrap().to_string();
    let second_id = rotated["key_id"].as_str().unwrap().to_string();

    assert_eq!(read(&stack, &first).await.status, 404, "the key works");
    let (code, shown, stderr) = cli(&["channels", "show", &name]);
    assert_eq!(code, 0, "{stderr}");
    let keys = shown["api_keys"].as_array().unwrap();
    let ids: Vec<&str> = keys.iter().map(|k| k["id"].as_str().unwrap()).collect();
    assert_eq!(ids, [first_id.as_str(), second_id.as_str()], "oldest first");
    assert_eq!(keys[0]["state"], "active");
    assert!(keys[0]["expires_at"].is_string());
    assert!(
        keys[0]["last_used_at"].is_string(),
        "its use was recorded: {shown}"
    );
    assert!(keys[1]["last_used_at"].is_null(), "not used yet: {shown}");
    assert_eq!(keys[1]["expires_at"], "2099-01-01T00:00:00Z");
    assert!(
        !shown.to_string().contains(&first) && !shown.to_string().contains(&second),
        "show never prints a key"
    );

    let (code, revoked, stderr) = cli(&["channels", "revoke-key", &name, &first_id, "--yes"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(revoked["revoked"], serde_json::json!([first_id]));
    let audit_id = revoked["audit_id"].as_str().unwrap().to_string();
    refused_within_the_delay(&stack, &first, "revoked").await;
    assert_eq!(
        read(&stack, &second).await.status,
        404,
        "the channel's other key is untouched"
    );

    // Again: nothing more to do, still 0; an id the channel does not have: 3.
    let (code, again, _) = cli(&["channels", "revoke-key", &name, &first_id, "--yes"]);
    assert_eq!(
        (code, &again["already_revoked"]),
        (0, &serde_json::json!([first_id]))
    );
    let (code, _, stderr) = cli(&["channels", "revoke-key", &name, "000000000000", "--yes"]);
    assert_eq!(code, 3, "{stderr}");
    let (code, _, stderr) = cli(&[
        "channels",
        "revoke-key",
        &unique("nobody").to_lowercase(),
        "--yes",
    ]);
    assert_eq!(code, 3, "{stderr}");

    // Every key of the channel.
    let (code, all, stderr) = cli(&["channels", "revoke-key", &name, "--yes"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(all["revoked"], serde_json::json!([second_id]));
    assert_eq!(all["already_revoked"], serde_json::json!([first_id]));
    refused_within_the_delay(&stack, &second, "revoked").await;

    let (_, shown, _) = cli(&["channels", "show", &name]);
    for key in shown["api_keys"].as_array().unwrap() {
        assert_eq!(key["state"], "revoked", "{shown}");
        assert!(key["revoked_at"].is_string());
    }
    let (code, audit, stderr) = cli(&["audit", "list", "--since", "1h", "--limit", "0"]);
    assert_eq!(code, 0, "{stderr}");
    let ours: Vec<&Value> = audit["entries"]
        .as_array()
        .unwrap_or_else(|| panic!("audit list: {audit}"))
        .iter()
        .filter(|e| e["action"] == "channels.revoke-key" && e["target"] == name.as_str())
        .collect();
    assert_eq!(
        ours.len(),
        3,
        "one entry per revoke-key that found the keys asked for: {ours:?}"
    );
    assert!(
        ours.iter()
            .any(|e| e["id"] == audit_id.as_str() && e["count"] == 1)
    );
}
