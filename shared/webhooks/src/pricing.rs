//! Exact unit prices from storefront line amounts.
//!
//! The canonical order carries one unit price per line with at most 4 decimal places, while
//! storefronts report line totals and discounts per line. Dividing them is only done when the
//! result is exact: a rounded unit price would make the ERP's line total differ from what the
//! shopper paid by an amount nobody can explain later.

use rust_decimal::Decimal;

/// Most decimal places a canonical unit price may have.
const MAX_PLACES: u32 = 4;

/// `amount / quantity` when it is exact with at most 4 decimal places.
pub(crate) fn exact_share(amount: Decimal, quantity: u64) -> Option<Decimal> {
    let q = Decimal::from(quantity);
    let share = amount.checked_div(q)?;
    let exact = share.normalize().scale() <= MAX_PLACES && share.checked_mul(q) == Some(amount);
    exact.then_some(share)
}

/// The outcome of spreading a line discount over its units.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Discounted {
    /// The discount divides exactly: this is the discounted unit price.
    Applied(Decimal),
    /// The discount does not divide exactly to 4 decimal places; the undiscounted price stands.
    NotExact,
}

/// Spreads `discount` (for the whole line) evenly over `quantity` units priced `unit`.
/// `Err` carries the rule the discount broke.
pub(crate) fn apply_discount(
    unit: Decimal,
    quantity: u64,
    discount: Decimal,
) -> Result<Discounted, &'static str> {
    if discount.is_sign_negative() && !discount.is_zero() {
        return Err("must not be negative");
    }
    if discount.is_zero() {
        return Ok(Discounted::Applied(unit));
    }
    let line = unit
        .checked_mul(Decimal::from(quantity))
        .ok_or("is too large")?;
    if discount > line {
        return Err("must not exceed the line's price times its quantity");
    }
    Ok(
        match exact_share(discount, quantity).and_then(|d| unit.checked_sub(d)) {
            Some(price) => Discounted::Applied(price),
            None => Discounted::NotExact,
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    #[test]
    fn shares_are_exact_or_nothing() {
        assert_eq!(exact_share(d("29.97"), 3), Some(d("9.99")));
        assert_eq!(exact_share(d("1.0001"), 1), Some(d("1.0001")));
        assert_eq!(exact_share(d("10.00"), 3), None);
        assert_eq!(exact_share(d("0.0001"), 2), None);
        assert_eq!(exact_share(d("1"), 0), None);
    }

    #[test]
    fn discounts_apply_when_they_divide_exactly() {
        assert_eq!(
            apply_discount(d("10.00"), 4, d("2.00")),
            Ok(Discounted::Applied(d("9.50")))
        );
        assert_eq!(
            apply_discount(d("10.00"), 3, d("0")),
            Ok(Discounted::Applied(d("10.00")))
        );
        assert_eq!(
            apply_discount(d("10.00"), 3, d("1.00")),
            Ok(Discounted::NotExact)
        );
        assert_eq!(
            apply_discount(d("10.00"), 2, d("20.00")),
            Ok(Discounted::Applied(d("0")))
        );
    }

    #[test]
    fn impossible_discounts_are_refused() {
        assert!(apply_discount(d("10.00"), 2, d("20.01")).is_err());
        assert!(apply_discount(d("10.00"), 2, d("-1")).is_err());
        assert!(apply_discount(Decimal::MAX, 2, d("1")).is_err());
    }
}
