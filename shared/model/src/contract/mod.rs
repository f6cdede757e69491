//! Public channel contracts, one module per API version. Field names are part of the public API:
//! a version only ever gains fields.

pub mod request;
pub mod v1;
