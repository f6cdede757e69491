//! `switchyard`: the operator CLI.
//!
//! `switchyard channels add|list|show|rotate-key` manages channel records in the channels table
//! (`SWITCHYARD_CHANNELS_TABLE`, AWS settings from the usual environment, `AWS_ENDPOINT_URL`
//! for the local emulator). API keys are printed once, when issued; only their hash is stored.
#![forbid(unsafe_code)]

use anyhow::{Context, bail};
use chrono::Utc;
use clap::{Parser, Subcommand};
use switchyard_model::ChannelName;
use switchyard_platform::channels::{
    Channel, ChannelDirectory, ChannelKind, DynamoDbChannelDirectory, IssuedApiKey,
};

#[derive(Parser)]
#[command(
    name = "switchyard",
    about = "Operate Switchyard: channels (more to come)"
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
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Manage sales channels.
    #[command(subcommand)]
    Channels(Channels),
}

#[derive(Subcommand)]
enum Channels {
    /// Create a channel and issue its first API key (printed once).
    Add {
        /// Channel name, e.g. `demo-shop`.
        name: String,
        /// api, shopify, woocommerce, standard-webhooks, x12 or amazon-sp-api.
        #[arg(long, default_value = "api")]
        kind: ChannelKind,
        /// ERP customer used when an order names none.
        #[arg(long)]
        default_customer: Option<String>,
        /// Requests per second the channel may make.
        #[arg(long)]
        rate_limit: Option<u32>,
        /// Print the result as JSON (for scripts).
        #[arg(long)]
        json: bool,
    },
    /// List channels.
    List,
    /// Show one channel.
    Show {
        /// Channel name.
        name: String,
    },
    /// Issue an additional API key for a channel (printed once).
    RotateKey {
        /// Channel name.
        name: String,
        /// Print the result as JSON.
        #[arg(long)]
        json: bool,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let config = switchyard_platform::aws::load_config().await;
    let directory =
        DynamoDbChannelDirectory::new(aws_sdk_dynamodb::Client::new(&config), &cli.channels_table);
    match cli.command {
        Command::Channels(Channels::Add {
            name,
            kind,
            default_customer,
            rate_limit,
            json,
        }) => {
            let name = ChannelName::try_from(name).map_err(anyhow::Error::msg)?;
            if directory.get(&name).await?.is_some() {
                bail!(
                    "channel {name} already exists; use `switchyard channels rotate-key {name}` for a new key"
                );
            }
            let channel = Channel {
                name,
                kind,
                default_customer,
                rate_limit_per_second: rate_limit,
                created_at: Utc::now(),
            };
            directory
                .put(&channel)
                .await
                .context("storing the channel")?;
            let key = issue_key(&directory, &channel.name).await?;
            print_key(&channel, &key, json);
        }
        Command::Channels(Channels::List) => {
            for c in directory.list().await? {
                println!(
                    "{:<24} {:<18} default customer: {}",
                    c.name.as_str(),
                    serde_json::to_value(c.kind)?.as_str().unwrap_or("?"),
                    c.default_customer.as_deref().unwrap_or("-")
                );
            }
        }
        Command::Channels(Channels::Show { name }) => {
            let name = ChannelName::try_from(name).map_err(anyhow::Error::msg)?;
            let channel = directory
                .get(&name)
                .await?
                .with_context(|| format!("no channel {name}"))?;
            println!("{}", serde_json::to_string_pretty(&channel)?);
        }
        Command::Channels(Channels::RotateKey { name, json }) => {
            let name = ChannelName::try_from(name).map_err(anyhow::Error::msg)?;
            let channel = directory
                .get(&name)
                .await?
                .with_context(|| format!("no channel {name}"))?;
            let key = issue_key(&directory, &channel.name).await?;
            print_key(&channel, &key, json);
        }
    }
    Ok(())
}

async fn issue_key(
    directory: &DynamoDbChannelDirectory,
    name: &ChannelName,
) -> anyhow::Result<IssuedApiKey> {
    let key = IssuedApiKey::generate();
    directory
        .add_api_key(name, &key.hash)
        .await
        .context("storing the API key hash")?;
    Ok(key)
}

fn print_key(channel: &Channel, key: &IssuedApiKey, json: bool) {
    if json {
        println!(
            "{}",
            serde_json::json!({"name": channel.name, "kind": channel.kind, "api_key": key.secret})
        );
    } else {
        println!("channel {} ({:?})", channel.name, channel.kind);
        println!("API key (shown once, store it now): {}", key.secret);
    }
}
