//! `edi-inventory-advice`: an 846 into each subscribed X12 partner's outbox, once per period.
//!
//! A schedule invokes it (every minute on AWS). For every X12 channel with an
//! [`InventoryAdvice`] subscription whose current period has no advice yet, it reads the
//! projected level of each subscribed SKU, applies the channel's [`Allocation`], renders one 846
//! and puts it into the outbox under `846-<period start>`, then records the period under
//! `advice#<channel>` / `last` in the projection store.
//!
//! Periods are `every_minutes` long and counted from the Unix epoch, so the document id is the
//! same for every invocation within one period: two invocations racing, or a retry after the
//! document was written but before the record was, cannot put a second advice there (the
//! outbox keeps the first document with an id). SKUs the projection does not know are left out
//! and logged; a partner with none known gets no document that period.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use switchyard_channels::{
    Allocation, Channel, ChannelDirectory, ChannelKind, InventoryAdvice, TradingPartner,
};
use switchyard_edi_outbox::{EdiStore, OutboxDocument};
use switchyard_inventory::stock::read_stock;
use switchyard_model::{ChannelName, Sku};
use switchyard_platform::ServiceError;
use switchyard_projections::{Key, ProjectionStore, Version};
use switchyard_x12::write::inventory_advice::QUANTITY_AVAILABLE_FOR_SALE;
use switchyard_x12::write::{
    AdviceLine, ControlNumbers, InventoryAdvice as Advice, OutboundEnvelope, PartnerId,
    inventory_advice,
};

/// Where the last advised period of a channel is recorded.
pub fn last_advice_key(channel: &ChannelName) -> Key {
    Key::new(format!("advice#{channel}"), "last")
}

/// The outbox id of the advice for the period starting at `period_start`.
pub fn document_id(period_start: DateTime<Utc>) -> String {
    format!("846-{}", period_start.format("%Y%m%dT%H%MZ"))
}

/// What is recorded for a channel once its period is advised.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LastAdvice {
    /// The period advised.
    pub period_start: DateTime<Utc>,
    /// The outbox document, `None` when no SKU of the channel was known.
    pub document: Option<String>,
    /// How many SKUs it advised (0 when a later run recorded a document it found written).
    pub lines: usize,
    /// When it was written.
    pub written_at: DateTime<Utc>,
}

/// What became of one channel in a run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// An 846 is in the outbox under this id, with this many lines.
    Written {
        /// The outbox document id.
        document: String,
        /// Items advised.
        lines: usize,
    },
    /// This period's advice was already written (by an earlier or a concurrent run).
    AlreadyAdvised,
    /// None of the channel's SKUs is known to the projection: no document this period.
    NothingKnown,
    /// An X12 subscriber without an interchange identity: it cannot be addressed.
    NoTradingPartner,
}

/// One run over every channel.
#[derive(Debug, Default)]
pub struct Report {
    /// Subscribed channels that were due, and what became of them.
    pub advised: Vec<(ChannelName, Outcome)>,
    /// Channels that failed (the store, the projection); they are tried again next minute.
    pub failed: Vec<(ChannelName, ServiceError)>,
}

/// Writes 846s.
#[derive(Clone)]
pub struct InventoryAdviser {
    channels: Arc<dyn ChannelDirectory>,
    edi: Arc<dyn EdiStore>,
    projections: Arc<dyn ProjectionStore>,
}

impl InventoryAdviser {
    /// An adviser over the channel directory, the EDI store and the catalog projections.
    pub fn new(
        channels: Arc<dyn ChannelDirectory>,
        edi: Arc<dyn EdiStore>,
        projections: Arc<dyn ProjectionStore>,
    ) -> Self {
        InventoryAdviser {
            channels,
            edi,
            projections,
        }
    }

    /// One scheduled run at `now`: every subscribed X12 channel whose period is due. A failing
    /// channel does not hold up the others.
    pub async fn run(&self, now: DateTime<Utc>) -> Result<Report, ServiceError> {
        let mut report = Report::default();
        for channel in self.channels.list().await? {
            let Some(advice) = subscription(&channel) else {
                continue;
            };
            match self.advise_if_due(&channel, advice, now).await {
                Ok(Some(outcome)) => report.advised.push((channel.name.clone(), outcome)),
                Ok(None) => {}
                Err(e) => {
                    tracing::warn!(channel = %channel.name, error = %e, "846 not written; next run retries");
                    report.failed.push((channel.name.clone(), e));
                }
            }
        }
        Ok(report)
    }

    /// The channel's advice for the period `now` is in, unless that period was advised.
    async fn advise_if_due(
        &self,
        channel: &Channel,
        advice: &InventoryAdvice,
        now: DateTime<Utc>,
    ) -> Result<Option<Outcome>, ServiceError> {
        let period_start = advice.period_start(now);
        if let Some(last) = self.last_advice(&channel.name).await?
            && last.period_start >= period_start
        {
            return Ok(None);
        }
        let Some(partner) = &channel.trading_partner else {
            tracing::warn!(channel = %channel.name, "an 846 subscriber without an ISA id cannot be addressed");
            return Ok(Some(Outcome::NoTradingPartner));
        };
        let id = document_id(period_start);
        if self.edi.document(&channel.name, &id).await?.is_some() {
            // Written by a run that did not get to record it; record it now.
            self.record(&channel.name, period_start, Some(&id), 0, now)
                .await?;
            return Ok(Some(Outcome::AlreadyAdvised));
        }
        let allocation = channel.allocation.clone().unwrap_or_default();
        let (lines, as_of) = self.lines(&channel.name, &advice.skus, &allocation).await?;
        if lines.is_empty() {
            // Not recorded: the projections may still be filling (a first start, a resync), so
            // the next run tries again within the period rather than skipping it.
            tracing::warn!(channel = %channel.name, "no subscribed SKU is known yet; no 846 for now");
            return Ok(Some(Outcome::NothingKnown));
        }
        let number = self.edi.next_control_number(&channel.name).await?;
        let envelope = OutboundEnvelope::new(
            partner_id(&advice.sender),
            partner_id(partner),
            ControlNumbers {
                interchange: number,
                group: number,
            },
            now.naive_utc(),
        );
        let content = inventory_advice(
            &envelope,
            &Advice {
                reference: period_start.format("%Y%m%d%H%M").to_string(),
                report_type: advice.report_type.clone(),
                quantity_qualifier: QUANTITY_AVAILABLE_FOR_SALE.into(),
                as_of: as_of.unwrap_or(now),
                lines: lines.clone(),
            },
        );
        self.edi
            .put_document(&OutboxDocument {
                id: id.clone(),
                channel: channel.name.clone(),
                kind: "846".into(),
                created_at: now,
                order_ids: vec![],
                content,
            })
            .await?;
        self.record(&channel.name, period_start, Some(&id), lines.len(), now)
            .await?;
        tracing::info!(channel = %channel.name, document = %id, lines = lines.len(), "846 written");
        Ok(Some(Outcome::Written {
            document: id,
            lines: lines.len(),
        }))
    }

    /// The advised lines of the SKUs the projection knows, allocated, with the ERP time of the
    /// newest change among them.
    async fn lines(
        &self,
        channel: &ChannelName,
        skus: &[Sku],
        allocation: &Allocation,
    ) -> Result<(Vec<AdviceLine>, Option<DateTime<Utc>>), ServiceError> {
        let levels = read_stock(self.projections.as_ref(), skus).await?;
        let mut lines = Vec::new();
        let mut as_of: Option<DateTime<Utc>> = None;
        let mut unknown = Vec::new();
        for (sku, level) in skus.iter().zip(levels) {
            let Some(level) = level else {
                unknown.push(sku.to_string());
                continue;
            };
            let Some(unit) = x12_unit(&level.unit) else {
                tracing::warn!(%channel, %sku, unit = %level.unit, "no X12 unit for the ERP unit; SKU left out of the 846");
                continue;
            };
            lines.push(AdviceLine {
                vendor_item: sku.to_string(),
                // Switchyard keeps no catalogue of partners' item numbers yet.
                buyer_item: None,
                quantity: allocation.apply(level.available, level.whole_units),
                unit: unit.to_string(),
            });
            as_of = as_of.max(Some(level.as_of));
        }
        if !unknown.is_empty() {
            tracing::warn!(%channel, skus = ?unknown, "SKUs the ERP never reported are left out of the 846");
        }
        Ok((lines, as_of))
    }

    async fn last_advice(&self, channel: &ChannelName) -> Result<Option<LastAdvice>, ServiceError> {
        let stored = self
            .projections
            .get_many(&[last_advice_key(channel)])
            .await?
            .pop()
            .flatten();
        stored
            .map(|s| {
                serde_json::from_value(s.doc).map_err(|e| {
                    ServiceError::new("projections", format!("the last advice is unreadable: {e}"))
                })
            })
            .transpose()
    }

    async fn record(
        &self,
        channel: &ChannelName,
        period_start: DateTime<Utc>,
        document: Option<&str>,
        lines: usize,
        now: DateTime<Utc>,
    ) -> Result<(), ServiceError> {
        let last = LastAdvice {
            period_start,
            document: document.map(str::to_string),
            lines,
            written_at: now,
        };
        self.projections
            .put(
                &last_advice_key(channel),
                Version::new(period_start.timestamp()),
                &serde_json::to_value(&last).expect("a last advice serialises"),
            )
            .await
    }
}

/// The channel's subscription, if it is an X12 partner with one.
fn subscription(channel: &Channel) -> Option<&InventoryAdvice> {
    (channel.kind == ChannelKind::X12)
        .then_some(channel.inventory_advice.as_ref())
        .flatten()
}

fn partner_id(tp: &TradingPartner) -> PartnerId {
    PartnerId::new(tp.isa_qualifier.trim(), tp.isa_id.trim())
}

/// The X12 unit of measure (element 355) for a Tryton unit symbol (the reverse of the ERP
/// adapter's alias table); `None` for a unit without a known code: advising `EA` for a dozen
/// would promise a twelfth of the stock, so such a SKU is left out instead.
pub fn x12_unit(tryton_symbol: &str) -> Option<&'static str> {
    const UNITS: &[(&str, &str)] = &[
        ("u", "EA"),
        ("kg", "KG"),
        ("g", "GR"),
        ("lb", "LB"),
        ("oz", "OZ"),
        ("l", "LT"),
        ("gal", "GA"),
        ("m", "MR"),
        ("cm", "CM"),
        ("mm", "MM"),
        ("ft", "FT"),
        ("in", "IN"),
        ("yd", "YD"),
        ("h", "HR"),
        ("d", "DA"),
        ("dz", "DZ"),
    ];
    let symbol = tryton_symbol.trim();
    UNITS
        .iter()
        .find(|(s, _)| s.eq_ignore_ascii_case(symbol))
        .map(|(_, code)| *code)
}

/// Why a scheduled run reports failure (so the invocation shows as failed and alarms).
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The channel directory could not be listed: nothing was tried.
    #[error(transparent)]
    Store(#[from] ServiceError),
    /// Some channels failed; the others were advised.
    #[error("846 not written for {}", .0.join(", "))]
    Channels(Vec<String>),
}

/// The Lambda handler: `event` is the schedule's "Scheduled Event" (its content does not matter;
/// the run is at `now`). Returns a summary of what was written.
pub async fn handle(
    adviser: &InventoryAdviser,
    event: &aws_lambda_events::eventbridge::EventBridgeEvent,
    now: DateTime<Utc>,
) -> Result<serde_json::Value, RunError> {
    let report = adviser.run(now).await?;
    let written: Vec<serde_json::Value> = report
        .advised
        .iter()
        .filter_map(|(channel, outcome)| match outcome {
            Outcome::Written { document, lines } => {
                Some(serde_json::json!({"channel": channel, "document": document, "lines": lines}))
            }
            _ => None,
        })
        .collect();
    tracing::info!(
        schedule_event = event.id.as_deref().unwrap_or("-"),
        due = report.advised.len(),
        written = written.len(),
        failed = report.failed.len(),
        "inventory advice run"
    );
    if !report.failed.is_empty() {
        return Err(RunError::Channels(
            report.failed.iter().map(|(c, _)| c.to_string()).collect(),
        ));
    }
    Ok(serde_json::json!({ "written": written }))
}
