//! Lambda entry point: stock levels to every WooCommerce channel (REST API v3).

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    let kind = switchyard_channels::ChannelKind::Woocommerce;
    stock_push::run(kind, Box::new(stock_push::connect::WooCommerce)).await
}
