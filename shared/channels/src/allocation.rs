//! How much of the ERP's available-to-promise one channel may sell.
//!
//! Distributors rarely show every channel the whole stock: a marketplace that oversells costs
//! more than a sale lost there, so it sees a share, after a safety stock kept back, up to a cap.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// A channel's allocation rule. The default shows the channel all of the available stock.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Allocation {
    /// Percent of what remains after the safety stock, 0 to 100.
    pub share_percent: Decimal,
    /// Units kept back from this channel before its share is taken.
    pub safety_stock: Decimal,
    /// The most this channel is ever shown.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cap: Option<Decimal>,
}

impl Default for Allocation {
    fn default() -> Self {
        Allocation {
            share_percent: Decimal::ONE_HUNDRED,
            safety_stock: Decimal::ZERO,
            cap: None,
        }
    }
}

/// Why an allocation rule is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AllocationError {
    /// The share is not between 0 and 100.
    #[error("share_percent must be between 0 and 100, got {0}")]
    Share(Decimal),
    /// The safety stock is negative.
    #[error("safety_stock must not be negative, got {0}")]
    SafetyStock(Decimal),
    /// The cap is negative.
    #[error("cap must not be negative, got {0}")]
    Cap(Decimal),
}

impl Allocation {
    /// A checked rule.
    pub fn new(
        share_percent: Decimal,
        safety_stock: Decimal,
        cap: Option<Decimal>,
    ) -> Result<Self, AllocationError> {
        if share_percent < Decimal::ZERO || share_percent > Decimal::ONE_HUNDRED {
            return Err(AllocationError::Share(share_percent));
        }
        if safety_stock < Decimal::ZERO {
            return Err(AllocationError::SafetyStock(safety_stock));
        }
        if let Some(cap) = cap.filter(|c| *c < Decimal::ZERO) {
            return Err(AllocationError::Cap(cap));
        }
        Ok(Allocation {
            share_percent,
            safety_stock,
            cap,
        })
    }

    /// What the channel may sell of `available`: never negative; in whole units (rounded down)
    /// when the unit counts whole units, so a channel is never promised a fraction it cannot ship.
    pub fn apply(&self, available: Decimal, whole_units: bool) -> Decimal {
        let pool = (available - self.safety_stock).max(Decimal::ZERO);
        let mut share = pool * self.share_percent / Decimal::ONE_HUNDRED;
        if let Some(cap) = self.cap {
            share = share.min(cap);
        }
        if whole_units { share.floor() } else { share }.normalize()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dec(n: i64) -> Decimal {
        Decimal::from(n)
    }

    #[test]
    fn the_default_shows_everything_available() {
        assert_eq!(Allocation::default().apply(dec(500), true), dec(500));
        assert_eq!(Allocation::default().apply(dec(-3), true), dec(0));
    }

    #[test]
    fn a_share_after_safety_stock_up_to_a_cap_in_whole_units() {
        let marketplace = Allocation::new(dec(80), dec(0), None).unwrap();
        assert_eq!(marketplace.apply(dec(500), true), dec(400));
        assert_eq!(marketplace.apply(dec(7), true), dec(5)); // 5.6 → 5
        let kept_back = Allocation::new(dec(50), dec(10), Some(dec(100))).unwrap();
        assert_eq!(kept_back.apply(dec(500), true), dec(100));
        assert_eq!(kept_back.apply(dec(30), true), dec(10));
        assert_eq!(kept_back.apply(dec(5), true), dec(0));
        assert_eq!(
            Allocation::new(dec(80), dec(0), None)
                .unwrap()
                .apply(Decimal::new(75, 1), false),
            Decimal::new(6, 0)
        );
    }

    #[test]
    fn impossible_rules_are_refused() {
        assert_eq!(
            Allocation::new(dec(101), dec(0), None),
            Err(AllocationError::Share(dec(101)))
        );
        assert!(Allocation::new(dec(50), dec(-1), None).is_err());
        assert!(Allocation::new(dec(50), dec(0), Some(dec(-1))).is_err());
    }
}
