//! Runs an HTTP handler as a Lambda function behind API Gateway (HTTP API, payload 2.0).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_lambda_events::apigw::{ApiGatewayV2httpRequest, ApiGatewayV2httpResponse};
use lambda_runtime::{Error, LambdaEvent};

use crate::apigw::{request_from_event, response_to_event};
use crate::http::{HttpRequest, HttpResponse};

/// A channel-facing HTTP function.
#[async_trait::async_trait]
pub trait HttpHandler: Clone + Send + Sync + 'static {
    /// Answers one request; `deadline` is when the invocation must have answered.
    async fn handle(&self, request: &HttpRequest, deadline: SystemTime) -> HttpResponse;
}

/// Serves `handler` until the Lambda runtime stops.
pub async fn serve_http<H: HttpHandler>(handler: H) -> Result<(), Error> {
    switchyard_platform::lambda::run(move |event: LambdaEvent<ApiGatewayV2httpRequest>| {
        let handler = handler.clone();
        async move {
            let deadline = UNIX_EPOCH + Duration::from_millis(event.context.deadline);
            let response = handler
                .handle(&request_from_event(&event.payload), deadline)
                .await;
            Ok::<ApiGatewayV2httpResponse, Error>(response_to_event(response))
        }
    })
    .await
}
