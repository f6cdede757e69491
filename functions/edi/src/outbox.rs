//! The partner's outbox: documents Switchyard wrote for it (997s, 855s; CONTRLs and ORDRSPs for EDIFACT partners), collected by polling.
//!
//! A partner lists what is waiting, fetches each document as raw X12, and confirms collection
//! with a `DELETE`, after which it is no longer listed. Polling over HTTPS with the channel's API
//! key needs nothing on the partner's side but what the inbound endpoint already needs (no AS2
//! or SFTP server to run); see docs/decisions.

use switchyard_edi_outbox::{Listed, Listing};
use switchyard_intake::problem::unavailable;
use switchyard_intake::{HttpRequest, HttpResponse, Problem};

use crate::api::{EdiApi, Outcome};

impl EdiApi {
    pub(crate) async fn list(&self, request: &HttpRequest) -> Outcome {
        let channel = self.partner(request).await?;
        let documents = self
            .ports
            .edi
            .documents(&channel.name)
            .await
            .map_err(unavailable)?;
        let listed: Vec<Listed> = documents
            .into_iter()
            .map(|d| Listed {
                url: format!("/v1/edi/outbox/{}", d.id),
                id: d.id,
                kind: d.kind,
                created_at: d.created_at,
                order_ids: d.order_ids,
            })
            .collect();
        Ok(HttpResponse::json(200, &Listing { documents: listed }))
    }

    pub(crate) async fn fetch(&self, request: &HttpRequest, id: &str) -> Outcome {
        let channel = self.partner(request).await?;
        let document = self
            .ports
            .edi
            .document(&channel.name, id)
            .await
            .map_err(unavailable)?
            .ok_or_else(|| not_found(id))?;
        let media_type = match document.kind.as_str() {
            crate::edifact::CONTRL_KIND | crate::edifact::ORDRSP_KIND => {
                crate::edifact::EDIFACT_MEDIA_TYPE
            }
            _ => "application/edi-x12",
        };
        Ok(HttpResponse {
            status: 200,
            headers: vec![("content-type".into(), media_type.into())],
            body: document.content,
        }
        .with_header("x-switchyard-document-type", document.kind)
        .with_header("x-switchyard-order-ids", document.order_ids.join(",")))
    }

    pub(crate) async fn confirm_collected(&self, request: &HttpRequest, id: &str) -> Outcome {
        let channel = self.partner(request).await?;
        if self
            .ports
            .edi
            .collect(&channel.name, id)
            .await
            .map_err(unavailable)?
        {
            Ok(HttpResponse {
                status: 204,
                headers: vec![],
                body: String::new(),
            })
        } else {
            Err(not_found(id))
        }
    }
}

fn not_found(id: &str) -> Problem {
    Problem::new(
        404,
        "document-not-found",
        "Document not found",
        format!("no document {id} waiting for this partner"),
    )
}
