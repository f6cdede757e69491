//! API keys at the CLI: expiries given to `channels add` / `rotate-key`, the key table of
//! `channels show`, and `channels revoke-key` (decision 0021). Exit codes are those of `ops.rs`.

use chrono::{DateTime, Utc};
use clap::Args;
use serde_json::{Value, json};
use switchyard_channels::{ApiKey, ChannelDirectory, KeyState};
use switchyard_failures::AuditEntry;
use switchyard_model::ChannelName;

use crate::exit_help;
use crate::ops::{
    EXIT_FAILED, EXIT_PARTIAL, EXIT_USAGE, confirm, ops_ports, or_dash, out, print_json, table,
};

/// `--…expires-in`: how long a key issued now works (`90d`, `12h`); zero is refused.
pub(crate) fn parse_lifetime(text: &str) -> Result<std::time::Duration, String> {
    let span = humantime::parse_duration(text)
        .map_err(|e| format!("`{text}` is not a duration such as 90d: {e}"))?;
    if span.is_zero() {
        return Err("a key must live longer than 0s".into());
    }
    chrono::Duration::from_std(span).map_err(|_| format!("`{text}` is too far away"))?;
    Ok(span)
}

/// `--…expires-at`: an RFC 3339 time in the future.
pub(crate) fn parse_expiry_time(text: &str) -> Result<DateTime<Utc>, String> {
    let at = DateTime::parse_from_rfc3339(text)
        .map_err(|e| format!("`{text}` is not an RFC 3339 time: {e}"))?
        .with_timezone(&Utc);
    if at <= Utc::now() {
        return Err(format!("{at} is not in the future"));
    }
    Ok(at)
}

/// When a key issued at `now` expires (clap lets at most one of the two through); neither:
/// never.
pub(crate) fn expiry(
    lifetime: Option<std::time::Duration>,
    at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    at.or_else(|| {
        lifetime
            .and_then(|span| chrono::Duration::from_std(span).ok())
            .map(|span| now + span)
    })
}

/// One key as `--json` shows it: never the key, never its full hash.
pub(crate) fn key_json(key: &ApiKey, now: DateTime<Utc>) -> Value {
    json!({
        "id": key.id(),
        "state": state_word(key.state(now)),
        "created_at": key.created_at,
        "expires_at": key.expires_at,
        "last_used_at": key.last_used_at,
        "revoked_at": key.revoked_at,
    })
}

fn state_word(state: KeyState) -> &'static str {
    match state {
        KeyState::Active => "active",
        KeyState::Revoked(_) => "revoked",
        KeyState::Expired(_) => "expired",
    }
}

fn when(at: Option<DateTime<Utc>>) -> String {
    or_dash(at.map(|at| at.format("%Y-%m-%d %H:%M:%SZ")))
}

/// The key table of `channels show`.
pub(crate) fn print_keys(keys: &[ApiKey], now: DateTime<Utc>) {
    if keys.is_empty() {
        out("API keys: none");
        return;
    }
    out("API keys:");
    table(
        &["ID", "STATE", "CREATED", "EXPIRES", "LAST USED", "REVOKED"],
        keys.iter()
            .map(|k| {
                vec![
                    k.id().to_string(),
                    state_word(k.state(now)).to_string(),
                    when(Some(k.created_at)),
                    when(k.expires_at),
                    when(k.last_used_at),
                    when(k.revoked_at),
                ]
            })
            .collect(),
    );
}

/// `switchyard channels revoke-key`.
#[derive(Args)]
#[command(after_help = concat!("Revokes every key of the channel, or the one with this id (the ID column of `channels show`). A revoked key is refused (401) from the first request after this command returns: key lookups are read consistently and nothing caches them. The record is kept, with its revocation time, for `channels show`. Revoking a key already revoked changes nothing. Writes an audit entry (channels.revoke-key) in the ops table (SWITCHYARD_OPS_TABLE).\n\nExamples:\n  switchyard channels revoke-key demo-shop 3f9a0c1b2d4e\n  switchyard channels revoke-key demo-shop --yes --json      # every key of the channel", "\n\n", exit_help!()))]
pub(crate) struct RevokeKey {
    /// Channel name.
    name: String,
    /// The key's id (from `channels show`); omitted: every key of the channel.
    key_id: Option<String>,
    /// Do not ask for confirmation.
    #[arg(long)]
    yes: bool,
    /// Print the result as JSON.
    #[arg(long)]
    json: bool,
}

/// Why a revocation stopped, with its exit code.
struct Failed(i32, String);

/// Runs `channels revoke-key`; returns the exit code.
pub(crate) async fn run_revoke(
    directory: &dyn ChannelDirectory,
    config: &aws_config::SdkConfig,
    args: RevokeKey,
) -> i32 {
    match revoke(directory, config, args).await {
        Ok(code) => code,
        Err(Failed(code, message)) => {
            eprintln!("switchyard: {message}");
            code
        }
    }
}

async fn revoke(
    directory: &dyn ChannelDirectory,
    config: &aws_config::SdkConfig,
    args: RevokeKey,
) -> Result<i32, Failed> {
    let usage = |e: String| Failed(EXIT_USAGE, e);
    let failed = |e: String| Failed(EXIT_FAILED, e);
    let name = ChannelName::try_from(args.name.as_str()).map_err(usage)?;
    // The audit log is checked before anything is revoked: a revocation nobody can trace is
    // not made.
    let ports = ops_ports(config).map_err(|e| failed(e.to_string()))?;
    if directory
        .get(&name)
        .await
        .map_err(|e| failed(e.to_string()))?
        .is_none()
    {
        return Err(Failed(EXIT_PARTIAL, format!("no channel {name}")));
    }
    let keys = directory
        .api_keys(&name)
        .await
        .map_err(|e| failed(e.to_string()))?;
    let chosen: Vec<&ApiKey> = keys
        .iter()
        .filter(|k| args.key_id.as_deref().is_none_or(|id| k.id() == id))
        .collect();
    if chosen.is_empty() {
        return Err(Failed(
            EXIT_PARTIAL,
            match &args.key_id {
                Some(id) => format!(
                    "channel {name} has no key {id} (see `switchyard channels show {name}`)"
                ),
                None => format!("channel {name} has no API keys"),
            },
        ));
    }
    let pending: Vec<&&ApiKey> = chosen.iter().filter(|k| k.revoked_at.is_none()).collect();
    if !pending.is_empty() {
        let what = match &args.key_id {
            Some(id) => format!("key {id}"),
            None => format!("all {} unrevoked keys", pending.len()),
        };
        confirm(
            &format!("revoke {what} of channel {name}? Requests with it get 401 at once"),
            args.yes,
        )
        .map_err(|e| usage(e.to_string()))?;
    }
    let actor = switchyard::dlq::actor(&aws_sdk_sts::Client::new(config))
        .await
        .map_err(|e| failed(e.to_string()))?;
    let now = Utc::now();
    let (mut revoked, mut already) = (Vec::new(), Vec::new());
    let mut error = None;
    for key in &chosen {
        if key.revoked_at.is_some() {
            already.push(key.id().to_string());
            continue;
        }
        match directory.revoke_api_key(&key.hash, now).await {
            Ok(true) => revoked.push(key.id().to_string()),
            // Revoked by someone else since it was read.
            Ok(false) => already.push(key.id().to_string()),
            Err(e) => {
                error = Some(e.to_string());
                break;
            }
        }
    }
    let mut entry = AuditEntry::new(&actor, "channels.revoke-key", name.as_str());
    entry.count = revoked.len() as u64;
    entry.outcome = if error.is_some() { "failed" } else { "ok" }.into();
    entry.details = json!({
        "key_id": args.key_id,
        "revoked": revoked,
        "already_revoked": already,
        "error": error,
    });
    let audited = ports.audit.append(&entry).await;
    if let Err(e) = &audited {
        eprintln!(
            "switchyard: the keys listed were revoked, but the audit entry was not written: {e}"
        );
    }
    if args.json {
        print_json(&json!({
            "name": name,
            "revoked": revoked,
            "already_revoked": already,
            "revoked_at": now,
            "audit_id": audited.is_ok().then_some(&entry.id),
            "error": error,
        }));
    } else {
        for id in &revoked {
            out(format_args!("revoked key {id} of channel {name}"));
        }
        for id in &already {
            out(format_args!(
                "key {id} of channel {name} was already revoked"
            ));
        }
        if audited.is_ok() {
            out(format_args!("audit entry {}", entry.id));
        }
    }
    if let Some(e) = error {
        return Err(failed(format!("revoking stopped part-way: {e}")));
    }
    Ok(if audited.is_ok() { 0 } else { EXIT_FAILED })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expiries_are_durations_or_times_in_the_future() {
        let now: DateTime<Utc> = "2026-12-01T00:00:00Z".parse().unwrap();
        assert_eq!(expiry(None, None, now), None);
        let ninety = parse_lifetime("90d").unwrap();
        assert_eq!(
            expiry(Some(ninety), None, now),
            Some("2027-03-01T00:00:00Z".parse().unwrap())
        );
        assert_eq!(
            parse_expiry_time("2099-01-01T12:00:00+02:00").unwrap(),
            "2099-01-01T10:00:00Z".parse::<DateTime<Utc>>().unwrap()
        );
        assert!(parse_expiry_time("2020-11-30T00:00:00Z").is_err(), "past");
        assert!(parse_expiry_time("tomorrow").is_err());
        assert!(parse_lifetime("0s").is_err());
        assert!(parse_lifetime("ninety days").is_err());
    }
}
