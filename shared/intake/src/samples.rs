//! The sample events in `events/<function>/`, for the functions' tests: each must parse, and
//! survive a serialise → reparse round trip unchanged.

use std::path::{Path, PathBuf};

use serde::Serialize;
use serde::de::DeserializeOwned;

/// Every `*.json` event in `dir`, parsed as `T` and checked to round-trip; panics naming the file
/// that does not.
pub fn sample_events<T>(dir: impl AsRef<Path>) -> Vec<(PathBuf, T)>
where
    T: DeserializeOwned + Serialize + PartialEq + std::fmt::Debug,
{
    let mut events = Vec::new();
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir.as_ref())
        .unwrap_or_else(|e| panic!("{}: {e}", dir.as_ref().display()))
        .map(|entry| entry.expect("readable directory").path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    paths.sort();
    for path in paths {
        let text = std::fs::read_to_string(&path).expect("readable sample");
        let event: T =
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let again: T = serde_json::from_str(&serde_json::to_string(&event).expect("serialises"))
            .unwrap_or_else(|e| panic!("{} after a round trip: {e}", path.display()));
        assert_eq!(again, event, "{} changes in a round trip", path.display());
        events.push((path, event));
    }
    events
}
