//! The runner configuration: the JSON produced by `terraform output -json runner_config`.
//!
//! Terraform may stringify numbers and booleans, so every scalar accepts both forms.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{Context as _, bail};
use serde::{Deserialize, Deserializer};

/// The whole runner configuration.
#[derive(Debug, Clone, Deserialize)]
pub struct Config {
    /// AWS region the functions believe they run in.
    #[serde(default = "default_region")]
    pub region: String,
    /// Functions by name.
    #[serde(default)]
    pub functions: BTreeMap<String, FunctionConfig>,
    /// API Gateway routes.
    #[serde(default)]
    pub routes: Vec<RouteConfig>,
    /// SQS event source mappings.
    #[serde(default)]
    pub sqs: Vec<SqsMapping>,
    /// EventBridge schedules (`rate(…)` rules targeting a function), played at a local rate.
    #[serde(default)]
    pub schedules: Vec<ScheduleConfig>,
}

/// One EventBridge schedule: invoke `function` every `every_seconds`.
#[derive(Debug, Clone, Deserialize)]
pub struct ScheduleConfig {
    /// The rule's name (goes into the event's `resources`).
    pub name: String,
    /// Target function.
    pub function: String,
    /// Seconds between the start of one invocation and the next (locally faster than on AWS).
    #[serde(deserialize_with = "de_u64")]
    pub every_seconds: u64,
}

/// One Lambda function.
#[derive(Debug, Clone, Deserialize)]
pub struct FunctionConfig {
    /// File name of the binary inside `--bin-dir`.
    pub binary: String,
    /// Invocation timeout.
    #[serde(default = "default_timeout", deserialize_with = "de_u64")]
    pub timeout_seconds: u64,
    /// Reported memory size.
    #[serde(default = "default_memory", deserialize_with = "de_u64")]
    pub memory_mb: u64,
    /// Number of instances (processes) to run.
    #[serde(default = "default_one", deserialize_with = "de_u64")]
    pub concurrency: u64,
    /// Extra environment variables.
    #[serde(default, deserialize_with = "de_env")]
    pub environment: BTreeMap<String, String>,
}

/// One API Gateway route, e.g. `GET /v1/orders/{id}`.
#[derive(Debug, Clone, Deserialize)]
pub struct RouteConfig {
    /// `METHOD /path` or `$default`.
    pub route_key: String,
    /// Target function.
    pub function: String,
}

/// One SQS event source mapping.
#[derive(Debug, Clone, Deserialize)]
pub struct SqsMapping {
    /// Queue URL to poll.
    pub queue_url: String,
    /// Queue ARN (goes into `eventSourceARN`).
    pub queue_arn: String,
    /// Target function.
    pub function: String,
    /// Maximum records per invocation.
    #[serde(default = "default_batch", deserialize_with = "de_u64")]
    pub batch_size: u64,
    /// Maximum time to gather a batch, counted from the first message.
    #[serde(default, deserialize_with = "de_u64")]
    pub maximum_batching_window_seconds: u64,
    /// Number of concurrent pollers (AWS minimum is 2).
    #[serde(
        default = "default_pollers",
        deserialize_with = "de_opt_u64_or_default"
    )]
    pub maximum_concurrency: u64,
    /// Whether the function reports `batchItemFailures`.
    #[serde(default, deserialize_with = "de_bool")]
    pub report_batch_item_failures: bool,
}

fn default_region() -> String {
    "us-east-1".into()
}
fn default_timeout() -> u64 {
    3
}
fn default_memory() -> u64 {
    128
}
fn default_one() -> u64 {
    1
}
fn default_batch() -> u64 {
    10
}
fn default_pollers() -> u64 {
    2
}

/// A number or a string holding a number.
#[derive(Deserialize)]
#[serde(untagged)]
enum NumOrStr {
    Num(serde_json::Number),
    Str(String),
}

fn num_to_u64<E: serde::de::Error>(v: NumOrStr) -> Result<u64, E> {
    let parsed = match &v {
        NumOrStr::Num(n) => n.as_u64().or_else(|| {
            n.as_f64()
                .filter(|f| *f >= 0.0 && f.fract() == 0.0)
                .map(|f| f as u64)
        }),
        NumOrStr::Str(s) => s.trim().parse::<u64>().ok().or_else(|| {
            s.trim()
                .parse::<f64>()
                .ok()
                .filter(|f| *f >= 0.0 && f.fract() == 0.0)
                .map(|f| f as u64)
        }),
    };
    parsed.ok_or_else(|| {
        let shown = match v {
            NumOrStr::Num(n) => n.to_string(),
            NumOrStr::Str(s) => s,
        };
        E::custom(format!("expected a non-negative integer, got {shown:?}"))
    })
}

fn de_u64<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    num_to_u64(NumOrStr::deserialize(d)?)
}

fn de_opt_u64_or_default<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    match Option::<NumOrStr>::deserialize(d)? {
        None => Ok(default_pollers()),
        Some(NumOrStr::Str(s)) if s.trim().is_empty() => Ok(default_pollers()),
        Some(v) => num_to_u64(v),
    }
}

fn de_bool<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum BoolOrStr {
        Bool(bool),
        Str(String),
    }
    match Option::<BoolOrStr>::deserialize(d)? {
        None => Ok(false),
        Some(BoolOrStr::Bool(b)) => Ok(b),
        Some(BoolOrStr::Str(s)) => match s.trim().to_ascii_lowercase().as_str() {
            "true" | "1" => Ok(true),
            "false" | "0" | "" => Ok(false),
            other => Err(serde::de::Error::custom(format!(
                "expected a boolean, got {other:?}"
            ))),
        },
    }
}

fn de_env<'de, D: Deserializer<'de>>(d: D) -> Result<BTreeMap<String, String>, D::Error> {
    let raw = Option::<BTreeMap<String, serde_json::Value>>::deserialize(d)?.unwrap_or_default();
    Ok(raw
        .into_iter()
        .filter(|(_, v)| !v.is_null())
        .map(|(k, v)| {
            let s = match v {
                serde_json::Value::String(s) => s,
                other => other.to_string(),
            };
            (k, s)
        })
        .collect())
}

impl Config {
    /// Parses and validates a configuration. Accepts the bare object, Terraform's
    /// `{"value": …}` wrapper, or the full `terraform output -json` map with `runner_config`.
    pub fn from_json(text: &str) -> anyhow::Result<Self> {
        let mut value: serde_json::Value =
            serde_json::from_str(text).context("config is not JSON")?;
        while let Some(obj) = value.as_object() {
            if obj.contains_key("functions") {
                break;
            }
            match obj.get("runner_config").or_else(|| obj.get("value")) {
                Some(inner) => value = inner.clone(),
                None => break,
            }
        }
        let config: Config = serde_json::from_value(value).context("invalid runner config")?;
        config.validate()?;
        Ok(config)
    }

    /// Reads [`Config::from_json`] from a file.
    pub fn load(path: &Path) -> anyhow::Result<Self> {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        Self::from_json(&text).with_context(|| format!("in {}", path.display()))
    }

    fn validate(&self) -> anyhow::Result<()> {
        for (name, f) in &self.functions {
            if f.concurrency == 0 {
                bail!("function {name}: concurrency must be at least 1");
            }
            if f.timeout_seconds == 0 {
                bail!("function {name}: timeout_seconds must be at least 1");
            }
            if f.binary.is_empty() || f.binary.contains('/') {
                bail!(
                    "function {name}: binary must be a plain file name, got {:?}",
                    f.binary
                );
            }
        }
        for r in &self.routes {
            if !self.functions.contains_key(&r.function) {
                bail!(
                    "route {:?} targets unknown function {:?}",
                    r.route_key,
                    r.function
                );
            }
        }
        for m in &self.sqs {
            if !self.functions.contains_key(&m.function) {
                bail!(
                    "SQS mapping for {} targets unknown function {:?}",
                    m.queue_url,
                    m.function
                );
            }
            if m.batch_size == 0 {
                bail!(
                    "SQS mapping for {}: batch_size must be at least 1",
                    m.queue_url
                );
            }
            if m.maximum_concurrency == 0 {
                bail!(
                    "SQS mapping for {}: maximum_concurrency must be at least 1",
                    m.queue_url
                );
            }
        }
        for s in &self.schedules {
            if !self.functions.contains_key(&s.function) {
                bail!(
                    "schedule {} targets unknown function {:?}",
                    s.name,
                    s.function
                );
            }
            if s.every_seconds == 0 {
                bail!("schedule {}: every_seconds must be at least 1", s.name);
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_numbers_as_strings_and_wrappers() {
        let text = r#"{"runner_config": {"value": {
            "region": "eu-west-1",
            "functions": {"a": {"binary": "a", "timeout_seconds": "10", "memory_mb": 256, "concurrency": "4",
                                 "environment": {"X": "1", "N": 2}}},
            "routes": [{"route_key": "GET /x", "function": "a"}],
            "sqs": [{"queue_url": "u", "queue_arn": "arn", "function": "a", "batch_size": "5",
                     "maximum_batching_window_seconds": "1", "maximum_concurrency": null,
                     "report_batch_item_failures": "true"}]
        }}}"#;
        let c = Config::from_json(text).unwrap();
        assert_eq!(c.region, "eu-west-1");
        let f = &c.functions["a"];
        assert_eq!(
            (f.timeout_seconds, f.memory_mb, f.concurrency),
            (10, 256, 4)
        );
        assert_eq!(f.environment["N"], "2");
        let m = &c.sqs[0];
        assert_eq!(
            (
                m.batch_size,
                m.maximum_batching_window_seconds,
                m.maximum_concurrency
            ),
            (5, 1, 2)
        );
        assert!(m.report_batch_item_failures);
    }

    #[test]
    fn rejects_unknown_function_and_bad_numbers() {
        let unknown =
            r#"{"functions": {}, "routes": [{"route_key": "GET /x", "function": "nope"}]}"#;
        assert!(Config::from_json(unknown).is_err());
        let bad = r#"{"functions": {"a": {"binary": "a", "timeout_seconds": "ten"}}}"#;
        assert!(Config::from_json(bad).is_err());
        let neg = r#"{"functions": {"a": {"binary": "a", "timeout_seconds": -1}}}"#;
        assert!(Config::from_json(neg).is_err());
    }

    #[test]
    fn reads_schedules_and_refuses_impossible_ones() {
        let ok = r#"{"functions": {"poller": {"binary": "poller"}},
            "schedules": [{"name": "r", "function": "poller", "every_seconds": "2"}]}"#;
        let config = Config::from_json(ok).unwrap();
        assert_eq!(config.schedules[0].every_seconds, 2);
        let unknown = r#"{"functions": {}, "schedules": [{"name": "r", "function": "nope", "every_seconds": 2}]}"#;
        assert!(Config::from_json(unknown).is_err());
        let zero = r#"{"functions": {"p": {"binary": "p"}}, "schedules": [{"name": "r", "function": "p", "every_seconds": 0}]}"#;
        assert!(Config::from_json(zero).is_err());
        let event = crate::schedule::scheduled_event("r", "us-east-1");
        assert_eq!(event["detail-type"], "Scheduled Event");
        assert_eq!(event["source"], "aws.events");
    }
}
