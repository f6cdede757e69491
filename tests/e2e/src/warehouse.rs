//! The stack's warehouse and accounting, done the way a clerk would: `local/tryton/warehouse.py`
//! against the stack's Tryton, and waits on what Switchyard makes of it.

use std::time::Duration;

use serde_json::Value;

use crate::{Stack, wait_until};

/// Runs `local/tryton/warehouse.py ARGS` against the stack's Tryton; its printed output.
pub fn warehouse(args: &[&str]) -> String {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");
    let output = std::process::Command::new(format!("{root}/.switchyard/venv/bin/python"))
        .arg(format!("{root}/local/tryton/warehouse.py"))
        .arg("--from-environment")
        .args(args)
        .output()
        .expect("run local/tryton/warehouse.py");
    assert!(
        output.status.success(),
        "warehouse.py {args:?} failed: {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).trim().to_string()
}

impl Stack {
    /// Polls the order (as the channel owning `api_key`) until `holds` says yes.
    pub async fn wait_order(
        &self,
        api_key: &str,
        id: &str,
        within: Duration,
        what: &str,
        holds: impl Fn(&Value) -> bool,
    ) -> Value {
        let holds = &holds;
        wait_until(within, what, || async move {
            let answer = self.order(api_key, id).await;
            if answer.status == 200 && holds(&answer.body) {
                Ok(answer.body)
            } else {
                Err(answer.text)
            }
        })
        .await
    }

    /// Polls the order until its status is `status`.
    pub async fn wait_status(
        &self,
        api_key: &str,
        id: &str,
        status: &str,
        within: Duration,
    ) -> Value {
        self.wait_order(
            api_key,
            id,
            within,
            &format!("order {id} to be {status}"),
            |o| o["status"] == status,
        )
        .await
    }
}
