//! A short in-process cache of channel records, for the functions on the request path.
//!
//! A channel record changes rarely (an operator edits a rate limit or a secret reference) and is
//! read on every request, so a warm function keeps what it read for a few seconds. API keys are
//! never cached: a revoked key is refused by the very next request (decision 0021); only the
//! channel a valid key names is. The delay a channel change can take to reach every warm instance
//! is the cache's time to live ([`ChannelCache::DEFAULT_TTL`]; decision 0026).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use switchyard_model::ChannelName;

use crate::Channel;

/// Channel records (and their absence) read in the last `ttl`, by name.
#[derive(Debug)]
pub struct ChannelCache {
    ttl: Duration,
    entries: Mutex<HashMap<ChannelName, (Instant, Option<Channel>)>>,
}

/// At most this many names are remembered; an unknown-channel flood cannot grow the map past it.
const CAPACITY: usize = 1024;

impl ChannelCache {
    /// How long a channel record is reused when the function is not told otherwise.
    pub const DEFAULT_TTL: Duration = Duration::from_secs(30);

    /// A cache keeping each record for `ttl`.
    pub fn new(ttl: Duration) -> Self {
        ChannelCache {
            ttl,
            entries: Mutex::new(HashMap::new()),
        }
    }

    /// The record read for `name` less than `ttl` ago: `Some(None)` when the channel was absent.
    pub fn get(&self, name: &ChannelName) -> Option<Option<Channel>> {
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries
            .get(name)
            .filter(|(at, _)| at.elapsed() < self.ttl)
            .map(|(_, channel)| channel.clone())
    }

    /// Remembers what was read for `name`.
    pub fn put(&self, name: &ChannelName, channel: Option<Channel>) {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if entries.len() >= CAPACITY && !entries.contains_key(name) {
            let ttl = self.ttl;
            entries.retain(|_, (at, _)| at.elapsed() < ttl);
            if entries.len() >= CAPACITY {
                entries.clear();
            }
        }
        entries.insert(name.clone(), (Instant::now(), channel));
    }

    /// Forgets `name`, after this process changed it.
    pub fn forget(&self, name: &ChannelName) {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries.remove(name);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ChannelKind;
    use chrono::Utc;

    fn shop(name: &str) -> (ChannelName, Channel) {
        let name = ChannelName::try_from(name).unwrap();
        let channel = Channel::new(name.clone(), ChannelKind::Api, Utc::now());
        (name, channel)
    }

    #[test]
    fn a_record_is_reused_within_its_time_to_live_and_not_after() {
        let (name, channel) = shop("cached-shop");
        let cache = ChannelCache::new(Duration::from_secs(3600));
        assert_eq!(cache.get(&name), None, "nothing read yet");
        cache.put(&name, Some(channel.clone()));
        assert_eq!(cache.get(&name), Some(Some(channel.clone())));
        cache.forget(&name);
        assert_eq!(cache.get(&name), None, "forgotten after a local change");

        let expired = ChannelCache::new(Duration::ZERO);
        expired.put(&name, Some(channel));
        assert_eq!(
            expired.get(&name),
            None,
            "a zero time to live caches nothing"
        );
    }

    #[test]
    fn an_absent_channel_is_remembered_too_and_a_flood_of_names_stays_bounded() {
        let cache = ChannelCache::new(Duration::from_secs(3600));
        let (name, _) = shop("no-such-shop");
        cache.put(&name, None);
        assert_eq!(cache.get(&name), Some(None));
        for i in 0..(CAPACITY * 3) {
            let (n, _) = shop(&format!("flood-{i}"));
            cache.put(&n, None);
        }
        let size = cache.entries.lock().unwrap().len();
        assert!(size <= CAPACITY, "{size} entries");
    }
}
