//! The fulfilment contract on the in-memory twin.

use std::sync::atomic::{AtomicU32, Ordering};

use switchyard_fulfilment::contract::{FulfilmentUnderTest, SeenFulfilment};
use switchyard_fulfilment::{ChannelFulfilment, InMemoryChannelFulfilment};

#[derive(Default)]
struct Twin {
    channel: InMemoryChannelFulfilment,
    orders: AtomicU32,
}

#[async_trait::async_trait]
impl FulfilmentUnderTest for Twin {
    fn channel(&self) -> &dyn ChannelFulfilment {
        &self.channel
    }
    async fn place_order(&self, lines: &[(&str, i64)]) -> String {
        let id = format!("O{}", self.orders.fetch_add(1, Ordering::SeqCst));
        self.channel.place_order(&id, lines);
        id
    }
    async fn fulfilments(&self, order: &str) -> Vec<SeenFulfilment> {
        self.channel
            .order(order)
            .map(|o| {
                o.fulfilments
                    .into_iter()
                    .map(|(_, s)| SeenFulfilment {
                        tracking_numbers: s.tracking_numbers,
                        lines: s.lines,
                    })
                    .collect()
            })
            .unwrap_or_default()
    }
    async fn completed(&self, order: &str) -> bool {
        self.channel.order(order).is_some_and(|o| o.completed)
    }
}

switchyard_fulfilment::channel_fulfilment_contract_tests!(Twin::default());
