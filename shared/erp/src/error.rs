//! The errors at the ERP boundary.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Why an ERP call failed: either the ERP refuses the document (final) or it could not be
/// asked (transient).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ErpError {
    /// The ERP refuses this document for a business reason; retrying will not help.
    #[error("ERP rejected the sale ({code}): {message}")]
    Rejected {
        /// The machine-readable reason.
        code: RejectionCode,
        /// What the ERP (or the adapter) said, for people.
        message: String,
    },
    /// The ERP could not be reached or answered with a transient fault (connection refused,
    /// timeout, 5xx, 429, lock/concurrency errors); retry later.
    #[error("ERP unavailable: {message}")]
    Unavailable {
        /// What went wrong, for people.
        message: String,
    },
}

impl ErpError {
    /// A [`ErpError::Rejected`] with this code and message.
    pub fn rejected(code: RejectionCode, message: impl Into<String>) -> Self {
        Self::Rejected {
            code,
            message: message.into(),
        }
    }

    /// An [`ErpError::Unavailable`] with this message.
    pub fn unavailable(message: impl Into<String>) -> Self {
        Self::Unavailable {
            message: message.into(),
        }
    }

    /// True for transient failures: the same call may succeed later.
    pub fn is_retryable(&self) -> bool {
        matches!(self, Self::Unavailable { .. })
    }

    /// The rejection code, for [`ErpError::Rejected`].
    pub fn rejection_code(&self) -> Option<RejectionCode> {
        match self {
            Self::Rejected { code, .. } => Some(*code),
            Self::Unavailable { .. } => None,
        }
    }

    /// The human-readable message, without the variant prefix.
    pub fn message(&self) -> &str {
        match self {
            Self::Rejected { message, .. } | Self::Unavailable { message } => message,
        }
    }
}

/// The business reason behind an [`ErpError::Rejected`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RejectionCode {
    /// At least one SKU is not a (saleable, active) product in the ERP.
    UnknownSku,
    /// The customer account is not a party in the ERP.
    UnknownCustomer,
    /// A unit of measure is unknown or does not fit the product.
    UnknownUnit,
    /// The currency is not set up in the ERP.
    UnknownCurrency,
    /// A ship-to/bill-to address cannot be used (unknown country, missing street/city, none at all).
    InvalidAddress,
    /// Any other business rule of the ERP (its own validation message says which).
    ErpRule,
}

impl RejectionCode {
    /// The stable snake_case name: `"unknown_sku"`, `"unknown_customer"`, `"unknown_unit"`,
    /// `"unknown_currency"`, `"invalid_address"`, `"erp_rule"`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::UnknownSku => "unknown_sku",
            Self::UnknownCustomer => "unknown_customer",
            Self::UnknownUnit => "unknown_unit",
            Self::UnknownCurrency => "unknown_currency",
            Self::InvalidAddress => "invalid_address",
            Self::ErpRule => "erp_rule",
        }
    }
}

impl fmt::Display for RejectionCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_have_stable_names_matching_serde() {
        for code in [
            RejectionCode::UnknownSku,
            RejectionCode::UnknownCustomer,
            RejectionCode::UnknownUnit,
            RejectionCode::UnknownCurrency,
            RejectionCode::InvalidAddress,
            RejectionCode::ErpRule,
        ] {
            let json = serde_json::to_value(code).unwrap();
            assert_eq!(json, serde_json::Value::String(code.as_str().into()));
        }
    }

    #[test]
    fn only_unavailable_is_retryable() {
        assert!(ErpError::unavailable("down").is_retryable());
        let rejected = ErpError::rejected(RejectionCode::UnknownSku, "X");
        assert!(!rejected.is_retryable());
        assert_eq!(rejected.rejection_code(), Some(RejectionCode::UnknownSku));
        assert_eq!(
            rejected.to_string(),
            "ERP rejected the sale (unknown_sku): X"
        );
        assert_eq!(rejected.message(), "X");
    }
}
