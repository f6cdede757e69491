//! Lambda entry point: stock levels to every Shopify channel (GraphQL Admin API).

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    let kind = switchyard_channels::ChannelKind::Shopify;
    channel_push::run(kind, Box::new(channel_push::connect::Shopify)).await
}
