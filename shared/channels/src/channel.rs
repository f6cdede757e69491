//! Sales channels and their API keys.
//!
//! An API key is shown once, when it is issued; only its SHA-256 is stored. Keys are 256 random
//! bits, so a fast hash is enough (there is nothing to brute-force, unlike a password).

use chrono::{DateTime, Utc};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use switchyard_model::{ChannelName, Sku};

/// How a channel talks to Switchyard.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ChannelKind {
    /// Calls the canonical HTTP API.
    Api,
    /// Shopify webhooks.
    Shopify,
    /// WooCommerce webhooks.
    Woocommerce,
    /// Standard Webhooks partner portal.
    StandardWebhooks,
    /// X12 EDI trading partner.
    X12,
    /// UN/EDIFACT trading partner (ORDERS in, CONTRL and ORDRSP back).
    Edifact,
    /// Amazon SP-API notifications.
    AmazonSpApi,
}

impl ChannelKind {
    /// Every kind.
    pub const ALL: [ChannelKind; 7] = [
        ChannelKind::Api,
        ChannelKind::Shopify,
        ChannelKind::Woocommerce,
        ChannelKind::StandardWebhooks,
        ChannelKind::X12,
        ChannelKind::Edifact,
        ChannelKind::AmazonSpApi,
    ];

    /// The wire name (`shopify`, `x12`, `amazon-sp-api`), as stored and as events carry it for
    /// EventBridge rules to route on.
    pub fn as_str(&self) -> &'static str {
        match self {
            ChannelKind::Api => "api",
            ChannelKind::Shopify => "shopify",
            ChannelKind::Woocommerce => "woocommerce",
            ChannelKind::StandardWebhooks => "standard-webhooks",
            ChannelKind::X12 => "x12",
            ChannelKind::Edifact => "edifact",
            ChannelKind::AmazonSpApi => "amazon-sp-api",
        }
    }

    /// Kinds whose orders get EDI documents back (997/855/856/810, CONTRL/ORDRSP): the
    /// acknowledger's rule routes only their events (decision 0026).
    pub fn is_edi(&self) -> bool {
        matches!(self, ChannelKind::X12 | ChannelKind::Edifact)
    }
}

impl std::fmt::Display for ChannelKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for ChannelKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        serde_json::from_value(serde_json::Value::String(s.to_string())).map_err(|_| {
            format!("unknown channel kind {s:?}: use api, shopify, woocommerce, standard-webhooks, x12, edifact or amazon-sp-api")
        })
    }
}

/// A channel's configuration record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Channel {
    /// Unique name (`demo-shop`).
    pub name: ChannelName,
    /// How it connects.
    pub kind: ChannelKind,
    /// ERP customer used when an order names none.
    pub default_customer: Option<String>,
    /// Requests per second the channel may make to the API and EDI endpoints (429 beyond it).
    pub rate_limit_per_second: Option<u32>,
    /// When the record was created.
    pub created_at: DateTime<Utc>,
    /// Webhook signing secrets, by reference; more than one while a rotation is under way.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub secrets: Vec<SecretRef>,
    /// The X12 interchange identity of an EDI trading partner.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trading_partner: Option<TradingPartner>,
    /// The UN/EDIFACT interchange identity (UNB sender) of an EDIFACT trading partner.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub edifact_partner: Option<EdifactPartner>,
    /// The Amazon seller account and how to reach SP-API for it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amazon: Option<AmazonSeller>,
    /// How the channel's payloads map onto canonical orders.
    #[serde(default)]
    pub mapping: MappingOptions,
    /// How much of the available stock the channel is shown (all of it by default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allocation: Option<crate::Allocation>,
    /// Where Switchyard pushes the channel's stock levels; `None`: the channel is not pushed to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stock_push: Option<StockPush>,
    /// X12 partners: the 846 inventory advice the partner subscribed to; `None`: none is sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inventory_advice: Option<InventoryAdvice>,
}

/// An X12 partner's subscription to 846 inventory advices, written into its outbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InventoryAdvice {
    /// How often, in minutes ([`InventoryAdvice::MIN_EVERY_MINUTES`] or more). Advices are
    /// written once per period of this length, periods counted from the Unix epoch.
    pub every_minutes: u32,
    /// The SKUs advised, in this order. Explicit: the partner lists what it sells of ours.
    pub skus: Vec<Sku>,
    /// Our interchange id in what we send this partner (ISA05/ISA06).
    #[serde(default = "InventoryAdvice::default_sender")]
    pub sender: TradingPartner,
    /// BIA02 (`MB` manufacturer/distributor inventory report unless the partner asks otherwise,
    /// e.g. `SI`).
    #[serde(default = "InventoryAdvice::default_report_type")]
    pub report_type: String,
}

/// Why an inventory advice subscription is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InventoryAdviceError {
    /// Advising more often than the minimum.
    #[error("every_minutes must be at least {min}, got {0}", min = InventoryAdvice::MIN_EVERY_MINUTES)]
    TooOften(u32),
    /// Advising less often than daily: stock that old is no advice for a partner to sell from.
    #[error("every_minutes must be at most {max} (a day), got {0}", max = InventoryAdvice::MAX_EVERY_MINUTES)]
    TooRare(u32),
    /// No SKU to advise.
    #[error("at least one SKU is needed")]
    NoSkus,
    /// A SKU listed twice.
    #[error("SKU {0} is listed twice")]
    DuplicateSku(Sku),
    /// Not an X12 id or report type.
    #[error("{0}")]
    Identity(String),
}

impl InventoryAdvice {
    /// Partners are not advised more often than this: each advice is a whole interchange with
    /// its own control number, and the partner has to collect and process each one.
    pub const MIN_EVERY_MINUTES: u32 = 5;
    /// At most daily.
    pub const MAX_EVERY_MINUTES: u32 = 24 * 60;

    /// A checked subscription with the default sender (`ZZ`/`SWITCHYARD`) and report type.
    pub fn new(every_minutes: u32, skus: Vec<Sku>) -> Result<Self, InventoryAdviceError> {
        InventoryAdvice {
            every_minutes,
            skus,
            sender: Self::default_sender(),
            report_type: Self::default_report_type(),
        }
        .checked()
    }

    /// The subscription, if it is one that can be honoured.
    pub fn checked(self) -> Result<Self, InventoryAdviceError> {
        if self.every_minutes < Self::MIN_EVERY_MINUTES {
            return Err(InventoryAdviceError::TooOften(self.every_minutes));
        }
        if self.every_minutes > Self::MAX_EVERY_MINUTES {
            return Err(InventoryAdviceError::TooRare(self.every_minutes));
        }
        if self.skus.is_empty() {
            return Err(InventoryAdviceError::NoSkus);
        }
        for (i, sku) in self.skus.iter().enumerate() {
            if self.skus[..i].contains(sku) {
                return Err(InventoryAdviceError::DuplicateSku(sku.clone()));
            }
        }
        let q = self.sender.isa_qualifier.trim();
        if q.len() != 2 || !q.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(InventoryAdviceError::Identity(format!(
                "the sender qualifier must be two letters or digits, got {q:?}"
            )));
        }
        let id = self.sender.isa_id.trim();
        if id.is_empty() || id.len() > 15 || !id.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(InventoryAdviceError::Identity(format!(
                "the sender id must be 1 to 15 printable characters, got {id:?}"
            )));
        }
        if self.report_type.len() != 2
            || !self.report_type.bytes().all(|b| b.is_ascii_alphanumeric())
        {
            return Err(InventoryAdviceError::Identity(format!(
                "the report type (BIA02) must be a two-character code, got {:?}",
                self.report_type
            )));
        }
        Ok(self)
    }

    /// The start of the period `now` falls in: the last multiple of `every_minutes` since the
    /// Unix epoch. One advice per period.
    pub fn period_start(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        let every = i64::from(self.every_minutes.max(1)) * 60;
        let start = now.timestamp().div_euclid(every) * every;
        DateTime::from_timestamp(start, 0).unwrap_or(now)
    }

    /// `ZZ` (mutually defined) / `SWITCHYARD`: how partners address us unless agreed otherwise.
    pub fn default_sender() -> TradingPartner {
        TradingPartner::new("ZZ", "SWITCHYARD")
    }

    /// `MB`, manufacturer/distributor inventory report.
    pub fn default_report_type() -> String {
        "MB".into()
    }
}

/// How Switchyard reaches a channel's own API to set its stock levels. Credentials are
/// references to the secret store, never values.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StockPush {
    /// The channel API's base URL: the Shopify shop (`https://{shop}.myshopify.com`), the
    /// WooCommerce site. Amazon channels use their seller's SP-API endpoint instead.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endpoint: Option<String>,
    /// Shopify: the location (a GID) whose `available` quantity the channel sells.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location_id: Option<String>,
    /// The parameter holding the API credential: Shopify's Admin API access token,
    /// WooCommerce's `consumer_key:consumer_secret`. Amazon channels use their LWA credentials.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credential: Option<String>,
}

impl Channel {
    /// A channel with nothing but a name and a kind.
    pub fn new(name: ChannelName, kind: ChannelKind, now: DateTime<Utc>) -> Self {
        Channel {
            name,
            kind,
            default_customer: None,
            rate_limit_per_second: None,
            created_at: now,
            secrets: vec![],
            trading_partner: None,
            edifact_partner: None,
            amazon: None,
            mapping: MappingOptions::default(),
            allocation: None,
            stock_push: None,
            inventory_advice: None,
        }
    }

    /// The secrets that still verify signatures at `now`, newest first.
    pub fn active_secrets(&self, now: DateTime<Utc>) -> Vec<&SecretRef> {
        let mut active: Vec<&SecretRef> = self
            .secrets
            .iter()
            .filter(|s| s.expires_at.is_none_or(|at| at > now))
            .collect();
        active.sort_by_key(|s| std::cmp::Reverse(s.created_at));
        active
    }

    /// Adds `secret` as the current one; the ones active before keep working until `retire_at`
    /// (a rotation's grace period), so senders can switch over without failed deliveries.
    pub fn rotate_secret(&mut self, secret: SecretRef, retire_at: DateTime<Utc>) {
        for old in &mut self.secrets {
            if old.expires_at.is_none_or(|at| at > retire_at) {
                old.expires_at = Some(retire_at);
            }
        }
        self.secrets
            .retain(|s| s.expires_at.is_none_or(|at| at > secret.created_at));
        self.secrets.push(secret);
    }

    /// The partner ids this channel is found by: `x12/<qualifier>:<id>`,
    /// `edifact/<qualifier>:<id>`, `amazon/<seller id>`.
    pub fn aliases(&self) -> Vec<String> {
        let mut aliases = vec![];
        if let Some(tp) = &self.trading_partner {
            aliases.push(x12_alias(&tp.isa_qualifier, &tp.isa_id));
        }
        if let Some(p) = &self.edifact_partner {
            aliases.push(edifact_alias(&p.qualifier, &p.id));
        }
        if let Some(amazon) = &self.amazon {
            aliases.push(amazon_alias(&amazon.seller_id));
        }
        aliases
    }
}

/// The alias an X12 sender (ISA05/ISA06) is found by.
pub fn x12_alias(qualifier: &str, id: &str) -> String {
    format!("x12/{}:{}", qualifier.trim(), id.trim())
}

/// The alias an EDIFACT sender (UNB S002: identification, code qualifier) is found by.
pub fn edifact_alias(qualifier: &str, id: &str) -> String {
    format!("edifact/{}:{}", qualifier.trim(), id.trim())
}

/// The alias an Amazon seller id is found by.
pub fn amazon_alias(seller_id: &str) -> String {
    format!("amazon/{}", seller_id.trim())
}

/// A secret kept in the secret store (an SSM SecureString), named here, never copied here.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecretRef {
    /// The parameter name holding the value.
    pub parameter: String,
    /// When it was added.
    pub created_at: DateTime<Utc>,
    /// When it stops verifying; `None` while it is the current secret.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<DateTime<Utc>>,
}

/// An EDI trading partner's interchange sender id (ISA05 qualifier, ISA06 id).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TradingPartner {
    /// ISA05, e.g. `ZZ` (mutually defined) or `01` (DUNS).
    pub isa_qualifier: String,
    /// ISA06, without its padding.
    pub isa_id: String,
    /// Which acknowledgment answers the partner's functional groups; records written before
    /// the field existed read as the 997 they were getting.
    #[serde(default, skip_serializing_if = "X12Acknowledgment::is_default")]
    pub acknowledgment: X12Acknowledgment,
}

impl TradingPartner {
    /// A partner with ISA05 `qualifier` and ISA06 `id`, acknowledged with 997s.
    pub fn new(qualifier: &str, id: &str) -> Self {
        TradingPartner {
            isa_qualifier: qualifier.to_string(),
            isa_id: id.to_string(),
            acknowledgment: X12Acknowledgment::default(),
        }
    }
}

/// An EDIFACT trading partner's interchange sender (UNB S002): its identification (0004) and
/// code qualifier (0007, e.g. `14` for a GS1 GLN, `ZZZ` mutually defined). Separate from
/// [`TradingPartner`]: EDIFACT qualifiers are up to four characters and mean other things than
/// ISA05 codes, and the X12 acknowledgment choice does not apply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EdifactPartner {
    /// UNB S002 0004, the sender identification (`5412345000013`).
    pub id: String,
    /// UNB S002 0007, the identification code qualifier (`14`); empty when the partner sends
    /// none.
    #[serde(default)]
    pub qualifier: String,
}

impl EdifactPartner {
    /// The partner sending as `id` with qualifier `qualifier`.
    pub fn new(qualifier: &str, id: &str) -> Self {
        EdifactPartner {
            id: id.trim().to_string(),
            qualifier: qualifier.trim().to_string(),
        }
    }
}

/// The acknowledgment a trading partner's EDI software expects for its functional groups.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum X12Acknowledgment {
    /// The 997 functional acknowledgment, in each received group's version.
    #[default]
    #[serde(rename = "997")]
    FunctionalAck,
    /// The 999 implementation acknowledgment (005010X231A1), which partners on the 5010
    /// implementation guides (healthcare among them) ask for.
    #[serde(rename = "999")]
    ImplementationAck,
}

impl X12Acknowledgment {
    /// The transaction set id, `997` or `999`.
    pub fn set_id(self) -> &'static str {
        match self {
            X12Acknowledgment::FunctionalAck => "997",
            X12Acknowledgment::ImplementationAck => "999",
        }
    }

    fn is_default(&self) -> bool {
        *self == X12Acknowledgment::default()
    }
}

impl std::str::FromStr for X12Acknowledgment {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim() {
            "997" => Ok(X12Acknowledgment::FunctionalAck),
            "999" => Ok(X12Acknowledgment::ImplementationAck),
            other => Err(format!("the acknowledgment is 997 or 999, not {other:?}")),
        }
    }
}

/// An Amazon seller account and the SP-API endpoints used for it. Credentials are references.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AmazonSeller {
    /// The merchant token notifications carry (`SellerId`).
    pub seller_id: String,
    /// Marketplace, e.g. `ATVPDKIKX0DER` (amazon.com).
    pub marketplace_id: String,
    /// SP-API base URL, e.g. `https://sellingpartnerapi-na.amazon.com`.
    pub endpoint: String,
    /// Login with Amazon token URL, e.g. `https://api.amazon.com/auth/o2/token`.
    pub token_url: String,
    /// The LWA client id (not secret).
    pub client_id: String,
    /// Parameter holding the LWA client secret.
    pub client_secret: String,
    /// Parameter holding the seller's refresh token.
    pub refresh_token: String,
}

/// Per-channel mapping choices.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct MappingOptions {
    /// The SKU given to storefront line items that have none (custom items); when unset, such
    /// an order is refused with an error naming the line.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub custom_item_sku: Option<Sku>,
    /// X12 PO1 product id qualifiers that hold the SKU, in order of preference (default VN, VP).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub sku_qualifiers: Vec<String>,
    /// Currency of X12 orders that carry no CUR segment (default USD).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
}

/// A freshly issued API key: the secret to hand to the channel, and the hash to store.
#[derive(Clone)]
pub struct IssuedApiKey {
    /// The key itself. Shown once; never stored or logged.
    pub secret: String,
    /// Its SHA-256, hex.
    pub hash: String,
}

impl std::fmt::Debug for IssuedApiKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IssuedApiKey")
            .field("hash", &self.hash)
            .finish_non_exhaustive()
    }
}

impl IssuedApiKey {
    /// A new random key, `sy_` followed by 64 hex digits.
    pub fn generate() -> Self {
        let mut bytes = [0u8; 32];
        rand::rng().fill_bytes(&mut bytes);
        let secret = format!("sy_{}", hex::encode(bytes));
        let hash = hash_api_key(&secret);
        IssuedApiKey { secret, hash }
    }
}

/// The stored form of an API key.
pub fn hash_api_key(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_kinds_wire_name_is_what_it_is_stored_and_parsed_as() {
        for kind in ChannelKind::ALL {
            assert_eq!(
                serde_json::to_value(kind).unwrap(),
                serde_json::Value::String(kind.as_str().into())
            );
            assert_eq!(kind.as_str().parse::<ChannelKind>().unwrap(), kind);
        }
        let edi: Vec<_> = ChannelKind::ALL
            .into_iter()
            .filter(|k| k.is_edi())
            .collect();
        assert_eq!(edi, [ChannelKind::X12, ChannelKind::Edifact]);
    }

    #[test]
    fn a_partner_stored_before_the_acknowledgment_field_gets_997s() {
        let old: TradingPartner =
            serde_json::from_str(r#"{"isa_qualifier":"ZZ","isa_id":"ACME"}"#).unwrap();
        assert_eq!(old.acknowledgment, X12Acknowledgment::FunctionalAck);
        assert_eq!(
            serde_json::to_string(&old).unwrap(),
            r#"{"isa_qualifier":"ZZ","isa_id":"ACME"}"#,
            "the default is not written, so stored records do not change"
        );
        let mut partner = TradingPartner::new("ZZ", "ACME");
        partner.acknowledgment = "999".parse().unwrap();
        let text = serde_json::to_string(&partner).unwrap();
        assert_eq!(
            text,
            r#"{"isa_qualifier":"ZZ","isa_id":"ACME","acknowledgment":"999"}"#
        );
        assert_eq!(
            serde_json::from_str::<TradingPartner>(&text).unwrap(),
            partner
        );
        assert!("998".parse::<X12Acknowledgment>().is_err());
    }

    #[test]
    fn issued_keys_are_random_and_only_their_hash_matches() {
        let a = IssuedApiKey::generate();
        let b = IssuedApiKey::generate();
        assert_ne!(a.secret, b.secret);
        assert!(a.secret.starts_with("sy_") && a.secret.len() == 67);
        assert_eq!(hash_api_key(&a.secret), a.hash);
        assert!(
            !format!("{a:?}").contains(&a.secret),
            "Debug must not print the secret"
        );
    }

    fn secret(parameter: &str, at: &str) -> SecretRef {
        SecretRef {
            parameter: parameter.into(),
            created_at: at.parse().unwrap(),
            expires_at: None,
        }
    }

    #[test]
    fn a_rotated_secret_keeps_verifying_until_its_grace_period_ends() {
        let mut channel = Channel::new(
            ChannelName::try_from("shop").unwrap(),
            ChannelKind::Shopify,
            Utc::now(),
        );
        channel.secrets.push(secret("/s/1", "2026-01-01T00:00:00Z"));
        channel.rotate_secret(
            secret("/s/2", "2026-02-01T00:00:00Z"),
            "2026-02-02T00:00:00Z".parse().unwrap(),
        );
        let names = |channel: &Channel, at: &str| -> Vec<String> {
            channel
                .active_secrets(at.parse().unwrap())
                .iter()
                .map(|s| s.parameter.clone())
                .collect()
        };
        assert_eq!(
            names(&channel, "2026-02-01T12:00:00Z"),
            ["/s/2", "/s/1"],
            "newest first"
        );
        assert_eq!(names(&channel, "2026-02-03T00:00:00Z"), ["/s/2"]);

        // A second rotation drops the first secret once it expired, and cuts the second's life.
        channel.rotate_secret(
            secret("/s/3", "2026-03-01T00:00:00Z"),
            "2026-03-01T01:00:00Z".parse().unwrap(),
        );
        assert_eq!(channel.secrets.len(), 2);
        assert_eq!(names(&channel, "2026-03-01T00:30:00Z"), ["/s/3", "/s/2"]);
        assert_eq!(names(&channel, "2026-03-01T02:00:00Z"), ["/s/3"]);
    }

    #[test]
    fn an_edifact_partner_is_found_by_its_unb_sender_and_its_record_round_trips() {
        let mut channel = Channel::new(
            ChannelName::try_from("hypermarkt").unwrap(),
            ChannelKind::Edifact,
            "2026-11-01T00:00:00Z".parse().unwrap(),
        );
        channel.edifact_partner = Some(EdifactPartner::new(" 14", "5412345000013 "));
        assert_eq!(channel.aliases(), ["edifact/14:5412345000013"]);
        assert_ne!(
            edifact_alias("14", "5412345000013"),
            x12_alias("14", "5412345000013"),
            "an X12 and an EDIFACT partner with the same id are different partners"
        );
        let json = serde_json::to_value(&channel).unwrap();
        assert_eq!(json["kind"], "edifact");
        assert_eq!(
            json["edifact_partner"],
            serde_json::json!({"id": "5412345000013", "qualifier": "14"})
        );
        assert_eq!(serde_json::from_value::<Channel>(json).unwrap(), channel);
        assert_eq!("edifact".parse::<ChannelKind>(), Ok(ChannelKind::Edifact));
    }

    #[test]
    fn old_channel_records_without_the_newer_fields_still_read() {
        let old = r#"{"name":"demo-shop","kind":"api","default_customer":"DEMO-SHOP","rate_limit_per_second":null,"created_at":"2026-11-01T00:00:00Z"}"#;
        let channel: Channel = serde_json::from_str(old).unwrap();
        assert!(channel.secrets.is_empty() && channel.trading_partner.is_none());
        assert_eq!(channel.edifact_partner, None);
        assert_eq!(channel.inventory_advice, None);
        assert_eq!(channel.mapping, MappingOptions::default());
        // A custom-item SKU that could never book is refused when the channel is stored.
        let bad = old.replace(
            r#""api","#,
            r#""api","mapping":{"custom_item_sku":"has space"},"#,
        );
        assert!(serde_json::from_str::<Channel>(&bad).is_err());
    }

    fn sku(s: &str) -> Sku {
        Sku::try_from(s).unwrap()
    }

    #[test]
    fn an_inventory_advice_reads_with_its_defaults_and_refuses_what_cannot_be_honoured() {
        let stored: InventoryAdvice =
            serde_json::from_str(r#"{"every_minutes":60,"skus":["WIDGET-S","BOLT-M8"]}"#).unwrap();
        assert_eq!(
            stored,
            InventoryAdvice::new(60, vec![sku("WIDGET-S"), sku("BOLT-M8")]).unwrap()
        );
        assert_eq!(stored.sender.isa_id, "SWITCHYARD");
        assert_eq!(stored.report_type, "MB");
        assert_eq!(
            InventoryAdvice::new(4, vec![sku("A")]),
            Err(InventoryAdviceError::TooOften(4))
        );
        assert_eq!(
            InventoryAdvice::new(5, vec![]),
            Err(InventoryAdviceError::NoSkus)
        );
        assert_eq!(
            InventoryAdvice::new(5, vec![sku("A"), sku("A")]),
            Err(InventoryAdviceError::DuplicateSku(sku("A")))
        );
        assert!(InventoryAdvice::new(24 * 60 + 1, vec![sku("A")]).is_err());
        let mut long_id = stored.clone();
        long_id.sender.isa_id = "A-VERY-LONG-SENDER-ID".into();
        assert!(long_id.checked().is_err());
    }

    #[test]
    fn advice_periods_are_counted_from_the_epoch() {
        let hourly = InventoryAdvice::new(60, vec![sku("A")]).unwrap();
        let at = |t: &str| t.parse::<DateTime<Utc>>().unwrap();
        assert_eq!(
            hourly.period_start(at("2026-12-01T13:59:59Z")),
            at("2026-12-01T13:00:00Z")
        );
        assert_eq!(
            hourly.period_start(at("2026-12-01T14:00:00Z")),
            at("2026-12-01T14:00:00Z")
        );
        let seven = InventoryAdvice::new(7, vec![sku("A")]).unwrap();
        let start = seven.period_start(at("2026-12-01T13:05:00Z"));
        assert_eq!(start.timestamp() % (7 * 60), 0);
        assert!(start <= at("2026-12-01T13:05:00Z"));
    }

    #[test]
    fn kinds_parse_by_their_documented_names() {
        for k in [
            "api",
            "shopify",
            "woocommerce",
            "standard-webhooks",
            "x12",
            "amazon-sp-api",
        ] {
            assert!(k.parse::<ChannelKind>().is_ok(), "{k}");
        }
        assert!("ftp".parse::<ChannelKind>().is_err());
    }
}
