//! `switchyard`: the operator CLI.
//!
//! `switchyard channels add|list|show|rotate-key|revoke-key|rotate-secret|set-allocation|set-stock-push|set-inventory-advice` manages channel records in the
//! channels table (`SWITCHYARD_CHANNELS_TABLE`, AWS settings from the usual environment,
//! `AWS_ENDPOINT_URL` for the local emulator). API keys and generated secrets are printed once,
//! when issued: only a key's hash is stored, and secret values go to SSM Parameter Store
//! (SecureString) with the channel record naming the parameter.
//!
//! `switchyard dlq list|show|redrive|edit|purge`, `switchyard failures list`, `switchyard audit
//! list`, `switchyard orders get|find|retry` and `switchyard quarantine list|show|replay` are
//! the operators' loop (see `ops.rs`, which also documents the exit codes, `operate.rs`, and
//! the library modules `switchyard::{dlq, edit, orders, quarantine}`).
#![forbid(unsafe_code)]

mod in_aws;
mod inventory;
mod keys;
mod operate;
mod ops;
mod replay_cmd;
mod secrets;

use anyhow::{Context, bail};
use chrono::{DateTime, Duration, Utc};
use clap::{Args, Parser, Subcommand};
use rust_decimal::Decimal;
use serde_json::json;
use switchyard_channels::{
    Allocation, AllocationError, AmazonSeller, ApiKey, Channel, ChannelDirectory, ChannelKind,
    DynamoDbChannelDirectory, EdifactPartner, InventoryAdvice, IssuedApiKey, MappingOptions,
    StockPush, TradingPartner, X12Acknowledgment, key_id,
};
use switchyard_model::{ChannelName, Sku};
use switchyard_secrets::{SecretStore, SsmSecretStore};

use crate::secrets::{new_secret_value, store_secret};

#[derive(Parser)]
#[command(
    name = "switchyard",
    about = "Operate Switchyard: channels, inventory, dead-letter queues, failures, audit",
    after_help = ops::EXIT_HELP
)]
struct Cli {
    /// The channels table.
    #[arg(
        long,
        env = "SWITCHYARD_CHANNELS_TABLE",
        global = true,
        default_value = "switchyard-channels"
    )]
    channels_table: String,
    /// Prefix of the SSM parameters that hold channel secrets.
    #[arg(
        long,
        env = "SWITCHYARD_SECRETS_PREFIX",
        global = true,
        default_value = "/switchyard"
    )]
    secrets_prefix: String,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Manage sales channels.
    #[command(subcommand)]
    Channels(Channels),
    /// Stock and prices from the ERP to the channels: status and resync.
    #[command(subcommand)]
    Inventory(inventory::Inventory),
    /// Dead-letter queues: list, show, redrive, purge (stack prefix from `SWITCHYARD_PREFIX`, default `switchyard`).
    #[command(subcommand, after_help = ops::EXIT_HELP)]
    Dlq(ops::DlqCommand),
    /// Failure records (the ops table, `SWITCHYARD_OPS_TABLE`).
    #[command(subcommand, after_help = ops::EXIT_HELP)]
    Failures(ops::FailuresCommand),
    /// The audit trail of operator actions (the ops table).
    #[command(subcommand, after_help = ops::EXIT_HELP)]
    Audit(ops::AuditCommand),
    /// Replay events from the bus's EventBridge archive to the rules routing their types (a dry run unless --execute).
    Replay(replay_cmd::ReplayArgs),
    /// One order: status, history, ERP reference, failure records; retry (`SWITCHYARD_ORDERS_TABLE`).
    #[command(subcommand, after_help = ops::EXIT_HELP)]
    Orders(operate::OrdersCommand),
    /// Deliveries kept because they could not be read: list, show, replay.
    #[command(subcommand, after_help = ops::EXIT_HELP)]
    Quarantine(operate::QuarantineCommand),
}

#[derive(Subcommand)]
enum Channels {
    /// Create a channel and issue its first API key (and signing secret), printed once.
    Add(Box<AddChannel>),
    /// List channels.
    List,
    /// Show one channel (secrets by reference only) and its API keys: id, state, created,
    /// expires, last used (to within 5 minutes), revoked.
    Show {
        /// Channel name.
        name: String,
        /// Print `{"channel": …, "api_keys": […]}`.
        #[arg(long)]
        json: bool,
    },
    /// Issue an additional API key for a channel (printed once, with its id); the old keys keep
    /// working until `revoke-key`.
    RotateKey {
        /// Channel name.
        name: String,
        /// The new key stops working after this long (e.g. `90d`, `12h`).
        #[arg(long, conflicts_with = "expires_at", value_parser = keys::parse_lifetime)]
        expires_in: Option<std::time::Duration>,
        /// The new key stops working at this time (RFC 3339, in the future).
        #[arg(long, value_parser = keys::parse_expiry_time)]
        expires_at: Option<DateTime<Utc>>,
        /// Print the result as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Revoke a channel's API keys, all or one (by id): refused with 401 from the next request.
    RevokeKey(keys::RevokeKey),
    /// Add a new webhook signing secret; the current ones keep verifying for a grace period.
    RotateSecret {
        /// Channel name.
        name: String,
        /// Read the new secret from this environment variable (e.g. the app secret Shopify
        /// shows); when omitted, one is generated and printed once.
        #[arg(long)]
        secret_env: Option<String>,
        /// Hours the previous secrets keep verifying (0 retires them at once).
        #[arg(long, default_value_t = 24)]
        grace_hours: i64,
        /// Print the result as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Set how much of the available stock the channel is shown (its reads of
    /// `GET /v1/inventory`, its validations and its pushers): a share after a safety stock, up
    /// to a cap, in whole units where the unit counts them. `--clear` shows it everything again.
    SetAllocation(SetAllocation),
    /// Push the channel's stock levels to its own API (Shopify, WooCommerce, Amazon), or stop.
    SetStockPush(SetStockPush),
    /// X12 partners: write an 846 inventory advice of these SKUs (allocation applied) into the
    /// partner's outbox every so many minutes, or stop (`--off`).
    SetInventoryAdvice(SetInventoryAdvice),
    /// X12 partners: answer their functional groups with 997s or with 999s (005010X231A1).
    SetAcknowledgment {
        /// Channel name (an x12 channel).
        name: String,
        /// `997` or `999`.
        acknowledgment: X12Acknowledgment,
        /// Print the result as JSON.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Args)]
struct SetInventoryAdvice {
    /// Channel name (an x12 channel).
    name: String,
    /// Minutes between advices, 5 to 1440; periods start at multiples of it since the epoch.
    #[arg(long, required_unless_present = "off")]
    every_minutes: Option<u32>,
    /// A SKU to advise; repeat for each (the partner's assortment of ours).
    #[arg(long = "sku", value_parser = parse_sku, required_unless_present = "off")]
    skus: Vec<Sku>,
    /// Our interchange id in the advices, `QUALIFIER:ID` (ISA05:ISA06).
    #[arg(long, default_value = "ZZ:SWITCHYARD")]
    sender: String,
    /// BIA02 report type the partner asks for (`MB` manufacturer/distributor inventory report,
    /// `SI` seller inventory report, …).
    #[arg(long, default_value = "MB")]
    report_type: String,
    /// Stop sending inventory advices.
    #[arg(long, conflicts_with_all = ["every_minutes", "skus"])]
    off: bool,
    /// Print the result as JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
struct SetStockPush {
    /// Channel name.
    name: String,
    /// The channel API's base URL: the Shopify shop (`https://{shop}.myshopify.com`) or the
    /// WooCommerce site. Amazon channels use their seller's SP-API endpoint and need none.
    #[arg(long)]
    endpoint: Option<String>,
    /// Shopify: the location (a GID, `gid://shopify/Location/…`) whose stock the channel sells.
    #[arg(long)]
    location_id: Option<String>,
    /// Environment variable holding the credential (Shopify: the Admin API access token;
    /// WooCommerce: `consumer_key:consumer_secret`); stored in the secret store, never printed.
    #[arg(long)]
    credential_env: Option<String>,
    /// Stop pushing stock to the channel.
    #[arg(long, conflicts_with_all = ["endpoint", "location_id", "credential_env"])]
    off: bool,
    /// Print the result as JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
struct SetAllocation {
    /// Channel name.
    name: String,
    /// Percent of the available stock (after the safety stock) the channel is shown, 0 to 100.
    #[arg(long, required_unless_present = "clear")]
    share: Option<Decimal>,
    /// Units kept back from this channel before its share is taken.
    #[arg(long, conflicts_with = "clear")]
    safety_stock: Option<Decimal>,
    /// The most this channel is ever shown of one SKU.
    #[arg(long, conflicts_with = "clear")]
    cap: Option<Decimal>,
    /// Remove the allocation: the channel is shown all of the available stock.
    #[arg(long, conflicts_with = "share")]
    clear: bool,
    /// Print what would be stored and store nothing.
    #[arg(long)]
    dry_run: bool,
    /// Print the result as JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
struct AddChannel {
    /// Channel name, e.g. `demo-shop`.
    name: String,
    /// api, shopify, woocommerce, standard-webhooks, x12, edifact or amazon-sp-api.
    #[arg(long, default_value = "api")]
    kind: ChannelKind,
    /// ERP customer used when an order names none.
    #[arg(long)]
    default_customer: Option<String>,
    /// Requests per second the channel may make.
    #[arg(long)]
    rate_limit: Option<u32>,
    /// Webhook kinds: read the signing secret from this environment variable (Shopify shows
    /// the app's secret; WooCommerce and partners take one you give them). Generated if omitted.
    #[arg(long)]
    secret_env: Option<String>,
    /// SKU for storefront line items without one (custom items); unset refuses such orders.
    #[arg(long, value_parser = parse_sku)]
    custom_item_sku: Option<Sku>,
    /// x12: the partner's ISA05 sender qualifier, e.g. `ZZ`.
    #[arg(long, requires = "isa_id")]
    isa_qualifier: Option<String>,
    /// x12: the partner's ISA06 sender id.
    #[arg(long, requires = "isa_qualifier")]
    isa_id: Option<String>,
    /// x12: the acknowledgment the partner's functional groups get, 997 (default) or 999
    /// (005010X231A1).
    #[arg(long, requires = "isa_id")]
    acknowledgment: Option<X12Acknowledgment>,
    /// edifact: the partner's UNB sender identification code qualifier (S002 0007), e.g. `14`
    /// for a GLN or `ZZZ` (mutually defined).
    #[arg(long, requires = "unb_id")]
    unb_qualifier: Option<String>,
    /// edifact: the partner's UNB sender identification (S002 0004), e.g. a GLN.
    #[arg(long)]
    unb_id: Option<String>,
    /// x12: PO1 product id qualifiers holding the SKU, in order (default VN,VP).
    #[arg(long, value_delimiter = ',')]
    sku_qualifiers: Vec<String>,
    /// x12: currency of orders without a CUR segment (default USD).
    #[arg(long)]
    currency: Option<String>,
    #[command(flatten)]
    amazon: AmazonArgs,
    /// The API key stops working after this long (e.g. `90d`); default: never.
    #[arg(long, conflicts_with = "key_expires_at", value_parser = keys::parse_lifetime)]
    key_expires_in: Option<std::time::Duration>,
    /// The API key stops working at this time (RFC 3339, in the future).
    #[arg(long, value_parser = keys::parse_expiry_time)]
    key_expires_at: Option<DateTime<Utc>>,
    /// Print the result as JSON (for scripts).
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
struct AmazonArgs {
    /// amazon-sp-api: the seller id (merchant token) notifications carry.
    #[arg(long)]
    amazon_seller_id: Option<String>,
    /// amazon-sp-api: marketplace id.
    #[arg(long, default_value = "ATVPDKIKX0DER")]
    amazon_marketplace_id: String,
    /// amazon-sp-api: SP-API endpoint.
    #[arg(long, default_value = "https://sellingpartnerapi-na.amazon.com")]
    amazon_endpoint: String,
    /// amazon-sp-api: Login with Amazon token URL.
    #[arg(long, default_value = "https://api.amazon.com/auth/o2/token")]
    amazon_token_url: String,
    /// amazon-sp-api: LWA client id.
    #[arg(long)]
    amazon_client_id: Option<String>,
    /// amazon-sp-api: environment variable holding the LWA client secret.
    #[arg(long)]
    amazon_client_secret_env: Option<String>,
    /// amazon-sp-api: environment variable holding the seller's refresh token.
    #[arg(long)]
    amazon_refresh_token_env: Option<String>,
}

fn signs_webhooks(kind: ChannelKind) -> bool {
    matches!(
        kind,
        ChannelKind::Shopify | ChannelKind::Woocommerce | ChannelKind::StandardWebhooks
    )
}

fn parse_sku(text: &str) -> Result<Sku, String> {
    Sku::try_from(text)
}

fn from_env(var: &str) -> anyhow::Result<String> {
    std::env::var(var).with_context(|| format!("environment variable {var} is not set"))
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let config = switchyard_platform::aws::load_config().await;
    let directory =
        DynamoDbChannelDirectory::new(aws_sdk_dynamodb::Client::new(&config), &cli.channels_table);
    let secrets = SsmSecretStore::new(aws_sdk_ssm::Client::new(&config));
    let prefix = cli.secrets_prefix.trim_end_matches('/');
    match cli.command {
        Command::Dlq(command) => std::process::exit(ops::run_dlq(command, &config).await),
        Command::Failures(command) => std::process::exit(ops::run_failures(command, &config).await),
        Command::Audit(command) => std::process::exit(ops::run_audit(command, &config).await),
        Command::Replay(args) => std::process::exit(replay_cmd::run(args, &config).await),
        Command::Orders(command) => std::process::exit(operate::run_orders(command, &config).await),
        Command::Quarantine(command) => {
            std::process::exit(operate::run_quarantine(command, &config).await)
        }
        Command::Inventory(command) => {
            inventory::run(command, &config, &directory).await?;
        }
        Command::Channels(Channels::Add(add)) => {
            add_channel(&directory, &secrets, prefix, *add).await?;
        }
        Command::Channels(Channels::List) => {
            for c in directory.list().await? {
                println!(
                    "{:<24} {:<18} default customer: {:<16} stock shown: {}",
                    c.name.as_str(),
                    serde_json::to_value(c.kind)?.as_str().unwrap_or("?"),
                    c.default_customer.as_deref().unwrap_or("-"),
                    describe_allocation(c.allocation.as_ref())
                );
            }
        }
        Command::Channels(Channels::Show { name, json }) => {
            let channel = existing(&directory, name).await?;
            let api_keys = directory
                .api_keys(&channel.name)
                .await
                .context("listing the channel's API keys")?;
            let now = Utc::now();
            if json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&json!({
                        "channel": channel,
                        "api_keys": api_keys.iter().map(|k| keys::key_json(k, now)).collect::<Vec<_>>(),
                    }))?
                );
            } else {
                println!("{}", serde_json::to_string_pretty(&channel)?);
                println!(
                    "stock shown: {}",
                    describe_allocation(channel.allocation.as_ref())
                );
                keys::print_keys(&api_keys, now);
            }
        }
        Command::Channels(Channels::RevokeKey(revoke)) => {
            std::process::exit(keys::run_revoke(&directory, &config, revoke).await)
        }
        Command::Channels(Channels::SetAllocation(set)) => {
            let mut channel = existing(&directory, set.name.clone()).await?;
            channel.allocation = allocation_from(&set)?;
            if !set.dry_run {
                directory
                    .put(&channel)
                    .await
                    .context("storing the channel")?;
            }
            if set.json {
                println!(
                    "{}",
                    json!({"name": channel.name, "allocation": channel.allocation, "dry_run": set.dry_run})
                );
            } else {
                println!(
                    "{}channel {}: stock shown: {}",
                    if set.dry_run {
                        "(dry run, nothing stored) "
                    } else {
                        ""
                    },
                    channel.name,
                    describe_allocation(channel.allocation.as_ref())
                );
            }
        }
        Command::Channels(Channels::SetStockPush(set)) => {
            let mut channel = existing(&directory, set.name.clone()).await?;
            channel.stock_push = stock_push_from(&channel, &set, &secrets, prefix).await?;
            directory
                .put(&channel)
                .await
                .context("storing the channel")?;
            if set.json {
                println!(
                    "{}",
                    json!({"name": channel.name, "stock_push": channel.stock_push})
                );
            } else {
                println!(
                    "channel {}: {}",
                    channel.name,
                    match &channel.stock_push {
                        Some(push) => format!(
                            "stock pushed to {}",
                            push.endpoint
                                .as_deref()
                                .unwrap_or("its seller's SP-API endpoint")
                        ),
                        None => "stock not pushed".into(),
                    }
                );
            }
        }
        Command::Channels(Channels::SetInventoryAdvice(set)) => {
            let mut channel = existing(&directory, set.name.clone()).await?;
            channel.inventory_advice = inventory_advice_from(&channel, &set)?;
            directory
                .put(&channel)
                .await
                .context("storing the channel")?;
            if set.json {
                println!(
                    "{}",
                    json!({"name": channel.name, "inventory_advice": channel.inventory_advice})
                );
            } else {
                println!(
                    "channel {}: {}",
                    channel.name,
                    describe_inventory_advice(channel.inventory_advice.as_ref())
                );
            }
        }
        Command::Channels(Channels::SetAcknowledgment {
            name,
            acknowledgment,
            json,
        }) => {
            let mut channel = existing(&directory, name).await?;
            let Some(partner) = channel.trading_partner.as_mut() else {
                bail!("channel {} is not an X12 trading partner", channel.name);
            };
            partner.acknowledgment = acknowledgment;
            directory
                .put(&channel)
                .await
                .context("storing the channel")?;
            if json {
                println!(
                    "{}",
                    json!({"name": channel.name, "acknowledgment": acknowledgment})
                );
            } else {
                println!(
                    "channel {}: functional groups are acknowledged with {}s",
                    channel.name,
                    acknowledgment.set_id()
                );
            }
        }
        Command::Channels(Channels::RotateKey {
            name,
            expires_in,
            expires_at,
            json,
        }) => {
            let expires = keys::expiry(expires_in, expires_at, Utc::now());
            let channel = existing(&directory, name).await?;
            let key = issue_key(&directory, &channel.name, expires).await?;
            print_issued(&channel, Some((&key, expires)), None, json);
        }
        Command::Channels(Channels::RotateSecret {
            name,
            secret_env,
            grace_hours,
            json,
        }) => {
            let mut channel = existing(&directory, name).await?;
            if !signs_webhooks(channel.kind) {
                bail!("channel {} does not receive signed webhooks", channel.name);
            }
            let (value, generated) = match secret_env {
                Some(var) => (from_env(&var)?, false),
                None => (new_secret_value(channel.kind), true),
            };
            let now = Utc::now();
            let secret =
                store_secret(&secrets, prefix, &channel.name, "webhook", &value, now).await?;
            channel.rotate_secret(secret, now + Duration::hours(grace_hours.max(0)));
            directory
                .put(&channel)
                .await
                .context("storing the channel")?;
            print_issued(&channel, None, generated.then_some(value.as_str()), json);
        }
    }
    Ok(())
}

/// The subscription `set-inventory-advice` asks for, checked; `None` with `--off`.
fn inventory_advice_from(
    channel: &Channel,
    set: &SetInventoryAdvice,
) -> anyhow::Result<Option<InventoryAdvice>> {
    if set.off {
        return Ok(None);
    }
    if channel.kind != ChannelKind::X12 {
        bail!(
            "channel {} is not an x12 channel: inventory advices (846) are for X12 trading partners",
            channel.name
        );
    }
    if channel.trading_partner.is_none() {
        bail!(
            "channel {} has no ISA id to address the advices to",
            channel.name
        );
    }
    let Some((qualifier, id)) = set.sender.split_once(':') else {
        bail!("--sender is QUALIFIER:ID, such as ZZ:SWITCHYARD");
    };
    let advice = InventoryAdvice {
        every_minutes: set.every_minutes.unwrap_or_default(),
        skus: set.skus.clone(),
        sender: TradingPartner::new(qualifier.trim(), id.trim()),
        report_type: set.report_type.trim().to_ascii_uppercase(),
    }
    .checked()?;
    Ok(Some(advice))
}

/// One line for people: `846 every 60 minutes: A, B`, or `no inventory advice`.
fn describe_inventory_advice(advice: Option<&InventoryAdvice>) -> String {
    match advice {
        None => "no inventory advice".into(),
        Some(a) => format!(
            "846 every {} minutes: {}",
            a.every_minutes,
            a.skus
                .iter()
                .map(|s| s.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// The rule `set-allocation` asks for, checked by [`Allocation::new`]; `None` clears it.
/// The stock push a `set-stock-push` asks for, its credential stored in the secret store.
async fn stock_push_from(
    channel: &Channel,
    set: &SetStockPush,
    secrets: &dyn SecretStore,
    prefix: &str,
) -> anyhow::Result<Option<StockPush>> {
    if set.off {
        return Ok(None);
    }
    match channel.kind {
        ChannelKind::Shopify
            if set.endpoint.is_none()
                || set.location_id.is_none()
                || set.credential_env.is_none() =>
        {
            bail!(
                "a Shopify channel needs --endpoint (the shop URL), --location-id and --credential-env (the access token)"
            )
        }
        ChannelKind::Woocommerce if set.endpoint.is_none() || set.credential_env.is_none() => {
            bail!(
                "a WooCommerce channel needs --endpoint (the site URL) and --credential-env (consumer_key:consumer_secret)"
            )
        }
        ChannelKind::AmazonSpApi if channel.amazon.is_none() => {
            bail!("this Amazon channel has no seller settings")
        }
        ChannelKind::Shopify | ChannelKind::Woocommerce | ChannelKind::AmazonSpApi => {}
        other => bail!(
            "{} channels have no API to push stock to",
            serde_json::to_value(other)?.as_str().unwrap_or("these")
        ),
    }
    let credential = match &set.credential_env {
        Some(var) => Some(
            store_secret(
                secrets,
                prefix,
                &channel.name,
                "stock-push",
                &from_env(var)?,
                Utc::now(),
            )
            .await?
            .parameter,
        ),
        None => None,
    };
    Ok(Some(StockPush {
        endpoint: set.endpoint.clone(),
        location_id: set.location_id.clone(),
        credential,
    }))
}

fn allocation_from(set: &SetAllocation) -> Result<Option<Allocation>, AllocationError> {
    if set.clear {
        return Ok(None);
    }
    Allocation::new(
        set.share.unwrap_or(Decimal::ONE_HUNDRED),
        set.safety_stock.unwrap_or(Decimal::ZERO),
        set.cap,
    )
    .map(Some)
}

/// One line for people: `80% after 5 kept back, at most 100`, or `all available`.
fn describe_allocation(allocation: Option<&Allocation>) -> String {
    let Some(a) = allocation else {
        return "all available".into();
    };
    let mut text = format!("{}% of available", a.share_percent.normalize());
    if !a.safety_stock.is_zero() {
        text.push_str(&format!(" after {} kept back", a.safety_stock.normalize()));
    }
    if let Some(cap) = a.cap {
        text.push_str(&format!(", at most {}", cap.normalize()));
    }
    text
}

async fn existing(directory: &DynamoDbChannelDirectory, name: String) -> anyhow::Result<Channel> {
    let name = ChannelName::try_from(name).map_err(anyhow::Error::msg)?;
    directory
        .get(&name)
        .await?
        .with_context(|| format!("no channel {name}"))
}

async fn add_channel(
    directory: &DynamoDbChannelDirectory,
    secrets: &dyn SecretStore,
    prefix: &str,
    add: AddChannel,
) -> anyhow::Result<()> {
    let name = ChannelName::try_from(add.name).map_err(anyhow::Error::msg)?;
    if directory.get(&name).await?.is_some() {
        bail!(
            "channel {name} already exists; use `switchyard channels rotate-key {name}` for a new key"
        );
    }
    let now = Utc::now();
    let expires = keys::expiry(add.key_expires_in, add.key_expires_at, now);
    let mut channel = Channel {
        default_customer: add.default_customer,
        rate_limit_per_second: add.rate_limit,
        mapping: MappingOptions {
            custom_item_sku: add.custom_item_sku,
            sku_qualifiers: add.sku_qualifiers,
            currency: add.currency,
        },
        ..Channel::new(name, add.kind, now)
    };
    match (add.kind, add.isa_qualifier, add.isa_id) {
        (ChannelKind::X12, Some(isa_qualifier), Some(isa_id)) => {
            let mut partner = TradingPartner::new(&isa_qualifier, &isa_id);
            partner.acknowledgment = add.acknowledgment.unwrap_or_default();
            channel.trading_partner = Some(partner);
        }
        (ChannelKind::X12, _, _) => bail!("an x12 channel needs --isa-qualifier and --isa-id"),
        (_, Some(_), _) => bail!("--isa-qualifier and --isa-id are for x12 channels"),
        _ => {}
    }
    match (add.kind, add.unb_qualifier, add.unb_id) {
        (ChannelKind::Edifact, qualifier, Some(id)) => {
            if id.trim().is_empty() || id.len() > 35 {
                bail!("the UNB sender id is 1 to 35 characters, got {id:?}");
            }
            channel.edifact_partner =
                Some(EdifactPartner::new(qualifier.as_deref().unwrap_or(""), &id));
        }
        (ChannelKind::Edifact, _, None) => {
            bail!("an edifact channel needs --unb-id (and usually --unb-qualifier)")
        }
        (_, _, Some(_)) => bail!("--unb-qualifier and --unb-id are for edifact channels"),
        _ => {}
    }
    if add.kind == ChannelKind::AmazonSpApi {
        let a = add.amazon;
        let (Some(seller_id), Some(client_id), Some(secret_env), Some(token_env)) = (
            a.amazon_seller_id,
            a.amazon_client_id,
            a.amazon_client_secret_env,
            a.amazon_refresh_token_env,
        ) else {
            bail!(
                "an amazon-sp-api channel needs --amazon-seller-id, --amazon-client-id, --amazon-client-secret-env and --amazon-refresh-token-env"
            );
        };
        let client_secret = store_secret(
            secrets,
            prefix,
            &channel.name,
            "lwa-client-secret",
            &from_env(&secret_env)?,
            now,
        )
        .await?;
        let refresh_token = store_secret(
            secrets,
            prefix,
            &channel.name,
            "lwa-refresh-token",
            &from_env(&token_env)?,
            now,
        )
        .await?;
        channel.amazon = Some(AmazonSeller {
            seller_id,
            marketplace_id: a.amazon_marketplace_id,
            endpoint: a.amazon_endpoint,
            token_url: a.amazon_token_url,
            client_id,
            client_secret: client_secret.parameter,
            refresh_token: refresh_token.parameter,
        });
    }
    let mut shown_secret = None;
    if signs_webhooks(add.kind) {
        let (value, generated) = match add.secret_env {
            Some(var) => (from_env(&var)?, false),
            None => (new_secret_value(add.kind), true),
        };
        let secret = store_secret(secrets, prefix, &channel.name, "webhook", &value, now).await?;
        channel.secrets.push(secret);
        shown_secret = generated.then_some(value);
    }
    directory
        .put(&channel)
        .await
        .context("storing the channel")?;
    let key = issue_key(directory, &channel.name, expires).await?;
    print_issued(
        &channel,
        Some((&key, expires)),
        shown_secret.as_deref(),
        add.json,
    );
    Ok(())
}

async fn issue_key(
    directory: &DynamoDbChannelDirectory,
    name: &ChannelName,
    expires_at: Option<DateTime<Utc>>,
) -> anyhow::Result<IssuedApiKey> {
    let key = IssuedApiKey::generate();
    directory
        .put_api_key(&ApiKey::new(
            name.clone(),
            &key.hash,
            Utc::now(),
            expires_at,
        ))
        .await
        .context("storing the API key hash")?;
    Ok(key)
}

/// A key just issued, with its expiry.
type Issued<'a> = (&'a IssuedApiKey, Option<DateTime<Utc>>);

fn print_issued(channel: &Channel, key: Option<Issued<'_>>, secret: Option<&str>, json: bool) {
    if json {
        let mut out = json!({"name": channel.name, "kind": channel.kind});
        if let Some((key, expires_at)) = key {
            out["api_key"] = json!(key.secret);
            out["key_id"] = json!(key_id(&key.hash));
            out["key_expires_at"] = json!(expires_at);
        }
        if let Some(secret) = secret {
            out["secret"] = json!(secret);
        }
        if let Some(tp) = &channel.trading_partner {
            out["isa_qualifier"] = json!(tp.isa_qualifier);
            out["isa_id"] = json!(tp.isa_id);
            out["acknowledgment"] = json!(tp.acknowledgment);
        }
        if let Some(p) = &channel.edifact_partner {
            out["unb_qualifier"] = json!(p.qualifier);
            out["unb_id"] = json!(p.id);
        }
        if let Some(amazon) = &channel.amazon {
            out["seller_id"] = json!(amazon.seller_id);
        }
        println!("{out}");
    } else {
        println!("channel {} ({:?})", channel.name, channel.kind);
        if let Some((key, expires_at)) = key {
            println!("API key (shown once, store it now): {}", key.secret);
            println!(
                "key id: {}; expires: {}",
                key_id(&key.hash),
                expires_at.map_or_else(|| "never".to_string(), |at| at.to_rfc3339())
            );
        }
        if let Some(secret) = secret {
            println!("Webhook signing secret (shown once, give it to the sender): {secret}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_acknowledgment_is_997_or_999() {
        let parse = |args: &[&str]| {
            let mut argv = vec!["switchyard", "channels"];
            argv.extend_from_slice(args);
            Cli::try_parse_from(argv).map(|cli| cli.command)
        };
        match parse(&["set-acknowledgment", "acme-edi", "999"]).unwrap() {
            Command::Channels(Channels::SetAcknowledgment { acknowledgment, .. }) => {
                assert_eq!(acknowledgment, X12Acknowledgment::ImplementationAck)
            }
            _ => panic!("set-acknowledgment parses as itself"),
        }
        assert!(parse(&["set-acknowledgment", "acme-edi", "998"]).is_err());
        let add = [
            "add",
            "acme-edi",
            "--kind",
            "x12",
            "--isa-qualifier",
            "ZZ",
            "--isa-id",
            "ACME",
            "--acknowledgment",
            "999",
        ];
        match parse(&add).unwrap() {
            Command::Channels(Channels::Add(add)) => assert_eq!(
                add.acknowledgment,
                Some(X12Acknowledgment::ImplementationAck)
            ),
            _ => panic!("add parses as itself"),
        }
        assert!(
            parse(&["add", "shop", "--kind", "api", "--acknowledgment", "999"]).is_err(),
            "only with ISA ids"
        );
    }

    #[test]
    fn an_edifact_partner_is_added_with_its_unb_sender() {
        let argv = [
            "switchyard",
            "channels",
            "add",
            "hypermarkt",
            "--kind",
            "edifact",
            "--unb-qualifier",
            "14",
            "--unb-id",
            "5412345000013",
        ];
        match Cli::try_parse_from(argv).unwrap().command {
            Command::Channels(Channels::Add(add)) => {
                assert_eq!(add.kind, ChannelKind::Edifact);
                assert_eq!(add.unb_qualifier.as_deref(), Some("14"));
                assert_eq!(add.unb_id.as_deref(), Some("5412345000013"));
            }
            _ => panic!("add parses as itself"),
        }
        assert!(
            Cli::try_parse_from([
                "switchyard",
                "channels",
                "add",
                "h",
                "--kind",
                "edifact",
                "--unb-qualifier",
                "14"
            ])
            .is_err(),
            "a qualifier needs the id it qualifies"
        );
    }

    fn set_allocation(args: &[&str]) -> Result<SetAllocation, clap::Error> {
        let mut argv = vec!["switchyard", "channels", "set-allocation"];
        argv.extend_from_slice(args);
        match Cli::try_parse_from(argv)?.command {
            Command::Channels(Channels::SetAllocation(set)) => Ok(set),
            _ => unreachable!("set-allocation parses as itself"),
        }
    }

    #[test]
    fn an_allocation_is_parsed_checked_and_described() {
        let set = set_allocation(&[
            "market",
            "--share",
            "80",
            "--safety-stock",
            "5",
            "--cap",
            "100",
        ])
        .unwrap();
        let allocation = allocation_from(&set).unwrap().unwrap();
        assert_eq!(
            allocation,
            Allocation::new(80.into(), 5.into(), Some(100.into())).unwrap()
        );
        assert_eq!(
            describe_allocation(Some(&allocation)),
            "80% of available after 5 kept back, at most 100"
        );
        let share_only =
            allocation_from(&set_allocation(&["m", "--share", "62.5"]).unwrap()).unwrap();
        assert_eq!(
            describe_allocation(share_only.as_ref()),
            "62.5% of available"
        );
        let cleared = set_allocation(&["market", "--clear"]).unwrap();
        assert_eq!(allocation_from(&cleared).unwrap(), None);
        assert_eq!(describe_allocation(None), "all available");
    }

    #[test]
    fn impossible_or_contradictory_allocations_are_refused() {
        let over = set_allocation(&["market", "--share", "120"]).unwrap();
        assert_eq!(
            allocation_from(&over).unwrap_err().to_string(),
            "share_percent must be between 0 and 100, got 120"
        );
        let negative = set_allocation(&["market", "--share", "50", "--cap=-1"]).unwrap();
        assert!(allocation_from(&negative).is_err());
        assert!(
            set_allocation(&["market"]).is_err(),
            "a share or --clear is needed"
        );
        assert!(set_allocation(&["market", "--share", "50", "--clear"]).is_err());
        assert!(set_allocation(&["market", "--share", "eighty"]).is_err());
    }

    fn set_inventory_advice(args: &[&str]) -> Result<SetInventoryAdvice, clap::Error> {
        let mut argv = vec!["switchyard", "channels", "set-inventory-advice"];
        argv.extend_from_slice(args);
        match Cli::try_parse_from(argv)?.command {
            Command::Channels(Channels::SetInventoryAdvice(set)) => Ok(set),
            _ => unreachable!("set-inventory-advice parses as itself"),
        }
    }

    fn edi_partner() -> Channel {
        let mut c = Channel::new(
            ChannelName::try_from("acme-edi").unwrap(),
            ChannelKind::X12,
            Utc::now(),
        );
        c.trading_partner = Some(TradingPartner::new("ZZ", "ACMEBUYER"));
        c
    }

    #[test]
    fn an_inventory_advice_is_parsed_checked_and_described() {
        let set = set_inventory_advice(&[
            "acme-edi",
            "--every-minutes",
            "60",
            "--sku",
            "WIDGET-S",
            "--sku",
            "BOLT-M8",
        ])
        .unwrap();
        let advice = inventory_advice_from(&edi_partner(), &set).unwrap();
        assert_eq!(
            advice,
            Some(
                InventoryAdvice::new(
                    60,
                    vec![
                        Sku::try_from("WIDGET-S").unwrap(),
                        Sku::try_from("BOLT-M8").unwrap()
                    ]
                )
                .unwrap()
            )
        );
        assert_eq!(
            describe_inventory_advice(advice.as_ref()),
            "846 every 60 minutes: WIDGET-S, BOLT-M8"
        );
        let off = set_inventory_advice(&["acme-edi", "--off"]).unwrap();
        assert_eq!(inventory_advice_from(&edi_partner(), &off).unwrap(), None);
        let si = set_inventory_advice(&[
            "acme-edi",
            "--every-minutes=15",
            "--sku=A",
            "--sender=01:123456789",
            "--report-type=si",
        ])
        .unwrap();
        let si = inventory_advice_from(&edi_partner(), &si).unwrap().unwrap();
        assert_eq!(
            (si.sender.isa_qualifier.as_str(), si.report_type.as_str()),
            ("01", "SI")
        );
    }

    #[test]
    fn impossible_inventory_advices_and_non_x12_channels_are_refused() {
        let too_often =
            set_inventory_advice(&["acme-edi", "--every-minutes", "1", "--sku", "A"]).unwrap();
        assert_eq!(
            inventory_advice_from(&edi_partner(), &too_often)
                .unwrap_err()
                .to_string(),
            "every_minutes must be at least 5, got 1"
        );
        let twice = set_inventory_advice(&[
            "acme-edi",
            "--every-minutes",
            "5",
            "--sku",
            "A",
            "--sku",
            "A",
        ])
        .unwrap();
        assert!(inventory_advice_from(&edi_partner(), &twice).is_err());
        let bad_sender = set_inventory_advice(&[
            "acme-edi",
            "--every-minutes",
            "5",
            "--sku",
            "A",
            "--sender",
            "SWITCHYARD",
        ])
        .unwrap();
        assert!(inventory_advice_from(&edi_partner(), &bad_sender).is_err());
        let shop = Channel::new(
            ChannelName::try_from("demo-shop").unwrap(),
            ChannelKind::Shopify,
            Utc::now(),
        );
        let ok =
            set_inventory_advice(&["demo-shop", "--every-minutes", "60", "--sku", "A"]).unwrap();
        assert!(
            inventory_advice_from(&shop, &ok)
                .unwrap_err()
                .to_string()
                .contains("not an x12 channel")
        );
        assert!(
            set_inventory_advice(&["acme-edi", "--sku", "A"]).is_err(),
            "minutes needed"
        );
        assert!(
            set_inventory_advice(&["acme-edi", "--every-minutes", "60"]).is_err(),
            "SKUs needed"
        );
        assert!(
            set_inventory_advice(&["acme-edi", "--off", "--sku", "A"]).is_err(),
            "--off takes nothing else"
        );
        assert!(
            set_inventory_advice(&["acme-edi", "--every-minutes", "60", "--sku", "has space"])
                .is_err()
        );
    }
}
