//! When a queue consumer's failed message comes back: growing delays after a transient failure,
//! one quick redelivery for a message that can never succeed, so it reaches the DLQ in seconds
//! (decision 0006). Every consumer that reschedules through [`RetryScheduler`](crate::RetryScheduler)
//! uses this one schedule.

use std::time::Duration;

/// Visibility of a message that can never succeed, on its way to the DLQ.
pub const POISON_REDELIVERY: Duration = Duration::from_secs(1);

/// How retries are spaced and when the queue gives up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Delay after the first failed delivery.
    pub base: Duration,
    /// Longest delay.
    pub max: Duration,
    /// The queue's `maxReceiveCount`: after that many deliveries the message goes to the DLQ.
    pub max_receive_count: u32,
}

impl RetryPolicy {
    /// Delay before the next delivery after delivery number `receive_count` (1-based) failed:
    /// base × 2^(n−1), capped at `max`.
    pub fn delay(&self, receive_count: u32) -> Duration {
        let exponent = receive_count.saturating_sub(1).min(20);
        self.base.saturating_mul(1 << exponent).min(self.max)
    }

    /// Whether delivery number `receive_count` was the last the queue will make.
    pub fn is_last_attempt(&self, receive_count: u32) -> bool {
        receive_count >= self.max_receive_count
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_double_up_to_the_cap() {
        let p = RetryPolicy {
            base: Duration::from_secs(10),
            max: Duration::from_secs(900),
            max_receive_count: 10,
        };
        let delays: Vec<u64> = (1..=8).map(|n| p.delay(n).as_secs()).collect();
        assert_eq!(delays, [10, 20, 40, 80, 160, 320, 640, 900]);
        assert_eq!(p.delay(0).as_secs(), 10);
        assert_eq!(p.delay(u32::MAX).as_secs(), 900);
        assert!(!p.is_last_attempt(9) && p.is_last_attempt(10));
    }
}
