//! Lambda entry point: stock levels to every Shopify channel (GraphQL Admin API).

use switchyard_channels::ChannelKind;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    stock_push::run(ChannelKind::Shopify, Box::new(stock_push::connect::shopify)).await
}
