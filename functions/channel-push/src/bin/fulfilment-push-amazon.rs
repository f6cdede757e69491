//! Lambda entry point: shipments to the order's channel on Amazon (confirmShipment, SP-API Orders).

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    let kind = switchyard_channels::ChannelKind::AmazonSpApi;
    channel_push::run_fulfilment(kind, Box::new(channel_push::connect::Amazon)).await
}
