//! A token bucket that keeps calls inside an SP-API usage plan.
//!
//! SP-API rate-limits every operation with a token bucket of its own: `burst` tokens, refilled at
//! `rate` per second, one token per call. Calling faster earns `429 QuotaExceeded`, so the client
//! waits for a token locally instead of spending a request to find out.
//!
//! Why not the `governor` crate: its `Quota::with_period(..).allow_burst(..)` expresses the plan
//! well, but its async wait (`until_ready`) sleeps on `futures-timer` against its own clock, so
//! tokio's paused time (the tests below, and the client's pacing tests) cannot drive it, and it
//! has no way to empty a partly full bucket, which [`TokenBucket::drain`] does when SP-API
//! answers 429 before the local bucket runs dry.
//!
//! The rate is an `f64` on purpose: it is a frequency (0.5 per second, 0.0167 per second), not
//! money, and nothing is summed from it.

use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

/// Longest single wait; a tiny configured rate must not put a task to sleep for years.
const MAX_WAIT: Duration = Duration::from_secs(3600);

/// Refused bucket parameters.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("invalid rate limit: {0}")]
pub struct InvalidRate(&'static str);

/// A token bucket: `burst` tokens at most, refilled continuously at `rate_per_second`.
///
/// Time comes from `tokio::time`, so tests can pause and advance the clock.
#[derive(Debug)]
pub struct TokenBucket {
    rate_per_second: f64,
    burst: u32,
    state: Mutex<State>,
}

#[derive(Debug)]
struct State {
    tokens: f64,
    updated: Instant,
}

/// The share of a documented rate the client paces at.
const PACING_MARGIN: f64 = 0.9;

impl TokenBucket {
    /// A full bucket of `burst` tokens refilled at `rate_per_second`.
    ///
    /// The rate must be finite and greater than zero, and the burst at least 1.
    pub fn new(rate_per_second: f64, burst: u32) -> Result<Self, InvalidRate> {
        if !rate_per_second.is_finite() || rate_per_second <= 0.0 {
            return Err(InvalidRate("the rate must be a number greater than 0"));
        }
        if burst == 0 {
            return Err(InvalidRate("the burst must be at least 1"));
        }
        Ok(TokenBucket {
            rate_per_second,
            burst,
            state: Mutex::new(State {
                tokens: f64::from(burst),
                updated: Instant::now(),
            }),
        })
    }

    /// SP-API's documented usage plan for Orders v0 `getOrder`: 0.5 requests/s, burst 30.
    pub fn get_order_default() -> Self {
        Self::documented(0.5, 30)
    }

    /// SP-API's documented usage plan for Orders v0 `getOrderItems`: 0.5 requests/s, burst 30.
    pub fn get_order_items_default() -> Self {
        Self::documented(0.5, 30)
    }

    /// SP-API's documented default for Listings Items 2021-08-01 `getListingsItem`: 5 requests/s
    /// per seller account, burst 5 (the "Listings Items API Rate Limits" page).
    pub fn get_listings_item_default() -> Self {
        Self::documented(5.0, 5)
    }

    /// SP-API's documented default for Listings Items 2021-08-01 `patchListingsItem`: 5
    /// requests/s per seller account, burst 5.
    pub fn patch_listings_item_default() -> Self {
        Self::documented(5.0, 5)
    }

    /// SP-API's documented usage plan for Orders v0 `confirmShipment`: 2 requests/s, burst 10.
    pub fn confirm_shipment_default() -> Self {
        Self::documented(2.0, 10)
    }

    /// SP-API's documented usage plan for Orders v2026-01-01 `getOrder`: 0.5 requests/s,
    /// burst 30.
    pub fn get_order_v2026_default() -> Self {
        Self::documented(0.5, 30)
    }

    /// A documented plan, paced a little under its rate: a request sent the moment our bucket
    /// allows it can reach Amazon's bucket early (network and scheduling jitter), and at exactly
    /// the documented rate that is an occasional 429 (seen in CI on a loaded machine).
    fn documented(rate_per_second: f64, burst: u32) -> Self {
        TokenBucket {
            rate_per_second: rate_per_second * PACING_MARGIN,
            burst,
            state: Mutex::new(State {
                tokens: f64::from(burst),
                updated: Instant::now(),
            }),
        }
    }

    /// Tokens added per second.
    pub fn rate_per_second(&self) -> f64 {
        self.rate_per_second
    }

    /// Most tokens the bucket holds.
    pub fn burst(&self) -> u32 {
        self.burst
    }

    /// Takes a token, waiting until one is available.
    pub async fn acquire(&self) {
        loop {
            let wait = match self.take_or_wait() {
                None => return,
                Some(wait) => wait,
            };
            tokio::time::sleep(wait).await;
        }
    }

    /// Takes a token if one is available now; never waits.
    pub fn try_acquire(&self) -> bool {
        self.take_or_wait().is_none()
    }

    /// Empties the bucket, so the next call waits for a fresh token.
    ///
    /// Used when the server answered 429 although the local bucket still had tokens: the quota is
    /// shared with other callers (other Lambda instances, other applications of the seller), so
    /// the server's view wins.
    pub fn drain(&self) {
        let mut state = self.lock();
        self.refill(&mut state);
        state.tokens = 0.0;
    }

    /// Takes a token (`None`) or says how long until the next one (`Some(wait)`).
    fn take_or_wait(&self) -> Option<Duration> {
        let mut state = self.lock();
        self.refill(&mut state);
        if state.tokens >= 1.0 {
            state.tokens -= 1.0;
            None
        } else {
            let seconds = (1.0 - state.tokens) / self.rate_per_second;
            let wait = Duration::try_from_secs_f64(seconds).unwrap_or(MAX_WAIT);
            // Never zero: rounding could otherwise spin without the clock moving.
            Some(wait.clamp(Duration::from_millis(1), MAX_WAIT))
        }
    }

    fn refill(&self, state: &mut State) {
        let now = Instant::now();
        let elapsed = now.saturating_duration_since(state.updated).as_secs_f64();
        state.tokens = (state.tokens + elapsed * self.rate_per_second).min(f64::from(self.burst));
        state.updated = now;
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // The state is two numbers updated together; a panic elsewhere cannot leave it torn.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn thirty_calls_go_at_once_and_the_thirty_first_waits_a_little_over_two_seconds() {
        let bucket = TokenBucket::get_order_default();
        let start = Instant::now();
        for _ in 0..30 {
            bucket.acquire().await;
        }
        assert_eq!(start.elapsed(), Duration::ZERO);
        assert!(!bucket.try_acquire());

        let waited = tokio::spawn(async move {
            bucket.acquire().await;
            Instant::now()
        });
        // With the clock paused, the spawned task only progresses when we advance it.
        tokio::time::advance(Duration::from_millis(1900)).await;
        assert!(!waited.is_finished());
        let done = waited.await.unwrap();
        let waited = done - start;
        // 0.5/s documented, paced at 90%: one token every 2.22 s.
        assert!(
            waited >= Duration::from_millis(2222) && waited < Duration::from_millis(2240),
            "{waited:?}"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn refill_is_capped_at_the_burst() {
        let bucket = TokenBucket::new(0.5, 30).unwrap();
        for _ in 0..30 {
            assert!(bucket.try_acquire());
        }
        tokio::time::advance(Duration::from_secs(1000)).await;
        for _ in 0..30 {
            assert!(bucket.try_acquire());
        }
        assert!(
            !bucket.try_acquire(),
            "1000 s must not buy more than 30 tokens"
        );
        tokio::time::advance(Duration::from_secs(2)).await;
        assert!(bucket.try_acquire());
        assert!(!bucket.try_acquire());
    }

    #[tokio::test(start_paused = true)]
    async fn drain_makes_the_next_call_wait() {
        let bucket = TokenBucket::new(0.5, 30).unwrap();
        bucket.drain();
        let start = Instant::now();
        bucket.acquire().await;
        assert_eq!(start.elapsed(), Duration::from_secs(2));
    }

    #[test]
    fn nonsense_parameters_are_refused() {
        assert!(TokenBucket::new(0.0, 1).is_err());
        assert!(TokenBucket::new(-1.0, 1).is_err());
        assert!(TokenBucket::new(f64::NAN, 1).is_err());
        assert!(TokenBucket::new(f64::INFINITY, 1).is_err());
        assert!(TokenBucket::new(1.0, 0).is_err());
    }
}
