//! Finding messages in a queue without consuming them: receive with a hold long enough for one
//! pass, each message once, then release what was not taken ([`Peek::release`]). Shared by the
//! quarantine commands and `dlq edit` (the DLQ scan in [`crate::dlq`] is private to it).

use std::collections::HashSet;

use aws_sdk_sqs::types::{Message, MessageSystemAttributeName};

/// An SQS failure, as the commands report it.
pub(crate) fn sqs_message<E: std::error::Error + 'static>(operation: &str, error: E) -> String {
    format!(
        "SQS {operation}: {}",
        aws_sdk_sqs::error::DisplayErrorContext(error)
    )
}

/// A pass over a queue that hides what it received (for `hold` seconds) until released.
pub(crate) struct Peek<'a> {
    sqs: &'a aws_sdk_sqs::Client,
    url: &'a str,
    hold: i32,
    held: Vec<String>,
}

impl<'a> Peek<'a> {
    pub(crate) fn new(sqs: &'a aws_sdk_sqs::Client, url: &'a str) -> Self {
        Self {
            sqs,
            url,
            hold: 30,
            held: Vec::new(),
        }
    }

    /// Every message of the queue (each once), or up to the one with `wanted` id when given.
    /// Ends when three receives in a row bring nothing new (one empty long poll asks every SQS
    /// server; messages seen again after their hold lapsed are not new).
    pub(crate) async fn scan(&mut self, wanted: Option<&str>) -> Result<Vec<Message>, String> {
        let mut seen = HashSet::new();
        let mut found = Vec::new();
        let mut idle = 0;
        while idle < 3 {
            let received = self
                .sqs
                .receive_message()
                .queue_url(self.url)
                .max_number_of_messages(10)
                .visibility_timeout(self.hold)
                .wait_time_seconds(1)
                .message_system_attribute_names(MessageSystemAttributeName::All)
                .message_attribute_names("All")
                .send()
                .await
                .map_err(|e| sqs_message("ReceiveMessage", e))?
                .messages
                .unwrap_or_default();
            if received.is_empty() {
                break;
            }
            let mut fresh = false;
            for message in received {
                if let Some(handle) = &message.receipt_handle {
                    self.held.push(handle.clone());
                }
                let id = message.message_id.clone().unwrap_or_default();
                if seen.insert(id.clone()) {
                    fresh = true;
                    let hit = wanted == Some(id.as_str());
                    found.push(message);
                    if hit {
                        return Ok(found);
                    }
                }
            }
            idle = if fresh { 0 } else { idle + 1 };
        }
        Ok(found)
    }

    /// The client it receives with.
    pub(crate) fn client(&self) -> &'a aws_sdk_sqs::Client {
        self.sqs
    }

    /// The message with this id, if the queue holds it (everything received stays held).
    pub(crate) async fn find(&mut self, id: &str) -> Result<Option<Message>, String> {
        Ok(self
            .scan(Some(id))
            .await?
            .into_iter()
            .find(|m| m.message_id.as_deref() == Some(id)))
    }

    /// Deletes a held message for good.
    pub(crate) async fn delete(&mut self, message: &Message) -> Result<(), String> {
        let handle = message.receipt_handle.clone().unwrap_or_default();
        self.sqs
            .delete_message()
            .queue_url(self.url)
            .receipt_handle(&handle)
            .send()
            .await
            .map_err(|e| sqs_message("DeleteMessage", e))?;
        self.held.retain(|h| *h != handle);
        Ok(())
    }

    /// Makes every held message visible again at once.
    pub(crate) async fn release(self) -> Result<(), String> {
        for handle in &self.held {
            match self
                .sqs
                .change_message_visibility()
                .queue_url(self.url)
                .receipt_handle(handle)
                .visibility_timeout(0)
                .send()
                .await
            {
                Ok(_) => {}
                // A stale handle (received again since): the newer handle is held too.
                Err(e) if e.as_service_error().is_some() => {}
                Err(e) => return Err(sqs_message("ChangeMessageVisibility", e)),
            }
        }
        Ok(())
    }
}
