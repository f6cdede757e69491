//! [`InMemoryChannelStock`]: a channel's listings in memory, the twin of every pusher adapter.

use std::collections::BTreeMap;
use std::sync::Mutex;

use crate::push::{ChannelLevel, ChannelStock, LevelOutcome, PushError};

/// A channel that lists some SKUs, each with a sellable quantity.
#[derive(Debug, Default)]
pub struct InMemoryChannelStock {
    listings: Mutex<BTreeMap<String, i64>>,
    fail_next: Mutex<Vec<PushError>>,
    calls: Mutex<usize>,
}

impl InMemoryChannelStock {
    /// A channel with no listings.
    pub fn new() -> Self {
        Self::default()
    }

    /// Lists `sku` with `quantity` on the channel.
    pub fn list(&self, sku: &str, quantity: i64) {
        self.listings
            .lock()
            .unwrap()
            .insert(sku.to_string(), quantity);
    }

    /// What the channel shows for `sku`; `None` when it is not listed.
    pub fn quantity(&self, sku: &str) -> Option<i64> {
        self.listings.lock().unwrap().get(sku).copied()
    }

    /// The next calls fail with these errors, in order, before touching anything.
    pub fn fail_next(&self, errors: impl IntoIterator<Item = PushError>) {
        self.fail_next.lock().unwrap().extend(errors);
    }

    /// How many times [`ChannelStock::set_levels`] was called.
    pub fn calls(&self) -> usize {
        *self.calls.lock().unwrap()
    }
}

#[async_trait::async_trait]
impl ChannelStock for InMemoryChannelStock {
    async fn set_levels(&self, levels: &[ChannelLevel]) -> Result<Vec<LevelOutcome>, PushError> {
        *self.calls.lock().unwrap() += 1;
        {
            let mut failures = self.fail_next.lock().unwrap();
            if !failures.is_empty() {
                return Err(failures.remove(0));
            }
        }
        let mut listings = self.listings.lock().unwrap();
        Ok(levels
            .iter()
            .map(|level| match listings.get_mut(&level.sku) {
                None => LevelOutcome::NotListed {
                    sku: level.sku.clone(),
                },
                Some(shown) if *shown == level.quantity => LevelOutcome::Unchanged {
                    sku: level.sku.clone(),
                },
                Some(shown) => {
                    let previous = std::mem::replace(shown, level.quantity);
                    LevelOutcome::Set {
                        sku: level.sku.clone(),
                        previous: Some(previous),
                    }
                }
            })
            .collect())
    }
}
