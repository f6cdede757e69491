//! Tryton stops while orders flow, then comes back: every order ends ACCEPTED exactly once.
//! (Its own test binary: stopping the shared Tryton must not overlap other tests.)

use std::time::Duration;

use switchyard_e2e::{Stack, erp, order, tryton, unique};

/// Restarts Tryton even when an assertion fails half way.
struct RestartOnDrop(bool);
impl Drop for RestartOnDrop {
    fn drop(&mut self) {
        if self.0 {
            erp("start");
        }
    }
}

#[tokio::test]
async fn orders_survive_an_erp_outage_and_post_exactly_once() {
    let stack = Stack::from_env();
    erp("stop");
    let mut guard = RestartOnDrop(true);

    let mut submitted = Vec::new();
    for _ in 0..3 {
        let external_id = unique("OUTAGE");
        let answer = stack
            .submit(
                &stack.demo_key,
                &unique("key"),
                &order(&external_id, &[("WIDGET-M", 1, "14.50")]),
            )
            .await;
        assert_eq!(
            answer.status, 202,
            "capture does not need the ERP: {}",
            answer.body
        );
        submitted.push((external_id, answer.body["id"].as_str().unwrap().to_string()));
    }
    tokio::time::sleep(Duration::from_secs(4)).await;
    for (_, id) in &submitted {
        let view = stack.order(&stack.demo_key, id).await;
        assert_eq!(
            view.body["status"], "RECEIVED",
            "nothing can be accepted while the ERP is down"
        );
    }

    erp("start");
    guard.0 = false;
    let erp = tryton();
    for (external_id, id) in &submitted {
        let view = stack.wait_final(id, Duration::from_secs(90)).await;
        assert_eq!(view["status"], "ACCEPTED", "{view}");
        let sales = erp
            .sales_with_reference(&format!("demo-shop:{external_id}"))
            .await
            .unwrap();
        assert_eq!(sales.len(), 1, "exactly one sale for {external_id}");
    }
}
