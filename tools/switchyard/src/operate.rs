//! `switchyard orders …`, `switchyard quarantine …` and `switchyard dlq edit`: the clap wiring,
//! tables and `--json` of [`switchyard::orders`], [`switchyard::quarantine`] and
//! [`switchyard::edit`]. Exit codes are those of `ops.rs` (in every `--help`).

use std::sync::Arc;

use clap::Subcommand;
use serde_json::json;
use switchyard::dlq::{self, DlqError};
use switchyard::edit::EditError;
use switchyard::orders::OrdersError;
use switchyard::quarantine::{QuarantineError, ReplayPorts};
use switchyard_channels::DynamoDbChannelDirectory;
use switchyard_orders::{DynamoDbOrderStore, SqsQueue};
use switchyard_quarantine::SqsQuarantine;

use crate::exit_help;
use crate::ops::{
    EXIT_FAILED, EXIT_PARTIAL, EXIT_REFUSED, EXIT_USAGE, confirm, ops_ports, or_dash, out, prefix,
    print_json, table,
};

/// `switchyard orders …`.
#[derive(Subcommand)]
pub enum OrdersCommand {
    /// One order: status, history, ERP reference, failure records.
    #[command(after_help = concat!("Examples:\n  switchyard orders get 01JABCDEF0123456789ABCDEFG\n  switchyard orders get 01JABCDEF0123456789ABCDEFG --json", "\n\n", exit_help!()))]
    Get {
        /// The order id.
        id: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// The order a channel sent under its own id.
    #[command(after_help = concat!("Examples:\n  switchyard orders find --channel demo-shop --external-id PO-1001\n  switchyard orders find --channel demo-woo --external-id 4711 --json", "\n\n", exit_help!()))]
    Find {
        /// The channel.
        #[arg(long)]
        channel: String,
        /// The channel's order id.
        #[arg(long)]
        external_id: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Put an order the ERP has not decided yet (RECEIVED) back on the orders queue.
    #[command(after_help = concat!("Only a RECEIVED order without a pending cancellation is retried; an ACCEPTED, REJECTED, CANCELLED, shipped or invoiced order is refused (exit 4), so a retry never makes a second ERP sale. The processor claims the order by id and looks its sale up before creating one. Writes an audit entry (orders.retry).\n\nExamples:\n  switchyard orders retry 01JABCDEF0123456789ABCDEFG\n  switchyard orders retry 01JABCDEF0123456789ABCDEFG --yes --json", "\n\n", exit_help!()))]
    Retry {
        /// The order id.
        id: String,
        /// Do not ask for confirmation.
        #[arg(long)]
        yes: bool,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

/// `switchyard quarantine …`.
#[derive(Subcommand)]
pub enum QuarantineCommand {
    /// Every quarantined delivery (bodies left out), consuming none.
    #[command(after_help = concat!("The quarantine queue is SWITCHYARD_QUARANTINE_QUEUE_URL (or --queue); its own DLQ, where SQS moves a body looked at more than its maxReceiveCount times, is read with it.\n\nExamples:\n  switchyard quarantine list\n  switchyard quarantine list --json", "\n\n", exit_help!()))]
    List {
        /// The quarantine queue URL.
        #[arg(long, env = "SWITCHYARD_QUARANTINE_QUEUE_URL")]
        queue: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// One quarantined delivery with its body, consuming nothing.
    #[command(after_help = concat!("Examples:\n  switchyard quarantine show 5b1f…-message-id\n  switchyard quarantine show 5b1f…-message-id --json", "\n\n", exit_help!()))]
    Show {
        /// The SQS message id (from `quarantine list`).
        message_id: String,
        /// The quarantine queue URL.
        #[arg(long, env = "SWITCHYARD_QUARANTINE_QUEUE_URL")]
        queue: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Read a quarantined delivery again, with the channel's mapping as it is now (a dry run unless --execute).
    #[command(after_help = concat!("The body is read by the webhooks function's own reader with the channel's current mapping. Executed, a body that now reads is captured through the intake under the delivery's key (a second replay, or the sender's own retry, matches the same order) and deleted from the quarantine; one that still fails is kept again with its new reason (exit 3). X12 interchanges are checked only: one that now parses must be resent by the partner, whose 997 goes to its outbox. Writes an audit entry (quarantine.replay).\n\nExamples:\n  switchyard quarantine replay 5b1f…-message-id            # dry run: would it read now?\n  switchyard quarantine replay 5b1f…-message-id --execute --yes --json", "\n\n", exit_help!()))]
    Replay {
        /// The SQS message id (from `quarantine list`).
        message_id: String,
        /// The quarantine queue URL.
        #[arg(long, env = "SWITCHYARD_QUARANTINE_QUEUE_URL")]
        queue: String,
        /// Really capture it (otherwise: say what it would become, change nothing).
        #[arg(long)]
        execute: bool,
        /// Do not ask for confirmation.
        #[arg(long)]
        yes: bool,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

/// An error of one of these commands with its exit code.
struct Failed(i32, String);

impl From<DlqError> for Failed {
    fn from(e: DlqError) -> Self {
        let code = match e {
            DlqError::Usage(_) => EXIT_USAGE,
            _ => EXIT_FAILED,
        };
        Failed(code, e.to_string())
    }
}

impl From<OrdersError> for Failed {
    fn from(e: OrdersError) -> Self {
        let code = match e {
            OrdersError::NotFound(_) => EXIT_PARTIAL,
            OrdersError::NotRetryable(_) => EXIT_REFUSED,
            OrdersError::Usage(_) => EXIT_USAGE,
            OrdersError::Service(_) => EXIT_FAILED,
        };
        Failed(code, e.to_string())
    }
}

impl From<QuarantineError> for Failed {
    fn from(e: QuarantineError) -> Self {
        let code = match e {
            QuarantineError::NotFound(_) => EXIT_PARTIAL,
            QuarantineError::Service(_) => EXIT_FAILED,
        };
        Failed(code, e.to_string())
    }
}

impl From<EditError> for Failed {
    fn from(e: EditError) -> Self {
        let code = match e {
            EditError::Invalid(_) | EditError::Unchanged => EXIT_USAGE,
            EditError::NotFound(_) => EXIT_PARTIAL,
            EditError::Service(_) => EXIT_FAILED,
        };
        Failed(code, e.to_string())
    }
}

fn finish(result: Result<i32, Failed>) -> i32 {
    result.unwrap_or_else(|Failed(code, message)| {
        eprintln!("switchyard: {message}");
        code
    })
}

fn setting(name: &str) -> Result<String, Failed> {
    std::env::var(name).map_err(|_| Failed(EXIT_USAGE, format!("not configured: set {name}")))
}

fn order_store(config: &aws_config::SdkConfig) -> Result<DynamoDbOrderStore, Failed> {
    Ok(DynamoDbOrderStore::new(
        aws_sdk_dynamodb::Client::new(config),
        setting("SWITCHYARD_ORDERS_TABLE")?,
    ))
}

fn print_order(report: &switchyard::orders::OrderReport, json: bool) {
    if json {
        print_json(&serde_json::to_value(report).unwrap_or_default());
        return;
    }
    out(format_args!("order         {}", report.order_id));
    out(format_args!(
        "channel       {} (external id {})",
        report.channel, report.external_id
    ));
    out(format_args!("status        {}", report.status.as_str()));
    out(format_args!(
        "ERP reference {}",
        or_dash(report.erp_reference.as_ref())
    ));
    if let Some(r) = &report.rejection {
        out(format_args!("rejection     {}: {}", r.code, r.message));
    }
    if let Some(e) = &report.last_error {
        out(format_args!("last error    {e}"));
    }
    if let Some(c) = &report.cancellation {
        out(format_args!(
            "cancellation  {:?}{}",
            c.state,
            c.detail
                .as_ref()
                .map(|d| format!(": {d}"))
                .unwrap_or_default()
        ));
    }
    out(format_args!(
        "retryable     {}",
        if report.retryable { "yes" } else { "no" }
    ));
    out("");
    table(
        &["AT", "STATUS"],
        report
            .history
            .iter()
            .map(|h| vec![h.at.to_rfc3339(), h.status.as_str().to_string()])
            .collect(),
    );
    out("");
    if report.failures.is_empty() {
        out("no failure records");
    } else {
        table(
            &["CLASS", "ATTEMPTS", "LAST FAILED", "STATE", "ERROR"],
            report
                .failures
                .iter()
                .map(|r| {
                    vec![
                        r.class.as_str().into(),
                        r.attempts.to_string(),
                        r.last_failed_at.to_rfc3339(),
                        r.resolution
                            .as_ref()
                            .map_or_else(|| "open".into(), |res| format!("resolved: {}", res.how)),
                        r.error.clone(),
                    ]
                })
                .collect(),
        );
    }
}

/// Runs an `orders` command; returns the exit code.
pub async fn run_orders(command: OrdersCommand, config: &aws_config::SdkConfig) -> i32 {
    finish(orders_command(command, config).await)
}

async fn orders_command(
    command: OrdersCommand,
    config: &aws_config::SdkConfig,
) -> Result<i32, Failed> {
    let store = order_store(config)?;
    let ports = ops_ports(config)?;
    match command {
        OrdersCommand::Get { id, json } => {
            let id = switchyard::orders::parse_id(&id)?;
            print_order(&switchyard::orders::get(&store, &ports, id).await?, json);
            Ok(0)
        }
        OrdersCommand::Find {
            channel,
            external_id,
            json,
        } => {
            let report = switchyard::orders::find(&store, &ports, &channel, &external_id).await?;
            print_order(&report, json);
            Ok(0)
        }
        OrdersCommand::Retry { id, yes, json } => {
            let id = switchyard::orders::parse_id(&id)?;
            // Refuse a decided order before asking anything.
            let report = switchyard::orders::get(&store, &ports, id).await?;
            if !report.retryable {
                return Err(Failed(
                    EXIT_REFUSED,
                    format!(
                        "order {id} is {}{}: the ERP has decided it, so a retry is refused",
                        report.status.as_str(),
                        report
                            .erp_reference
                            .map(|r| format!(" (ERP reference {r})"))
                            .unwrap_or_default()
                    ),
                ));
            }
            confirm(&format!("put order {id} back on the orders queue?"), yes)?;
            let queue = SqsQueue::new(
                aws_sdk_sqs::Client::new(config),
                setting("SWITCHYARD_ORDERS_QUEUE_URL")?,
            );
            let actor = dlq::actor(&aws_sdk_sts::Client::new(config)).await?;
            let retried = switchyard::orders::retry(&store, &queue, &ports, &actor, id).await?;
            if json {
                print_json(&serde_json::to_value(&retried).unwrap_or_default());
            } else {
                out(format_args!(
                    "order {} ({}) is back on the orders queue as envelope {}",
                    retried.order_id,
                    retried.status.as_str(),
                    retried.envelope_id
                ));
                out(format_args!("audit entry {}", retried.audit_id));
            }
            Ok(0)
        }
    }
}

/// Runs a `quarantine` command; returns the exit code.
pub async fn run_quarantine(command: QuarantineCommand, config: &aws_config::SdkConfig) -> i32 {
    finish(quarantine_command(command, config).await)
}

async fn quarantine_command(
    command: QuarantineCommand,
    config: &aws_config::SdkConfig,
) -> Result<i32, Failed> {
    let sqs = aws_sdk_sqs::Client::new(config);
    match command {
        QuarantineCommand::List { queue, json } => {
            let items = switchyard::quarantine::list(&sqs, &queue).await?;
            if json {
                print_json(&json!({ "items": items }));
            } else {
                table(
                    &[
                        "MESSAGE", "QUEUE", "KEPT", "CHANNEL", "SOURCE", "DELIVERY", "REASON",
                    ],
                    items
                        .iter()
                        .map(|i| {
                            let d = i.delivery.as_ref();
                            vec![
                                i.message_id.clone(),
                                i.queue.clone(),
                                or_dash(i.sent_at.map(|t| t.to_rfc3339())),
                                or_dash(d.map(|d| d.channel.clone())),
                                or_dash(d.map(|d| d.source.clone())),
                                or_dash(d.and_then(|d| d.delivery_id.clone())),
                                or_dash(d.map(|d| d.reason.clone()))
                                    .chars()
                                    .take(120)
                                    .collect(),
                            ]
                        })
                        .collect(),
                );
            }
            Ok(if items.is_empty() { EXIT_PARTIAL } else { 0 })
        }
        QuarantineCommand::Show {
            message_id,
            queue,
            json,
        } => {
            let item = switchyard::quarantine::show(&sqs, &queue, &message_id).await?;
            if json {
                print_json(&serde_json::to_value(&item).unwrap_or_default());
            } else if let Some(d) = &item.delivery {
                out(format_args!("message      {}", item.message_id));
                out(format_args!("channel      {}", d.channel));
                out(format_args!("source       {}", d.source));
                out(format_args!(
                    "delivery id  {}",
                    or_dash(d.delivery_id.as_ref())
                ));
                out(format_args!("received at  {}", d.received_at.to_rfc3339()));
                out(format_args!(
                    "content type {}",
                    or_dash(d.content_type.as_ref())
                ));
                out(format_args!("reason       {}", d.reason));
                out(format_args!(
                    "body{}",
                    if d.body_base64 { " (base64)" } else { "" }
                ));
                out(&d.body);
            } else {
                out(format_args!(
                    "message {} (not a quarantined delivery):",
                    item.message_id
                ));
                out(item.raw.as_deref().unwrap_or_default());
            }
            Ok(0)
        }
        QuarantineCommand::Replay {
            message_id,
            queue,
            execute,
            yes,
            json,
        } => {
            if execute {
                confirm(&format!("replay quarantined delivery {message_id}?"), yes)?;
            }
            let dynamodb = aws_sdk_dynamodb::Client::new(config);
            let ports = ReplayPorts {
                channels: Arc::new(DynamoDbChannelDirectory::new(
                    dynamodb,
                    setting("SWITCHYARD_CHANNELS_TABLE")?,
                )),
                intake: switchyard_intake::aws::intake(config)
                    .map_err(|e| Failed(EXIT_USAGE, e.to_string()))?,
                quarantine: Arc::new(SqsQuarantine::new(sqs.clone(), queue.clone())),
                audit: ops_ports(config)?.audit,
            };
            let actor = dlq::actor(&aws_sdk_sts::Client::new(config)).await?;
            let replayed =
                switchyard::quarantine::replay(&sqs, &queue, &ports, &actor, &message_id, execute)
                    .await?;
            if json {
                print_json(&serde_json::to_value(&replayed).unwrap_or_default());
            } else {
                out(format_args!(
                    "{} ({} {}): {}{}{}",
                    replayed.message_id,
                    replayed.channel,
                    replayed.source,
                    replayed.result,
                    replayed
                        .order_id
                        .as_ref()
                        .map(|id| format!(", order {id}"))
                        .unwrap_or_default(),
                    replayed
                        .external_id
                        .as_ref()
                        .map(|id| format!(" (external id {id})"))
                        .unwrap_or_default(),
                ));
                if let Some(reason) = &replayed.reason {
                    out(format_args!("  {reason}"));
                }
                out(format_args!("  quarantine: {}", replayed.quarantine));
                if let Some(id) = &replayed.audit_id {
                    out(format_args!("audit entry {id}"));
                }
            }
            Ok(match replayed.result.as_str() {
                "still-unreadable" | "resend-needed" => EXIT_PARTIAL,
                _ => 0,
            })
        }
    }
}

/// `dlq edit`'s arguments.
pub struct EditArgs {
    /// The DLQ.
    pub queue: String,
    /// The message.
    pub message_id: String,
    /// The new body's file, else an editor.
    pub body_file: Option<std::path::PathBuf>,
    /// Another target than the source queue.
    pub to: Option<String>,
    /// No confirmation.
    pub yes: bool,
    /// JSON output.
    pub json: bool,
}

/// Runs `dlq edit`; the `Ok` is the exit code (errors of its own are printed here, so that a
/// missing message is exit 3 and a refused body exit 2).
pub async fn dlq_edit(
    sqs: &aws_sdk_sqs::Client,
    config: &aws_config::SdkConfig,
    args: EditArgs,
) -> Result<i32, DlqError> {
    Ok(finish(edit_command(sqs, config, args).await))
}

async fn edit_command(
    sqs: &aws_sdk_sqs::Client,
    config: &aws_config::SdkConfig,
    args: EditArgs,
) -> Result<i32, Failed> {
    let prefix = prefix();
    let prefix = prefix.as_deref();
    let dlq = dlq::resolve(sqs, &args.queue, prefix).await?;
    let original = switchyard::edit::body_of(sqs, &dlq, &args.message_id).await?;
    let new_body = match &args.body_file {
        Some(path) => std::fs::read_to_string(path)
            .map_err(|e| Failed(EXIT_USAGE, format!("cannot read {}: {e}", path.display())))?,
        None => edit_in_editor(&original)?,
    };
    // Refuse a bad body before asking anything (the library checks again).
    switchyard::edit::validate(&dlq.flow, &original, &new_body)
        .map_err(|reason| Failed::from(EditError::Invalid(reason)))?;
    let target = match args.to {
        Some(to) => to,
        None => dlq::source_of(sqs, &dlq, prefix).await?,
    };
    confirm(
        &format!(
            "send the edited message {} to {target} and delete it from {}?",
            args.message_id, dlq.name
        ),
        args.yes,
    )?;
    let ports = ops_ports(config)?;
    let actor = dlq::actor(&aws_sdk_sts::Client::new(config)).await?;
    let edited = switchyard::edit::edit(
        sqs,
        &ports,
        &actor,
        &dlq,
        &target,
        &args.message_id,
        &new_body,
    )
    .await?;
    if args.json {
        print_json(&serde_json::to_value(&edited).unwrap_or_default());
    } else {
        out(format_args!(
            "sent the edited {} to {} as {}; deleted {} from {}",
            edited.kind.as_deref().unwrap_or("message"),
            edited.target,
            edited.new_message_id.as_deref().unwrap_or("-"),
            edited.message_id,
            edited.queue
        ));
        out(format_args!("audit entry {}", edited.audit_id));
    }
    Ok(0)
}

/// Opens `$EDITOR` (else `vi`) on a temporary file holding `body`; returns what was saved.
/// The body is pretty-printed when it is JSON, so that a person can edit it; the edited JSON is
/// sent compact again.
fn edit_in_editor(body: &str) -> Result<String, Failed> {
    let shown = serde_json::from_str::<serde_json::Value>(body)
        .ok()
        .and_then(|v| serde_json::to_string_pretty(&v).ok())
        .unwrap_or_else(|| body.to_string());
    let file = tempfile::Builder::new()
        .prefix("switchyard-dlq-edit-")
        .suffix(".json")
        .tempfile()
        .map_err(|e| Failed(EXIT_FAILED, format!("temporary file: {e}")))?;
    std::fs::write(file.path(), shown)
        .map_err(|e| Failed(EXIT_FAILED, format!("temporary file: {e}")))?;
    let editor = std::env::var("EDITOR")
        .ok()
        .filter(|e| !e.trim().is_empty())
        .unwrap_or_else(|| "vi".into());
    // `$EDITOR` may carry arguments (`code --wait`), so it goes through the shell as git does.
    let status = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!("{editor} \"$1\""))
        .arg("sh")
        .arg(file.path())
        .status()
        .map_err(|e| Failed(EXIT_FAILED, format!("cannot run {editor}: {e}")))?;
    if !status.success() {
        return Err(Failed(
            EXIT_USAGE,
            format!("{editor} exited with {status}: nothing sent"),
        ));
    }
    let edited = std::fs::read_to_string(file.path())
        .map_err(|e| Failed(EXIT_FAILED, format!("temporary file: {e}")))?;
    Ok(match serde_json::from_str::<serde_json::Value>(&edited) {
        Ok(value) => value.to_string(),
        Err(_) => edited,
    })
}
