//! Lambda entry point: stock levels to every Amazon channel (SP-API Listings Items).

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    let kind = switchyard_channels::ChannelKind::AmazonSpApi;
    channel_push::run(kind, Box::new(channel_push::connect::Amazon)).await
}
