//! Lambda entry point: shipments to the order's channel on WooCommerce (an order note per shipment, completed once fully shipped).

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    let kind = switchyard_channels::ChannelKind::Woocommerce;
    channel_push::run_fulfilment(kind, Box::new(channel_push::connect::WooCommerce)).await
}
