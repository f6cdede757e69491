//! Lambda entry point: stock levels to every Amazon channel (SP-API Listings Items).

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    let kind = switchyard_channels::ChannelKind::AmazonSpApi;
    stock_push::run(kind, Box::new(stock_push::connect::Amazon)).await
}
