//! The operator CLI's library half: what `switchyard dlq …` does, callable from tests.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod dlq;
