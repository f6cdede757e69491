//! The contract every [`ChannelStock`] adapter passes: [`InMemoryChannelStock`] in this crate's
//! tests, each storefront client against its sandbox (Shopify GraphQL, WooCommerce REST, SP-API
//! Listings). Instantiate every case with
//! [`channel_stock_contract_tests!`](crate::channel_stock_contract_tests).
#![allow(clippy::missing_panics_doc)]

use crate::InMemoryChannelStock;
use crate::push::{ChannelLevel, ChannelStock, LevelOutcome};

/// A channel under contract: the port, plus what the cases need to arrange and observe the
/// channel's side (for a sandbox: its `/_sandbox` admin routes).
#[async_trait::async_trait]
pub trait ChannelUnderTest: ChannelStock {
    /// Lists `sku` on the channel with `quantity` (creates the product/variant/listing).
    async fn list(&self, sku: &str, quantity: i64);
    /// What the channel shows for `sku`, read from the channel's side; `None` if not listed.
    async fn shown(&self, sku: &str) -> Option<i64>;
    /// Changes what the channel shows for `sku` behind the adapter's back (a person editing the
    /// stock in the storefront's admin), so cached state in the adapter goes stale.
    async fn change_behind_our_back(&self, sku: &str, quantity: i64);
}

#[async_trait::async_trait]
impl ChannelUnderTest for InMemoryChannelStock {
    async fn list(&self, sku: &str, quantity: i64) {
        InMemoryChannelStock::list(self, sku, quantity);
    }
    async fn shown(&self, sku: &str) -> Option<i64> {
        self.quantity(sku)
    }
    async fn change_behind_our_back(&self, sku: &str, quantity: i64) {
        InMemoryChannelStock::list(self, sku, quantity);
    }
}

fn level(sku: &str, quantity: i64) -> ChannelLevel {
    ChannelLevel {
        sku: sku.to_string(),
        quantity,
        idempotency_key: format!("{sku}:{quantity}:{}", ulid::Ulid::new()),
    }
}

fn sku(run: &str, tag: &str) -> String {
    format!("{run}-{tag}")
}

/// A listed SKU shows the pushed quantity afterwards, and the outcome says it was set.
pub async fn a_pushed_level_is_shown(channel: &dyn ChannelUnderTest, run: &str) {
    let a = sku(run, "A");
    channel.list(&a, 5).await;
    let outcomes = channel.set_levels(&[level(&a, 42)]).await.unwrap();
    assert!(
        matches!(&outcomes[..], [LevelOutcome::Set { sku, .. }] if *sku == a),
        "{outcomes:?}"
    );
    assert_eq!(channel.shown(&a).await, Some(42));
}

/// Pushing the quantity the channel already shows writes nothing and says so.
pub async fn an_unchanged_level_is_not_rewritten(channel: &dyn ChannelUnderTest, run: &str) {
    let a = sku(run, "A");
    channel.list(&a, 7).await;
    let outcomes = channel.set_levels(&[level(&a, 7)]).await.unwrap();
    assert_eq!(outcomes, vec![LevelOutcome::Unchanged { sku: a.clone() }]);
    assert_eq!(channel.shown(&a).await, Some(7));
}

/// A SKU the channel does not list is reported as such, and does not stop the others.
pub async fn an_unlisted_sku_does_not_stop_the_others(channel: &dyn ChannelUnderTest, run: &str) {
    let listed = sku(run, "LISTED");
    let unlisted = sku(run, "UNLISTED");
    channel.list(&listed, 1).await;
    let outcomes = channel
        .set_levels(&[level(&unlisted, 3), level(&listed, 9)])
        .await
        .unwrap();
    assert_eq!(outcomes.len(), 2, "{outcomes:?}");
    assert_eq!(
        outcomes[0],
        LevelOutcome::NotListed {
            sku: unlisted.clone()
        }
    );
    assert!(
        matches!(&outcomes[1], LevelOutcome::Set { .. }),
        "{outcomes:?}"
    );
    assert_eq!(channel.shown(&listed).await, Some(9));
    assert_eq!(channel.shown(&unlisted).await, None);
}

/// More levels than the channel takes in one request (Shopify 250 quantities, WooCommerce 100
/// batch items) are all set: the adapter splits them.
pub async fn a_large_push_is_split_and_complete(channel: &dyn ChannelUnderTest, run: &str) {
    let skus: Vec<String> = (0..260).map(|n| sku(run, &format!("BULK{n:03}"))).collect();
    for s in &skus {
        channel.list(s, 0).await;
    }
    let levels: Vec<ChannelLevel> = skus
        .iter()
        .enumerate()
        .map(|(n, s)| level(s, n as i64 + 1))
        .collect();
    let outcomes = channel.set_levels(&levels).await.unwrap();
    assert_eq!(outcomes.len(), skus.len());
    for (n, s) in skus.iter().enumerate() {
        assert_eq!(channel.shown(s).await, Some(n as i64 + 1), "{s}");
    }
}

/// Someone changed the level on the channel since the adapter last looked: the push still ends
/// with the pushed quantity (a compare-and-set adapter re-reads and retries), exactly once.
pub async fn a_level_changed_behind_our_back_ends_as_pushed(
    channel: &dyn ChannelUnderTest,
    run: &str,
) {
    let a = sku(run, "A");
    channel.list(&a, 10).await;
    channel.set_levels(&[level(&a, 11)]).await.unwrap();
    channel.change_behind_our_back(&a, 3).await;
    let outcomes = channel.set_levels(&[level(&a, 12)]).await.unwrap();
    assert!(
        matches!(&outcomes[..], [LevelOutcome::Set { .. }]),
        "{outcomes:?}"
    );
    assert_eq!(channel.shown(&a).await, Some(12));
}

/// The same push sent twice (a redelivered message) leaves the channel as one push would.
pub async fn a_repeated_push_is_harmless(channel: &dyn ChannelUnderTest, run: &str) {
    let a = sku(run, "A");
    channel.list(&a, 1).await;
    let push = [level(&a, 20)];
    channel.set_levels(&push).await.unwrap();
    channel.set_levels(&push).await.unwrap();
    assert_eq!(channel.shown(&a).await, Some(20));
}

/// Instantiates every case of the contract as a `#[tokio::test]`; `$channel` builds a fresh
/// adapter, `$run` a unique prefix for the SKUs of one case.
#[macro_export]
macro_rules! channel_stock_contract_tests {
    (channel: $channel:expr, run: $run:expr $(,)?) => {
        $crate::channel_stock_contract_tests!(@cases $channel, $run;
            a_pushed_level_is_shown,
            an_unchanged_level_is_not_rewritten,
            an_unlisted_sku_does_not_stop_the_others,
            a_large_push_is_split_and_complete,
            a_level_changed_behind_our_back_ends_as_pushed,
            a_repeated_push_is_harmless);
    };
    (@cases $channel:expr, $run:expr; $($case:ident),*) => {
        $(
            #[tokio::test]
            async fn $case() {
                let channel = $channel;
                let run: String = $run;
                $crate::contract::$case(&channel, &run).await;
            }
        )*
    };
}
