//! `switchyard replay`: the clap wiring of [`switchyard_operations::replay`].
//!
//! Exit codes as the other ops commands: 0 done (or a dry run); 1 failed (EventBridge, the ops
//! table, or the replay ended `FAILED`); 2 usage (no archive, bad window, no rule routes the
//! types, `--execute` without `--yes` where nobody can be asked); 3 interrupted (the replay was
//! cancelled part-way: the consumers are idempotent, so replaying the window again is safe).

use std::io::{IsTerminal, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use chrono::{DateTime, Utc};
use clap::Args;
use serde_json::json;
use switchyard_operations::replay::{
    self, ReplayError, ReplayOutcome, ReplayPlan, ReplayProgress, ReplayRequest,
};

/// `switchyard replay --from T --to T [--type T]... [--execute] [--yes]`.
#[derive(Args)]
#[command(
    after_help = "Replays events from the bus's EventBridge archive (Terraform creates it) \
to the rules that route the given types. A dry run unless --execute: it names the archive, the \
window, the types, the rules that would receive the events and the archive's event count. \
EventBridge filters a replay by rule, not by type: a chosen rule also receives the other types it \
routes from the window (harmless: every consumer de-duplicates on the envelope id). Writes an \
audit entry (replay).\n\nExamples:\n  switchyard replay --from 2h --type OrderAccepted\n  switchyard \
replay --from 2026-12-01T08:00:00Z --to 2026-12-01T09:00:00Z --type OrderShipped --execute --yes\n\n\
Exit codes: 0 done (or a dry run); 1 failed (EventBridge, the ops table, or the replay FAILED); \
2 usage error (no archive, bad window, no rule routes the types, --execute without --yes where \
nobody can be asked); 3 interrupted (the replay was cancelled part-way; replaying again is safe)."
)]
pub struct ReplayArgs {
    /// Start of the window: RFC 3339 or a duration ago (`2h`).
    #[arg(long, value_parser = parse_time)]
    from: DateTime<Utc>,
    /// End of the window: RFC 3339 or a duration ago (default: now).
    #[arg(long, value_parser = parse_time)]
    to: Option<DateTime<Utc>>,
    /// Only the rules routing this detail-type (repeat; default: every rule).
    #[arg(long = "type")]
    types: Vec<String>,
    /// The bus (default: `SWITCHYARD_EVENT_BUS`, else the stack prefix).
    #[arg(long, env = "SWITCHYARD_EVENT_BUS")]
    bus: Option<String>,
    /// Really replay (otherwise: print what would be replayed, change nothing).
    #[arg(long)]
    execute: bool,
    /// Do not ask for confirmation.
    #[arg(long)]
    yes: bool,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

fn parse_time(text: &str) -> Result<DateTime<Utc>, String> {
    if let Ok(at) = DateTime::parse_from_rfc3339(text) {
        return Ok(at.with_timezone(&Utc));
    }
    let ago = humantime::parse_duration(text)
        .map_err(|e| format!("`{text}` is neither RFC 3339 nor a duration: {e}"))?;
    chrono::Duration::from_std(ago)
        .map(|ago| Utc::now() - ago)
        .map_err(|e| e.to_string())
}

fn out(line: impl std::fmt::Display) {
    let _ = writeln!(std::io::stdout().lock(), "{line}");
}

fn code_of(error: &ReplayError) -> i32 {
    match error {
        ReplayError::Usage(_) => 2,
        _ => 1,
    }
}

/// Runs `replay`; returns the exit code.
pub async fn run(args: ReplayArgs, config: &aws_config::SdkConfig) -> i32 {
    match replay_command(args, config).await {
        Ok(code) => code,
        Err(error) => {
            eprintln!("switchyard: {error}");
            code_of(&error)
        }
    }
}

struct Bar {
    bar: Option<indicatif::ProgressBar>,
    stop: Arc<AtomicBool>,
}

impl ReplayProgress for Bar {
    fn update(&self, state: &str, fraction: Option<f64>) {
        if let Some(bar) = &self.bar {
            bar.set_message(state.to_string());
            if let Some(f) = fraction {
                bar.set_position((f * 100.0).round() as u64);
            }
        }
    }
    fn interrupted(&self) -> bool {
        self.stop.load(Ordering::Relaxed)
    }
}

fn bar(json: bool) -> Bar {
    let stop = Arc::new(AtomicBool::new(false));
    let flag = stop.clone();
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            flag.store(true, Ordering::Relaxed);
        }
    });
    let bar = (!json && std::io::stderr().is_terminal()).then(|| {
        let bar = indicatif::ProgressBar::new(100);
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "{spinner} replay {msg}: [{bar:30}] {pos}% of the window ({elapsed})",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        bar.enable_steady_tick(Duration::from_millis(200));
        bar
    });
    Bar { bar, stop }
}

fn confirm(question: &str, yes: bool) -> Result<(), ReplayError> {
    if yes {
        return Ok(());
    }
    if !std::io::stdin().is_terminal() {
        return Err(ReplayError::Usage(format!(
            "{question}: nobody to ask (not a terminal); pass --yes"
        )));
    }
    eprint!("{question} [y/N] ");
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    std::io::stdin()
        .read_line(&mut answer)
        .map_err(|e| ReplayError::Usage(e.to_string()))?;
    if matches!(answer.trim(), "y" | "Y" | "yes") {
        Ok(())
    } else {
        Err(ReplayError::Usage("not confirmed".into()))
    }
}

fn print_plan(plan: &ReplayPlan, executed: bool) {
    out(format_args!(
        "archive {} ({} events archived, kept {} days)",
        plan.archive.name, plan.archive.event_count, plan.archive.retention_days
    ));
    out(format_args!(
        "window  {} .. {}",
        plan.from.to_rfc3339(),
        plan.to.to_rfc3339()
    ));
    out(format_args!(
        "types   {}",
        if plan.types.is_empty() {
            "all".to_string()
        } else {
            plan.types.join(", ")
        }
    ));
    out(if executed {
        "rules that received the events:"
    } else {
        "rules that would receive the events:"
    });
    for rule in &plan.rules {
        out(format_args!("  {}  ({})", rule.name, rule.reason));
    }
    if !plan.unnamed_types.is_empty() {
        out(format_args!(
            "warning: no rule names {} (only rules routing by source could receive them: a typo?)",
            plan.unnamed_types.join(", ")
        ));
    }
}

async fn replay_command(
    args: ReplayArgs,
    config: &aws_config::SdkConfig,
) -> Result<i32, ReplayError> {
    let eb = aws_sdk_eventbridge::Client::new(config);
    let bus = args.bus.filter(|b| !b.is_empty()).unwrap_or_else(|| {
        std::env::var("SWITCHYARD_PREFIX")
            .ok()
            .filter(|p| !p.is_empty())
            .unwrap_or_else(|| "switchyard".into())
    });
    let request = ReplayRequest {
        bus,
        from: args.from,
        to: args.to.unwrap_or_else(Utc::now),
        types: args.types,
    };
    let plan = replay::plan(&eb, &request).await?;
    if !args.execute {
        if args.json {
            out(
                serde_json::to_string_pretty(&json!({"executed": false, "plan": plan}))
                    .unwrap_or_default(),
            );
        } else {
            print_plan(&plan, false);
            out("dry run: nothing replayed (add --execute)");
        }
        return Ok(0);
    }
    confirm(
        &format!(
            "replay {} from {} to {} rule(s)?",
            plan.archive.name,
            plan.from.to_rfc3339(),
            plan.rules.len()
        ),
        args.yes,
    )?;
    let table = std::env::var("SWITCHYARD_OPS_TABLE")
        .map_err(|_| ReplayError::Ops("not configured: set SWITCHYARD_OPS_TABLE".into()))?;
    let audit =
        switchyard_failures::DynamoDbAuditLog::new(aws_sdk_dynamodb::Client::new(config), table);
    let actor = switchyard_operations::dlq::actor(&aws_sdk_sts::Client::new(config))
        .await
        .map_err(|e| ReplayError::Ops(e.to_string()))?;
    let progress = bar(args.json);
    let outcome =
        replay::execute(&eb, &audit, &actor, plan, Duration::from_secs(1), &progress).await?;
    if let Some(bar) = &progress.bar {
        bar.finish_and_clear();
    }
    Ok(report(&outcome, args.json))
}

fn report(outcome: &ReplayOutcome, json: bool) -> i32 {
    if json {
        out(
            serde_json::to_string_pretty(&json!({"executed": true, "outcome": outcome}))
                .unwrap_or_default(),
        );
    } else {
        print_plan(&outcome.plan, true);
        out(format_args!(
            "replay {}: {}{}",
            outcome.replay_name,
            outcome.state,
            outcome
                .reason
                .as_ref()
                .map(|r| format!(" ({r})"))
                .unwrap_or_default()
        ));
        out(format_args!("audit entry {}", outcome.audit_id));
    }
    match outcome.state.as_str() {
        "COMPLETED" => 0,
        "CANCELLED" => 3,
        _ => 1,
    }
}
