//! Shopify's calculated-query-cost limit: a leaky bucket of points that refills continuously at
//! the restore rate. A query may run only when the bucket holds its requested cost; the
//! difference between requested and actual cost is given back afterwards.

use std::time::Instant;

use crate::InvalidThrottle;

/// The bucket of one app on one shop.
#[derive(Debug)]
pub(crate) struct Bucket {
    maximum: f64,
    restore_rate: f64,
    available: f64,
    at: Instant,
}

/// What `extensions.cost.throttleStatus` reports.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Status {
    pub(crate) maximum_available: f64,
    pub(crate) currently_available: f64,
    pub(crate) restore_rate: f64,
}

impl Bucket {
    pub(crate) fn new(maximum: f64, restore_rate: f64) -> Result<Self, InvalidThrottle> {
        if !(maximum.is_finite() && maximum > 0.0 && restore_rate.is_finite() && restore_rate > 0.0)
        {
            return Err(InvalidThrottle);
        }
        Ok(Self {
            maximum,
            restore_rate,
            available: maximum,
            at: Instant::now(),
        })
    }

    fn refill(&mut self) {
        let now = Instant::now();
        let elapsed = now.duration_since(self.at).as_secs_f64();
        self.available = (self.available + elapsed * self.restore_rate).min(self.maximum);
        self.at = now;
    }

    /// Takes `cost` points if the bucket holds them.
    pub(crate) fn try_take(&mut self, cost: f64) -> bool {
        self.refill();
        if cost <= self.available {
            self.available -= cost;
            true
        } else {
            false
        }
    }

    /// Gives back points a query did not use.
    pub(crate) fn refund(&mut self, points: f64) {
        self.refill();
        self.available = (self.available + points.max(0.0)).min(self.maximum);
    }

    pub(crate) fn status(&mut self) -> Status {
        self.refill();
        Status {
            maximum_available: self.maximum,
            // Shopify reports whole points.
            currently_available: self.available.floor(),
            restore_rate: self.restore_rate,
        }
    }
}
