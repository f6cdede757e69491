//! Support for the adapter tests: each port's contract suite (defined next to the port, behind
//! its crate's `contract` feature) run against the real backend the production adapter talks to.
//!
//! Targets that need a running service require the `live` feature (see `Cargo.toml`);
//! `make test` starts the services and enables it.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod moto;

pub use moto::unique_name;
