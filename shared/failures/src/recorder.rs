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
        let last = receive_count >= self.max_receive_count;
        if last {
            switchyard_platform::metrics::dlq_arrival(&self.flow);
        } else {
            switchyard_platform::metrics::retry(&self.flow);
        }
        let failure = Failure::of_message(&delivery, class, error, last);
        if let Err(e) = self.store.record(&failure).await {
            tracing::warn!(error = %e, key = ?failure.key, "could not record the failure");
        }
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

    /// Resolves the work's open failure, if it has one, saying `how`.
    pub async fn succeeded(&self, body: &str, how: &str) {
        let key = FailureKey::new(self.flow.clone(), subject_of(body));
        match self.store.resolve(&key, how, Utc::now()).await {
            Ok(true) => tracing::info!(?key, %how, "failure resolved"),
            Ok(false) => {}
            Err(e) => tracing::warn!(error = %e, ?key, "could not resolve the failure"),
        }
    }
}
