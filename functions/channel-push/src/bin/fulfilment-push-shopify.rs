//! Lambda entry point: shipments to the order's channel on Shopify (fulfillmentCreate, GraphQL Admin API).

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    let kind = switchyard_channels::ChannelKind::Shopify;
    channel_push::run_fulfilment(kind, Box::new(channel_push::connect::Shopify)).await
}
