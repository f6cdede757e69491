//! Logging setup and PII redaction.
//!
//! Every log line is one JSON object on stdout (CloudWatch Logs keeps it). A consumer handles
//! each message inside [`message_span`], so every line it logs carries the message's
//! correlation id, channel, order id and envelope id under `span`, and an operator can follow
//! one order through every function with one Logs Insights query. Lines pass through
//! [`redact_line`] on their way out: an email address that slipped into an error message is
//! masked before it is written.

use std::borrow::Cow;
use std::io::Write;

/// Structured JSON logs to stdout (CloudWatch picks them up), level from `RUST_LOG`
/// (default `info`). Local runs can ask for human-readable lines with `SWITCHYARD_LOG_FORMAT=text`.
pub fn init() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    if std::env::var("SWITCHYARD_LOG_FORMAT").as_deref() == Ok("text") {
        let _ = tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_target(false)
            .without_time()
            .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stdout()))
            .with_writer(|| Redacting(std::io::stdout()))
            .try_init();
    } else {
        let _ = tracing::subscriber::set_global_default(json_logs(filter, std::io::stdout));
    }
}

/// The JSON subscriber [`init`] installs, writing redacted lines to what `writer` makes.
pub fn json_logs<W, M>(
    filter: tracing_subscriber::EnvFilter,
    writer: M,
) -> impl tracing::Subscriber + Send + Sync
where
    W: Write + 'static,
    M: Fn() -> W + Send + Sync + 'static,
{
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .without_time()
        .with_writer(move || Redacting(writer()))
        .json()
        .flatten_event(true)
        .with_current_span(true)
        .with_span_list(false)
        .finish()
}

/// The span a consumer handles one queue message in: its SQS message id and, read from the
/// body (an envelope, or an EventBridge event whose `detail` is one), the envelope id, the
/// correlation id, the channel and the order id. Fields the body lacks stay empty.
pub fn message_span(message_id: &str, body: &str) -> tracing::Span {
    let parsed: Option<serde_json::Value> = serde_json::from_str(body).ok();
    let envelope = parsed.as_ref().map(|v| v.get("detail").unwrap_or(v));
    let text = |path: &[&str]| {
        let mut at = envelope?;
        for key in path {
            at = at.get(key)?;
        }
        at.as_str().map(str::to_string)
    };
    let order_id = text(&["payload", "order", "id"]).or_else(|| text(&["payload", "order_id"]));
    tracing::info_span!(
        "message",
        message_id,
        envelope_id = text(&["id"]),
        correlation_id = text(&["correlation_id"]),
        channel = text(&["channel"]),
        order_id,
    )
}

/// A writer that redacts each formatted line before it reaches `W` (the formatter writes one
/// whole line per call).
struct Redacting<W>(W);

impl<W: Write> Write for Redacting<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match std::str::from_utf8(buf) {
            Ok(line) => self.0.write_all(redact_line(line).as_bytes())?,
            Err(_) => self.0.write_all(buf)?,
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush()
    }
}

/// `line` with every email address in it masked as [`redact_email`] does.
pub fn redact_line(line: &str) -> Cow<'_, str> {
    if !line.contains('@') {
        return Cow::Borrowed(line);
    }
    let local = |c: char| c.is_ascii_alphanumeric() || "._%+-".contains(c);
    let domain = |c: char| c.is_ascii_alphanumeric() || ".-".contains(c);
    let mut out = String::with_capacity(line.len());
    let mut rest = line;
    while let Some(at) = rest.find('@') {
        let start = rest[..at]
            .char_indices()
            .rev()
            .take_while(|(_, c)| local(*c))
            .last()
            .map_or(at, |(i, _)| i);
        let end = at
            + 1
            + rest[at + 1..]
                .char_indices()
                .take_while(|(_, c)| domain(*c))
                .last()
                .map_or(0, |(i, c)| i + c.len_utf8());
        let host = rest[at + 1..end].trim_end_matches('.');
        if start < at && host.contains('.') {
            out.push_str(&rest[..start]);
            out.push_str(&redact_email(&rest[start..at + 1 + host.len()]));
            rest = &rest[at + 1 + host.len()..];
        } else {
            out.push_str(&rest[..=at]);
            rest = &rest[at + 1..];
        }
    }
    out.push_str(rest);
    Cow::Owned(out)
}

/// Keeps the first character and the domain of an email, for logs: `b***@acme.example`.
pub fn redact_email(email: &str) -> String {
    match email.split_once('@') {
        Some((local, domain)) => {
            let first: String = local.chars().take(1).collect();
            format!("{first}***@{domain}")
        }
        None => "***".to_string(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn emails_are_redacted() {
        assert_eq!(
            super::redact_email("buyer@acme.example"),
            "b***@acme.example"
        );
        assert_eq!(super::redact_email("nonsense"), "***");
    }

    #[test]
    fn emails_inside_log_lines_are_masked_and_the_rest_is_kept() {
        let line = r#"{"error":"party buyer.one+x@acme.example refused; ask ops@switchyard.dev","n":"a@b"}"#;
        assert_eq!(
            super::redact_line(line),
            r#"{"error":"party b***@acme.example refused; ask o***@switchyard.dev","n":"a@b"}"#
        );
        let plain = "no address here";
        assert!(matches!(
            super::redact_line(plain),
            std::borrow::Cow::Borrowed(_)
        ));
    }

    #[test]
    fn every_line_logged_for_a_message_names_its_order_and_masks_emails() {
        use std::sync::{Arc, Mutex};
        let out = Arc::new(Mutex::new(Vec::<u8>::new()));
        struct Sink(Arc<Mutex<Vec<u8>>>);
        impl std::io::Write for Sink {
            fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
                self.0.lock().unwrap().extend_from_slice(buf);
                Ok(buf.len())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let sink = out.clone();
        let logs = super::json_logs(tracing_subscriber::EnvFilter::new("info"), move || {
            Sink(sink.clone())
        });
        let body = r#"{"detail":{"id":"E1","correlation_id":"C1","channel":"shop","payload":{"order_id":"O1"}}}"#;
        tracing::subscriber::with_default(logs, || {
            let _in = super::message_span("M1", body).entered();
            tracing::warn!(error = "party buyer@acme.example refused", "not posted");
        });
        let text = String::from_utf8(out.lock().unwrap().clone()).unwrap();
        let line: serde_json::Value = serde_json::from_str(text.trim()).expect("one JSON line");
        assert_eq!(line["span"]["correlation_id"], "C1");
        assert_eq!(line["span"]["order_id"], "O1");
        assert_eq!(line["span"]["channel"], "shop");
        assert_eq!(line["span"]["envelope_id"], "E1");
        assert_eq!(line["span"]["message_id"], "M1");
        assert_eq!(line["error"], "party b***@acme.example refused");
        assert!(!text.contains("buyer@"), "{text}");
    }
}
