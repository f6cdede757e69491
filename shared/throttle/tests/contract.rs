//! The rate limiter contract against the in-memory twin (the DynamoDB run is in `tests/adapters`).

switchyard_throttle::rate_limiter_contract_tests!(switchyard_throttle::InMemoryRateLimiter::new());
