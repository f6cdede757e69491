//! Each port's contract suite against its AWS adapter on moto (`make test` starts moto and sets
//! `AWS_ENDPOINT_URL`). Every test makes its own uniquely named tables and queues.

mod channels;
mod edi_outbox;
mod events;
mod failures;
mod idempotency;
mod one_write;
mod orders;
mod projections;
mod quarantine;
mod secrets;
mod throttle;
