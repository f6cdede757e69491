//! An API key's record: what is known about a key besides its hash (decision 0021).
//!
//! A key is named by its id, the first [`KEY_ID_LEN`] hex digits of its SHA-256: derived, so
//! keys issued before ids existed have one too, and it reveals nothing of the key itself.

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use switchyard_model::ChannelName;

use crate::Channel;

/// How many hex digits of the hash name a key (48 bits: no two keys of a channel share one).
pub const KEY_ID_LEN: usize = 12;

/// How stale a key's last-used time may get: a use is written only when the stored time is
/// older than this, so a busy key costs one conditional write per interval, not one per request.
pub const LAST_USED_INTERVAL: Duration = Duration::from_secs(5 * 60);

/// How long after `switchyard channels revoke-key` returns a revoked key may still be accepted:
/// none. Nothing caches key lookups and the key's record is read consistently, so the first
/// request that starts after the revocation was written is refused.
pub const REVOCATION_DELAY: Duration = Duration::ZERO;

/// The stored record of one API key. Never holds the key itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiKey {
    /// The key's SHA-256, hex (see [`crate::hash_api_key`]).
    pub hash: String,
    /// The channel it authenticates as.
    pub channel: ChannelName,
    /// When it was issued.
    pub created_at: DateTime<Utc>,
    /// When it stops authenticating; `None`: never.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<DateTime<Utc>>,
    /// When it was revoked; a revoked key never authenticates again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revoked_at: Option<DateTime<Utc>>,
    /// When it last authenticated, to within [`LAST_USED_INTERVAL`]; `None`: not since it was
    /// issued (or since last-used times were recorded).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_used_at: Option<DateTime<Utc>>,
}

impl ApiKey {
    /// A key record for `hash`, issued at `now`.
    pub fn new(
        channel: ChannelName,
        hash: impl Into<String>,
        now: DateTime<Utc>,
        expires_at: Option<DateTime<Utc>>,
    ) -> Self {
        ApiKey {
            hash: hash.into(),
            channel,
            created_at: now,
            expires_at,
            revoked_at: None,
            last_used_at: None,
        }
    }

    /// The name operators use for the key (`channels show`, `channels revoke-key`).
    pub fn id(&self) -> &str {
        key_id(&self.hash)
    }

    /// Whether the key authenticates at `now`.
    pub fn state(&self, now: DateTime<Utc>) -> KeyState {
        if let Some(at) = self.revoked_at {
            return KeyState::Revoked(at);
        }
        match self.expires_at {
            Some(at) if at <= now => KeyState::Expired(at),
            _ => KeyState::Active,
        }
    }

    /// Whether a use at `now` is worth writing: none is stored, or the stored one is older
    /// than [`LAST_USED_INTERVAL`].
    pub fn use_is_due(&self, now: DateTime<Utc>) -> bool {
        self.last_used_at
            .is_none_or(|at| at < last_used_cutoff(now))
    }
}

/// The id of the key whose hash is `hash`.
pub fn key_id(hash: &str) -> &str {
    hash.get(..KEY_ID_LEN).unwrap_or(hash)
}

/// Stored last-used times older than this are rewritten by a use at `now`.
pub fn last_used_cutoff(now: DateTime<Utc>) -> DateTime<Utc> {
    now - chrono::Duration::from_std(LAST_USED_INTERVAL).expect("a few minutes fit")
}

/// Whether a key authenticates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyState {
    /// It does.
    Active,
    /// Revoked at this time.
    Revoked(DateTime<Utc>),
    /// Expired at this time.
    Expired(DateTime<Utc>),
}

/// What presenting a key finds.
#[derive(Debug, Clone, PartialEq)]
pub enum KeyCheck {
    /// A key in force: the channel it authenticates as.
    Valid(Box<Channel>),
    /// The channel's key, revoked.
    Revoked {
        /// The key's id.
        key_id: String,
        /// When it was revoked.
        at: DateTime<Utc>,
    },
    /// The channel's key, past its expiry.
    Expired {
        /// The key's id.
        key_id: String,
        /// When it expired.
        at: DateTime<Utc>,
    },
    /// No such key, or its channel no longer exists.
    Unknown,
}

impl KeyCheck {
    /// The channel, when the key is in force.
    pub fn channel(self) -> Option<Channel> {
        match self {
            KeyCheck::Valid(channel) => Some(*channel),
            _ => None,
        }
    }

    /// What a key record found with its channel record means at `now`.
    pub fn of(key: &ApiKey, channel: Option<Channel>, now: DateTime<Utc>) -> Self {
        let Some(channel) = channel else {
            return KeyCheck::Unknown;
        };
        match key.state(now) {
            KeyState::Active => KeyCheck::Valid(Box::new(channel)),
            KeyState::Revoked(at) => KeyCheck::Revoked {
                key_id: key.id().to_string(),
                at,
            },
            KeyState::Expired(at) => KeyCheck::Expired {
                key_id: key.id().to_string(),
                at,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(t: &str) -> DateTime<Utc> {
        t.parse().unwrap()
    }

    #[test]
    fn revocation_wins_over_expiry_and_expiry_is_inclusive() {
        let mut key = ApiKey::new(
            ChannelName::try_from("shop").unwrap(),
            "0123456789abcdef",
            at("2026-01-01T00:00:00Z"),
            Some(at("2026-02-01T00:00:00Z")),
        );
        assert_eq!(key.id(), "0123456789ab");
        assert_eq!(key.state(at("2026-01-31T23:59:59Z")), KeyState::Active);
        assert_eq!(
            key.state(at("2026-02-01T00:00:00Z")),
            KeyState::Expired(at("2026-02-01T00:00:00Z"))
        );
        key.revoked_at = Some(at("2026-01-15T00:00:00Z"));
        assert_eq!(
            key.state(at("2026-03-01T00:00:00Z")),
            KeyState::Revoked(at("2026-01-15T00:00:00Z"))
        );
    }

    #[test]
    fn a_use_is_due_only_once_the_stored_one_is_older_than_the_interval() {
        let mut key = ApiKey::new(
            ChannelName::try_from("shop").unwrap(),
            "ab",
            at("2026-01-01T00:00:00Z"),
            None,
        );
        assert!(key.use_is_due(at("2026-01-01T00:00:01Z")));
        key.last_used_at = Some(at("2026-01-01T00:00:01Z"));
        assert!(!key.use_is_due(at("2026-01-01T00:05:01Z")));
        assert!(key.use_is_due(at("2026-01-01T00:05:02Z")));
        // A record from before ids and last-used times existed reads with none of them.
        let old: ApiKey = serde_json::from_str(
            r#"{"hash":"ab","channel":"shop","created_at":"2026-01-01T00:00:00Z"}"#,
        )
        .unwrap();
        assert_eq!(old.state(Utc::now()), KeyState::Active);
    }
}
