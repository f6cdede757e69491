//! Lambda entry point: stock levels to every Shopify channel (GraphQL Admin API).

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    let kind = switchyard_channels::ChannelKind::Shopify;
    stock_push::run(kind, Box::new(stock_push::connect::Shopify)).await
}
