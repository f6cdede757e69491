//! A redrive of 100 dead-lettered orders, killed part way and run again: every order is posted
//! exactly once, none is lost. (The redrive sends each message before deleting it, so the kill
//! can at worst leave one sent twice; the processor posts an order once.)

use std::sync::Arc;
use std::time::Duration;

use switchyard_e2e::dead_letters::{OpsStores, orders_dlq, switchyard};
use switchyard_e2e::{tryton, unique, wait_until};
use switchyard_failures::{FailureKey, FailureStore};
use switchyard_model::OrderStatus;
use switchyard_orders::OrderStore;

const ORDERS: usize = 100;
const POSTED_WITHIN: Duration = Duration::from_secs(240);

#[tokio::test]
async fn a_redrive_of_100_orders_killed_half_way_and_run_again_posts_each_once() {
    let stores = Arc::new(OpsStores::from_env().await);
    let dlq = orders_dlq();
    // A channel of this test's own, so the redrive's filter leaves other tests' dead letters.
    let channel = unique("rd").to_lowercase();
    let mut placed = vec![];
    for n in 0..ORDERS {
        placed.push(
            stores
                .dead_lettered_order(&channel, &format!("PO-{n}"))
                .await,
        );
    }
    let filter = format!("channel={channel}");

    // Slowly (slower than the processor posts), so it is killed early: once a tenth are posted.
    let mut first = switchyard()
        .args([
            "dlq",
            "redrive",
            &dlq,
            "--filter",
            &filter,
            "--rate",
            "1/s",
            "--execute",
            "--yes",
            "--json",
        ])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start the redrive");
    let accepted = |stores: Arc<OpsStores>, ids: Vec<switchyard_model::OrderId>| async move {
        let mut n = 0;
        for id in ids {
            if let Some(r) = stores.orders.get(id).await.unwrap()
                && r.value.status == OrderStatus::Accepted
            {
                n += 1;
            }
        }
        n
    };
    let ids: Vec<_> = placed.iter().map(|o| o.id).collect();
    wait_until(POSTED_WITHIN, "a tenth of the orders posted", || {
        let (stores, ids) = (stores.clone(), ids.clone());
        async move { (accepted(stores, ids).await >= ORDERS / 10).then_some(()) }
    })
    .await;
    first.kill().expect("kill the redrive");
    let _ = first.wait();
    let half_way = accepted(stores.clone(), ids.clone()).await;
    assert!(
        half_way < ORDERS,
        "killed before the end ({half_way} posted)"
    );

    // Run again until every order is posted. The killed run had hidden the batch it was working
    // on for its hold (about 30 s): until that lapses a run finds nothing (exit 3), then it
    // moves the rest (exit 0). Nothing may fail outright.
    let moved = std::sync::atomic::AtomicUsize::new(0);
    let (moved, filter, dlq) = (&moved, &filter, &dlq);
    wait_until(
        POSTED_WITHIN,
        "every order posted after running the redrive again",
        || {
            let (stores, ids) = (stores.clone(), ids.clone());
            async move {
                let again = switchyard()
                    .args([
                        "dlq",
                        "redrive",
                        dlq,
                        "--filter",
                        filter,
                        "--execute",
                        "--yes",
                        "--json",
                    ])
                    .output()
                    .expect("run the redrive again");
                let code = again.status.code();
                assert!(
                    matches!(code, Some(0 | 3)),
                    "exit {code:?}: {}{}",
                    String::from_utf8_lossy(&again.stdout),
                    String::from_utf8_lossy(&again.stderr)
                );
                if let Ok(outcome) = serde_json::from_slice::<serde_json::Value>(&again.stdout) {
                    let done = outcome["done"].as_u64().unwrap_or(0) as usize;
                    moved.fetch_add(done, std::sync::atomic::Ordering::SeqCst);
                }
                let n = accepted(stores, ids).await;
                if n == ORDERS {
                    Ok(())
                } else {
                    Err(format!("{n} of {ORDERS} posted"))
                }
            }
        },
    )
    .await;
    assert!(
        moved.load(std::sync::atomic::Ordering::SeqCst) > 0,
        "the runs after the kill moved what the killed one had not"
    );
    let erp = tryton();
    for order in &placed {
        let sales = erp
            .sales_with_reference(&order.erp_reference())
            .await
            .unwrap();
        assert_eq!(sales.len(), 1, "{}: exactly one sale", order.external_id);
        let record = stores
            .failures
            .get(&FailureKey::new("orders", order.id.to_string()))
            .await
            .unwrap()
            .unwrap();
        assert!(
            !record.is_open(),
            "{}: its failure record resolved",
            order.id
        );
    }
}
