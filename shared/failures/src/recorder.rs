//! [`FailureRecorder`]: what a queue consumer calls after each message, so that operators see
//! every failure under its business identity and every success closes it.

use std::sync::Arc;

use chrono::Utc;

use crate::batch::Received;
use crate::{Delivery, Failure, FailureClass, FailureKey, FailureStore, subject_of};

/// One consumer's view of the failure store. Best effort: the store being down is logged and
/// never changes what happens to the message.
#[derive(Clone)]
pub struct FailureRecorder {
    store: Arc<dyn FailureStore>,
    flow: String,
    function: String,
    max_receive_count: u32,
}

impl FailureRecorder {
    /// Records for `function` consuming `flow`, whose queue dead-letters after
    /// `max_receive_count` receives.
    pub fn new(
        store: Arc<dyn FailureStore>,
        flow: impl Into<String>,
        function: impl Into<String>,
        max_receive_count: u32,
    ) -> Self {
        Self {
            store,
            flow: flow.into(),
            function: function.into(),
            max_receive_count,
        }
    }

    /// A recorder over a fresh in-memory store (the twin), for tests and local tools; its
    /// queue dead-letters after 10 receives, as Terraform's default.
    pub fn in_memory(flow: impl Into<String>, function: impl Into<String>) -> Self {
        Self::new(
            Arc::new(crate::InMemoryFailureStore::new()),
            flow,
            function,
            10,
        )
    }

    /// The flow it records under.
    pub fn flow(&self) -> &str {
        &self.flow
    }

    /// The store, for reads.
    pub fn store(&self) -> &dyn FailureStore {
        self.store.as_ref()
    }

    /// Records that the message failed on its `receive_count`th receive.
    pub async fn failed(
        &self,
        queue: &str,
        message_id: Option<&str>,
        body: &str,
        receive_count: u32,
        class: FailureClass,
        error: &str,
    ) {
        let delivery = Delivery {
            flow: &self.flow,
            function: &self.function,
            queue,
            message_id,
            body,
        };
        self.record(Failure::of_message(
            &delivery,
            class,
            error,
            self.is_last(receive_count),
        ))
        .await;
    }

    fn is_last(&self, receive_count: u32) -> bool {
        receive_count >= self.max_receive_count
    }

    async fn record(&self, failure: Failure) {
        if failure.dead_lettered {
            switchyard_platform::metrics::dlq_arrival(&self.flow);
        } else {
            switchyard_platform::metrics::retry(&self.flow);
        }
        if let Err(e) = self.store.record(&failure).await {
            tracing::warn!(error = %e, key = ?failure.key, "could not record the failure");
        }
    }

    /// Records that a scheduled run about `subject` failed. There is no message and no DLQ: the
    /// schedule runs it again, and its next success settles the record.
    pub async fn run_failed(&self, subject: &str, class: FailureClass, error: &str) {
        self.record(Failure {
            key: FailureKey::new(self.flow.clone(), subject),
            class,
            error: error.to_string(),
            function: self.function.clone(),
            queue: "schedule".into(),
            correlation_id: None,
            channel: None,
            message_id: None,
            dead_lettered: false,
            at: Utc::now(),
        })
        .await;
    }

    /// Records that `message` failed on its way to `channel` (a pusher's message names the
    /// ERP as its channel; the record should name the channel that refused it).
    pub async fn failed_on_channel(
        &self,
        message: &Received<'_>,
        channel: &str,
        class: FailureClass,
        error: &str,
    ) {
        let delivery = Delivery {
            flow: &self.flow,
            function: &self.function,
            queue: message.queue,
            message_id: Some(message.message_id),
            body: message.body,
        };
        let mut failure =
            Failure::of_message(&delivery, class, error, self.is_last(message.receive_count));
        failure.channel = Some(channel.to_string());
        self.record(failure).await;
    }

    /// Records that `message` failed this delivery.
    pub async fn failed_message(&self, message: &Received<'_>, class: FailureClass, error: &str) {
        self.failed(
            message.queue,
            Some(message.message_id),
            message.body,
            message.receive_count,
            class,
            error,
        )
        .await;
    }

    /// Resolves the open failure of `message`'s work, saying `how`, when it may have one: a
    /// first delivery from the producer cannot, and costs no request.
    pub async fn succeeded_on(&self, message: &Received<'_>, how: &str) {
        if message.may_have_failed_before() {
            self.succeeded(message.body, how).await;
        }
    }

    /// Resolves the work's open failure, if it has one, saying `how`.
    pub async fn succeeded(&self, body: &str, how: &str) {
        self.settled(&subject_of(body), how).await;
    }

    /// Resolves the open failure of `subject` (in this flow), if it has one, saying `how`: for
    /// consumers that know the work by name rather than by a message body (a pusher that
    /// reached a channel with a newer level of the SKU).
    pub async fn settled(&self, subject: &str, how: &str) {
        let key = FailureKey::new(self.flow.clone(), subject);
        match self.store.resolve(&key, how, Utc::now()).await {
            Ok(true) => tracing::info!(?key, %how, "failure resolved"),
            Ok(false) => {}
            Err(e) => tracing::warn!(error = %e, ?key, "could not resolve the failure"),
        }
    }
}
