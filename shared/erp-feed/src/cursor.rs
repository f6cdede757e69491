//! Where the feed is: kept in the projection store, so advancing it is one conditional write.
//!
//! The cursor is stored with a revision as its version; advancing writes revision + 1, so of two
//! runs that read the same revision only one advances it (the other finds its write stale and
//! stops: what it published is repeated by the winner or harmless).

use serde::{Deserialize, Serialize};
use switchyard_erp::ChangeCursor;
use switchyard_platform::ServiceError;
use switchyard_projections::{Applied, Key, ProjectionStore, Version};

/// A feed's cursor and the revision it was stored at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredCursor {
    /// Where the feed continues from.
    pub cursor: ChangeCursor,
    /// How many times it was advanced.
    pub revision: i64,
}

#[derive(Serialize, Deserialize)]
struct CursorDoc {
    cursor: ChangeCursor,
    advanced_at: chrono::DateTime<chrono::Utc>,
}

/// Cursors of named feeds (`tryton`) in a projection store.
#[derive(Clone)]
pub struct CursorStore {
    store: std::sync::Arc<dyn ProjectionStore>,
}

fn cursor_key(feed: &str) -> Key {
    Key::new(format!("feed#{feed}"), "cursor")
}

impl CursorStore {
    /// Cursors kept in `store`.
    pub fn new(store: std::sync::Arc<dyn ProjectionStore>) -> Self {
        Self { store }
    }

    /// The feed's cursor; `None` before its first advance.
    pub async fn load(&self, feed: &str) -> Result<Option<StoredCursor>, ServiceError> {
        let stored = self.store.get_many(&[cursor_key(feed)]).await?;
        stored
            .into_iter()
            .next()
            .flatten()
            .map(|s| {
                let doc: CursorDoc = serde_json::from_value(s.doc).map_err(|e| {
                    ServiceError::new(
                        "projections",
                        format!("the {feed} cursor is unreadable: {e}"),
                    )
                })?;
                Ok(StoredCursor {
                    cursor: doc.cursor,
                    revision: s.version.value,
                })
            })
            .transpose()
    }

    /// Moves the feed from `from` (the revision read, `None` for a first advance) to `to`.
    /// `Ok(false)` when another run advanced it first.
    pub async fn advance(
        &self,
        feed: &str,
        from: Option<i64>,
        to: &ChangeCursor,
    ) -> Result<bool, ServiceError> {
        let doc = serde_json::to_value(CursorDoc {
            cursor: to.clone(),
            advanced_at: chrono::Utc::now(),
        })
        .expect("cursors serialise");
        let revision = from.unwrap_or(0) + 1;
        Ok(self
            .store
            .put_if_newer(&cursor_key(feed), Version::new(revision), &doc)
            .await?
            == Applied::Written)
    }
}
