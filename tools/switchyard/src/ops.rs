//! `switchyard dlq …`, `switchyard failures list`, `switchyard audit list`: the clap wiring of
//! [`switchyard::dlq`] and the ops ports.
//!
//! Exit codes (also in `--help`):
//! - 0: done;
//! - 1: the operation failed (AWS or the ops table refused or could not be reached, or a
//!   redrive/purge stopped on an error: its audit entry says how far it got);
//! - 2: usage error (bad arguments, unknown filter, purge without `--execute`, a destructive
//!   command without `--yes` where nobody can be asked);
//! - 3: less than asked: nothing matched the filters, no such order or message, a replayed
//!   body still does not read, or the run was interrupted (Ctrl-C) part-way (run it again:
//!   nothing is lost);
//! - 4: refused by the target's state: `orders retry` of an order the ERP already decided.

use std::io::{IsTerminal, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use chrono::{DateTime, Utc};
use clap::{Args, Subcommand};
use serde_json::json;
use switchyard::dlq::{self, DlqError, Filter, OpsPorts, Outcome, Plan, Progress};
use switchyard_failures::FailureFilter;

/// The exit codes, documented at the top of this module; every ops command's `--help` ends
/// with them.
#[macro_export]
macro_rules! exit_help {
    () => {
        "Exit codes: 0 done; 1 the operation failed (AWS or the ops table; a redrive or purge \
stopped on an error, its audit entry says how far it got); 2 usage error (also: purge without \
--execute, a destructive command without --yes where nobody can be asked); 3 less than asked: \
nothing matched, no such order or message, a replayed body still does not read, or \
interrupted part-way (run it again, nothing is lost); 4 refused by the target's state (`orders \
retry` of an order the ERP already decided)."
    };
}

/// The exit codes, for the top-level `--help`.
pub const EXIT_HELP: &str = exit_help!();

/// Exit code: nothing matched or interrupted part-way.
pub(crate) const EXIT_PARTIAL: i32 = 3;
/// Exit code: usage error (as clap's).
pub(crate) const EXIT_USAGE: i32 = 2;
/// Exit code: the operation failed.
pub(crate) const EXIT_FAILED: i32 = 1;
/// Exit code: refused by the target's state.
pub(crate) const EXIT_REFUSED: i32 = 4;

/// `switchyard dlq …`.
#[derive(Subcommand)]
pub enum DlqCommand {
    /// Every DLQ of the stack: depth, age of the oldest message, source queue.
    #[command(after_help = concat!("Examples:\n  switchyard dlq list\n  switchyard dlq list --json", "\n\n", exit_help!()))]
    List {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// A DLQ's messages with their failure records, without consuming them.
    #[command(
        after_help = concat!("Messages are received with a visibility timeout for the scan and released at once (nothing is consumed).\n\nExamples:\n  switchyard dlq show switchyard-local-orders-dlq --limit 20\n  switchyard dlq show switchyard-local-orders-dlq --filter channel=demo-shop --filter older-than=2h --json", "\n\n", exit_help!())
    )]
    Show {
        /// The DLQ (name or URL).
        queue: String,
        #[command(flatten)]
        select: Select,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Send a DLQ's messages back to their source queue (a dry run unless --execute).
    #[command(
        after_help = concat!("Message by message: each is sent to the source queue (the queue whose redrive policy names this DLQ, or --to) with its body and message attributes, THEN deleted from the DLQ. Interrupt it (Ctrl-C) and run it again: nothing is lost. A message sent but not yet deleted when the process died is sent once more; the consumers are idempotent (they de-duplicate on the envelope id), so that does no harm. Writes an audit entry (dlq.redrive).\n\nExamples:\n  switchyard dlq redrive switchyard-local-orders-dlq                 # dry run\n  switchyard dlq redrive switchyard-local-orders-dlq --filter class=transient --rate 5/s --execute\n  switchyard dlq redrive switchyard-local-orders-dlq --limit 10 --execute --yes\n  switchyard dlq redrive switchyard-local-orders-dlq --execute --yes --in-aws   # runs in the dlq-redrive Lambda", "\n\n", exit_help!())
    )]
    Redrive {
        /// The DLQ (name or URL).
        queue: String,
        #[command(flatten)]
        select: Select,
        /// Messages per second, `N/s` or `N` (default: as fast as SQS answers).
        #[arg(long, value_parser = parse_rate)]
        rate: Option<f64>,
        /// Send here instead of the source queue (name or URL).
        #[arg(long)]
        to: Option<String>,
        /// Really move the messages (otherwise: print what would move, change nothing).
        #[arg(long)]
        execute: bool,
        /// Do not ask for confirmation.
        #[arg(long)]
        yes: bool,
        /// Print JSON.
        #[arg(long)]
        json: bool,
        /// Run the redrive inside AWS, in the dlq-redrive function (same semantics and audit;
        /// the entry names you "via dlq-redrive"), and print its outcome.
        #[arg(long)]
        in_aws: bool,
    },
    /// Fix one message's body and send it back to its source queue (opens $EDITOR without --body-file).
    #[command(
        after_help = concat!("The edited body must read as the message the queue's consumer expects (on the orders queue: one of the order processor's envelopes; elsewhere the original's envelope type); otherwise it is refused with the reason and nothing is sent or deleted (exit 2). An accepted body is sent to the source queue with the original's message attributes, THEN the original is deleted from the DLQ. The audit entry (dlq.edit) keeps the original body and the new one.\n\nExamples:\n  switchyard dlq edit switchyard-local-orders-dlq 0f6c…-message-id          # opens $EDITOR (default vi)\n  switchyard dlq edit switchyard-local-orders-dlq 0f6c…-message-id --body-file fixed.json --yes --json", "\n\n", exit_help!())
    )]
    Edit {
        /// The DLQ (name or URL).
        queue: String,
        /// The SQS message id (from `dlq show`).
        message_id: String,
        /// Take the new body from this file instead of an editor.
        #[arg(long)]
        body_file: Option<std::path::PathBuf>,
        /// Send here instead of the source queue (name or URL).
        #[arg(long)]
        to: Option<String>,
        /// Do not ask for confirmation.
        #[arg(long)]
        yes: bool,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Delete a DLQ's messages for good (needs --execute), resolving their failure records.
    #[command(
        after_help = concat!("Examples:\n  switchyard dlq purge switchyard-local-orders-dlq --filter type=OrderSubmitted --execute\n  switchyard dlq purge switchyard-local-orders-dlq --execute --yes --json", "\n\n", exit_help!())
    )]
    Purge {
        /// The DLQ (name or URL).
        queue: String,
        #[command(flatten)]
        select: Select,
        /// Required: a purge cannot be undone.
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

/// Which messages.
#[derive(Args)]
pub struct Select {
    /// `channel=C`, `class=transient|business|poison|bug`, `type=T` or `older-than=2h`
    /// (repeat: all must match).
    #[arg(long = "filter")]
    filters: Vec<Filter>,
    /// At most this many messages.
    #[arg(long)]
    limit: Option<usize>,
}

/// `switchyard failures …`.
#[derive(Subcommand)]
pub enum FailuresCommand {
    /// Failure records, most recently failed first.
    #[command(
        after_help = concat!("Examples:\n  switchyard failures list --open --channel demo-shop\n  switchyard failures list --resolved --since 24h --json", "\n\n", exit_help!())
    )]
    List {
        /// Only open records.
        #[arg(long, conflicts_with = "resolved")]
        open: bool,
        /// Only resolved records.
        #[arg(long)]
        resolved: bool,
        /// Only this channel's.
        #[arg(long)]
        channel: Option<String>,
        /// Only this flow's (`orders`, `stock-shopify`, …).
        #[arg(long)]
        flow: Option<String>,
        /// Only those that failed last since then: RFC 3339 or a duration ago (`2h`).
        #[arg(long, value_parser = parse_since)]
        since: Option<DateTime<Utc>>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

/// `switchyard audit …`.
#[derive(Subcommand)]
pub enum AuditCommand {
    /// Operator actions, newest first.
    #[command(after_help = concat!("Examples:\n  switchyard audit list --since 7d\n  switchyard audit list --limit 5 --json", "\n\n", exit_help!()))]
    List {
        /// Only since then: RFC 3339 or a duration ago (`2h`).
        #[arg(long, value_parser = parse_since)]
        since: Option<DateTime<Utc>>,
        /// At most this many.
        #[arg(long, default_value_t = 50)]
        limit: usize,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

fn parse_rate(text: &str) -> Result<f64, String> {
    let number = text.strip_suffix("/s").unwrap_or(text);
    match number.parse::<f64>() {
        Ok(rate) if rate > 0.0 && rate.is_finite() => Ok(rate),
        _ => Err(format!("a rate is N/s with N > 0, not `{text}`")),
    }
}

fn parse_since(text: &str) -> Result<DateTime<Utc>, String> {
    if let Ok(at) = DateTime::parse_from_rfc3339(text) {
        return Ok(at.with_timezone(&Utc));
    }
    let ago = humantime::parse_duration(text)
        .map_err(|e| format!("`{text}` is neither RFC 3339 nor a duration: {e}"))?;
    chrono::Duration::from_std(ago)
        .map(|ago| Utc::now() - ago)
        .map_err(|e| e.to_string())
}

/// The failure store and audit log of the ops table (`SWITCHYARD_OPS_TABLE`). The one place
/// they are built: wiring the DynamoDB adapters is a change here only.
pub(crate) fn ops_ports(config: &aws_config::SdkConfig) -> Result<OpsPorts, DlqError> {
    let table = std::env::var("SWITCHYARD_OPS_TABLE")
        .map_err(|_| DlqError::Ops("not configured: set SWITCHYARD_OPS_TABLE".into()))?;
    let client = aws_sdk_dynamodb::Client::new(config);
    Ok(OpsPorts {
        failures: Arc::new(switchyard_failures::DynamoDbFailureStore::new(
            client.clone(),
            table.clone(),
        )),
        audit: Arc::new(switchyard_failures::DynamoDbAuditLog::new(client, table)),
    })
}

/// The error's exit code.
fn code_of(error: &DlqError) -> i32 {
    match error {
        DlqError::Usage(_) => EXIT_USAGE,
        _ => EXIT_FAILED,
    }
}

struct Bar {
    bar: Option<indicatif::ProgressBar>,
    stop: Arc<AtomicBool>,
}

impl Progress for Bar {
    fn tick(&self) {
        if let Some(bar) = &self.bar {
            bar.inc(1);
        }
    }
    fn interrupted(&self) -> bool {
        self.stop.load(Ordering::Relaxed)
    }
}

/// A progress bar on stderr when it is a terminal (and not `--json`), and Ctrl-C turned into
/// "stop after this message".
fn progress(json: bool, what: &str) -> Bar {
    let stop = Arc::new(AtomicBool::new(false));
    let flag = stop.clone();
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            flag.store(true, Ordering::Relaxed);
        }
    });
    let bar = (!json && std::io::stderr().is_terminal()).then(|| {
        let bar = indicatif::ProgressBar::new_spinner();
        bar.set_style(
            indicatif::ProgressStyle::with_template("{spinner} {msg}: {pos} messages ({per_sec})")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
        );
        bar.set_message(what.to_string());
        bar.enable_steady_tick(std::time::Duration::from_millis(200));
        bar
    });
    Bar { bar, stop }
}

/// Asks on a terminal; where nobody can be asked, `--yes` is required.
pub(crate) fn confirm(question: &str, yes: bool) -> Result<(), DlqError> {
    if yes {
        return Ok(());
    }
    if !std::io::stdin().is_terminal() {
        return Err(DlqError::Usage(format!(
            "{question}: nobody to ask (not a terminal); pass --yes"
        )));
    }
    eprint!("{question} [y/N] ");
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    std::io::stdin()
        .read_line(&mut answer)
        .map_err(|e| DlqError::Usage(e.to_string()))?;
    if matches!(answer.trim(), "y" | "Y" | "yes") {
        Ok(())
    } else {
        Err(DlqError::Usage("not confirmed".into()))
    }
}

/// Prints rows as a table with padded columns.
pub(crate) fn table(headers: &[&str], rows: Vec<Vec<String>>) {
    let mut widths: Vec<usize> = headers.iter().map(|h| h.len()).collect();
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let line = |cells: Vec<String>| {
        let padded: Vec<String> = cells
            .iter()
            .zip(&widths)
            .map(|(cell, width)| format!("{cell:<width$}"))
            .collect();
        out(padded.join("  ").trim_end());
    };
    line(headers.iter().map(|h| h.to_string()).collect());
    for row in rows {
        line(row);
    }
}

pub(crate) fn or_dash(value: Option<impl ToString>) -> String {
    value.map_or_else(|| "-".into(), |v| v.to_string())
}

/// One line on stdout. A closed pipe (`| head`) is not an error worth a panic: the reader has
/// what it wanted.
pub(crate) fn out(line: impl std::fmt::Display) {
    let _ = writeln!(std::io::stdout().lock(), "{line}");
}

pub(crate) fn print_json(value: &serde_json::Value) {
    out(serde_json::to_string_pretty(value).unwrap_or_else(|_| value.to_string()));
}

/// Runs a `dlq` command; returns the exit code.
pub async fn run_dlq(command: DlqCommand, config: &aws_config::SdkConfig) -> i32 {
    match dlq_command(command, config).await {
        Ok(code) => code,
        Err(error) => {
            eprintln!("switchyard: {error}");
            code_of(&error)
        }
    }
}

/// The stack's name prefix: `SWITCHYARD_PREFIX`, else Terraform's default `switchyard`, so a
/// DLQ's flow (`orders`) is the one its consumer recorded failures under.
pub(crate) fn prefix() -> Option<String> {
    Some(
        std::env::var("SWITCHYARD_PREFIX")
            .ok()
            .filter(|p| !p.is_empty())
            .unwrap_or_else(|| "switchyard".into()),
    )
}

async fn dlq_command(command: DlqCommand, config: &aws_config::SdkConfig) -> Result<i32, DlqError> {
    let sqs = aws_sdk_sqs::Client::new(config);
    let prefix = prefix();
    let prefix = prefix.as_deref();
    match command {
        DlqCommand::List { json } => {
            let dlqs = dlq::list(&sqs, prefix).await?;
            if json {
                print_json(&json!({ "dlqs": dlqs }));
            } else {
                table(
                    &["DLQ", "DEPTH", "IN FLIGHT", "OLDEST", "SOURCE"],
                    dlqs.iter()
                        .map(|d| {
                            vec![
                                d.name.clone(),
                                d.depth.to_string(),
                                d.in_flight.to_string(),
                                or_dash(d.oldest_age_seconds.map(|s| {
                                    humantime::format_duration(std::time::Duration::from_secs(
                                        s.unsigned_abs(),
                                    ))
                                })),
                                if d.sources.is_empty() {
                                    "-".into()
                                } else {
                                    d.sources.join(",")
                                },
                            ]
                        })
                        .collect(),
                );
            }
            Ok(0)
        }
        DlqCommand::Show {
            queue,
            select,
            json,
        } => {
            let ports = ops_ports(config)?;
            let dlq = dlq::resolve(&sqs, &queue, prefix).await?;
            let messages = dlq::show(
                &sqs,
                &ports,
                &dlq,
                &select.filters,
                select.limit.unwrap_or(0),
            )
            .await?;
            if json {
                print_json(&json!({ "queue": dlq.name, "flow": dlq.flow, "messages": messages }));
            } else {
                table(
                    &[
                        "MESSAGE", "TYPE", "CHANNEL", "SUBJECT", "CLASS", "ATTEMPTS", "ERROR",
                    ],
                    messages
                        .iter()
                        .map(|m| {
                            vec![
                                m.message_id.clone(),
                                or_dash(m.kind.as_ref()),
                                or_dash(m.channel.as_ref()),
                                or_dash(m.key.as_ref().map(|k| &k.subject)),
                                or_dash(m.failure.as_ref().map(|f| f.class.as_str())),
                                or_dash(m.failure.as_ref().map(|f| f.attempts)),
                                or_dash(m.failure.as_ref().map(|f| f.error.clone())),
                            ]
                        })
                        .collect(),
                );
            }
            Ok(if messages.is_empty() { EXIT_PARTIAL } else { 0 })
        }
        DlqCommand::Redrive {
            queue,
            select,
            rate,
            to,
            execute,
            yes,
            json,
            in_aws,
        } => {
            let dlq = dlq::resolve(&sqs, &queue, prefix).await?;
            let target = match to {
                Some(to) => to,
                None => dlq::source_of(&sqs, &dlq, prefix).await?,
            };
            if execute {
                confirm(
                    &format!("move messages of {} to {}?", dlq.name, target),
                    yes,
                )?;
            }
            let actor = dlq::actor(&aws_sdk_sts::Client::new(config)).await?;
            if in_aws {
                let request = switchyard_operations::remote::RedriveRequest {
                    queue: dlq.url.clone(),
                    to: Some(target),
                    filters: select.filters.iter().map(ToString::to_string).collect(),
                    rate: rate.unwrap_or(0.0),
                    limit: select.limit.unwrap_or(0),
                    execute,
                    actor,
                };
                let outcome = crate::in_aws::redrive(config, prefix, &request).await?;
                return Ok(report(&outcome, json));
            }
            let ports = ops_ports(config)?;
            let plan = Plan {
                filters: select.filters,
                limit: select.limit.unwrap_or(0),
                rate: rate.unwrap_or(0.0),
                execute,
            };
            let bar = progress(json, if execute { "redriving" } else { "dry run" });
            let outcome = dlq::redrive(&sqs, &ports, &actor, &dlq, &target, &plan, &bar).await?;
            Ok(report(&outcome, json))
        }
        DlqCommand::Edit {
            queue,
            message_id,
            body_file,
            to,
            yes,
            json,
        } => {
            crate::operate::dlq_edit(
                &sqs,
                config,
                crate::operate::EditArgs {
                    queue,
                    message_id,
                    body_file,
                    to,
                    yes,
                    json,
                },
            )
            .await
        }
        DlqCommand::Purge {
            queue,
            select,
            execute,
            yes,
            json,
        } => {
            if !execute {
                return Err(DlqError::Usage(
                    "purge deletes messages for good: pass --execute (see them first with `dlq show`)".into(),
                ));
            }
            let ports = ops_ports(config)?;
            let dlq = dlq::resolve(&sqs, &queue, prefix).await?;
            confirm(&format!("delete messages of {} for good?", dlq.name), yes)?;
            let actor = dlq::actor(&aws_sdk_sts::Client::new(config)).await?;
            let plan = Plan {
                filters: select.filters,
                limit: select.limit.unwrap_or(0),
                rate: 0.0,
                execute,
            };
            let bar = progress(json, "purging");
            let outcome = dlq::purge(&sqs, &ports, &actor, &dlq, &plan, &bar).await?;
            Ok(report(&outcome, json))
        }
    }
}

/// Prints a redrive's or purge's outcome; returns the exit code it means.
fn report(outcome: &Outcome, json: bool) -> i32 {
    if json {
        print_json(&serde_json::to_value(outcome).unwrap_or_default());
    } else {
        let verb = match (outcome.action.as_str(), outcome.executed) {
            ("redrive", false) => "would move",
            ("redrive", true) => "moved",
            _ => "deleted",
        };
        for message in &outcome.messages {
            out(format_args!(
                "{}  {}  {}",
                message["message_id"].as_str().unwrap_or("-"),
                message["type"].as_str().unwrap_or("-"),
                message["key"]["subject"].as_str().unwrap_or("-"),
            ));
        }
        let count = if outcome.executed {
            outcome.done
        } else {
            outcome.matched
        };
        out(format_args!(
            "{verb} {count} of {} matching message(s) from {}{}",
            outcome.matched,
            outcome.queue,
            outcome
                .target
                .as_ref()
                .map(|t| format!(" to {t}"))
                .unwrap_or_default()
        ));
        if let Some(id) = &outcome.audit_id {
            out(format_args!("audit entry {id}"));
        }
    }
    if let Some(error) = &outcome.error {
        eprintln!("switchyard: stopped: {error}");
        EXIT_FAILED
    } else if outcome.stopped_early || outcome.matched == 0 {
        EXIT_PARTIAL
    } else {
        0
    }
}

/// Runs `failures list`; returns the exit code.
pub async fn run_failures(command: FailuresCommand, config: &aws_config::SdkConfig) -> i32 {
    let FailuresCommand::List {
        open,
        resolved,
        channel,
        flow,
        since,
        json,
    } = command;
    let result = async {
        let ports = ops_ports(config)?;
        let filter = FailureFilter {
            open: if open {
                Some(true)
            } else if resolved {
                Some(false)
            } else {
                None
            },
            flow,
            channel,
            since,
            limit: 0,
        };
        let records = ports
            .failures
            .list(&filter)
            .await
            .map_err(|e| DlqError::Ops(e.to_string()))?;
        if json {
            print_json(&json!({ "failures": records }));
        } else {
            table(
                &[
                    "FLOW",
                    "SUBJECT",
                    "CLASS",
                    "ATTEMPTS",
                    "LAST FAILED",
                    "DLQ",
                    "STATE",
                    "ERROR",
                ],
                records
                    .iter()
                    .map(|r| {
                        vec![
                            r.key.flow.clone(),
                            r.key.subject.clone(),
                            r.class.as_str().into(),
                            r.attempts.to_string(),
                            r.last_failed_at.to_rfc3339(),
                            or_dash(r.dead_lettered_at.map(|t| t.to_rfc3339())),
                            r.resolution.as_ref().map_or_else(
                                || "open".into(),
                                |res| format!("resolved: {}", res.how),
                            ),
                            r.error.clone(),
                        ]
                    })
                    .collect(),
            );
        }
        Ok::<_, DlqError>(0)
    }
    .await;
    result.unwrap_or_else(|error| {
        eprintln!("switchyard: {error}");
        code_of(&error)
    })
}

/// Runs `audit list`; returns the exit code.
pub async fn run_audit(command: AuditCommand, config: &aws_config::SdkConfig) -> i32 {
    let AuditCommand::List { since, limit, json } = command;
    let result = async {
        let ports = ops_ports(config)?;
        let entries = ports
            .audit
            .list(since, limit)
            .await
            .map_err(|e| DlqError::Ops(e.to_string()))?;
        if json {
            print_json(&json!({ "entries": entries }));
        } else {
            table(
                &["AT", "ACTOR", "ACTION", "TARGET", "COUNT", "OUTCOME"],
                entries
                    .iter()
                    .map(|e| {
                        vec![
                            e.at.to_rfc3339(),
                            e.actor.clone(),
                            e.action.clone(),
                            e.target.clone(),
                            e.count.to_string(),
                            e.outcome.clone(),
                        ]
                    })
                    .collect(),
            );
        }
        Ok::<_, DlqError>(0)
    }
    .await;
    result.unwrap_or_else(|error| {
        eprintln!("switchyard: {error}");
        code_of(&error)
    })
}
