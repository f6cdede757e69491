//! Lambda entry point: stock levels to every WooCommerce channel (REST API v3).

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    let kind = switchyard_channels::ChannelKind::Woocommerce;
    channel_push::run(kind, Box::new(channel_push::connect::WooCommerce)).await
}
