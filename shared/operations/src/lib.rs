//! What operators do, as a library. The `switchyard` CLI, the ops API and the `dlq-redrive`
//! Lambda call these functions, so a redrive from a laptop and one inside AWS behave alike;
//! [`health`] holds the reads the ops API and page show.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod dlq;
pub mod edit;
pub mod health;
pub mod orders;
mod peek;
pub mod quarantine;
pub mod remote;
pub mod replay;
