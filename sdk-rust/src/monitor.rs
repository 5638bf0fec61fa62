//! The gRPC connection to the engine's resource monitor: one tonic channel, the run's token on
//! every call, and a client-side bound on calls in flight.
//!
//! The bound matters: h2 (0.4.20) answers a burst of thousands of unary calls on one connection
//! with `GOAWAY ENHANCE_YOUR_CALM` (too many small DATA frames buffered), failing every call in
//! flight. With at most [`DEFAULT_MAX_CONCURRENT_CALLS`] calls in flight, extra calls wait here
//! instead, whatever the server's settings.

use std::sync::Arc;
use std::time::Duration;

use engine_proto::v1::resource_monitor_client::ResourceMonitorClient;
use engine_proto::v1::{
    DeploymentInfo, FinishRequest, GetDeploymentInfoRequest, HandshakeRequest, HandshakeResponse, InvokeRequest,
    InvokeResponse, LogRequest, ReadResourceRequest, ReadResourceResponse, RegisterResourceOutputsRequest,
    RegisterResourceRequest, RegisterResourceResponse,
};
use tokio::sync::Semaphore;
use tonic::metadata::{AsciiMetadataValue, MetadataValue};
use tonic::transport::{Channel, Endpoint};

use crate::{Error, Result};

/// Calls in flight on the monitor connection, at most (see the module documentation).
pub const DEFAULT_MAX_CONCURRENT_CALLS: usize = 512;

const MAX_MESSAGE_SIZE: usize = 256 * 1024 * 1024;

#[derive(Clone)]
pub(crate) struct Monitor {
    client: ResourceMonitorClient<Channel>,
    token: AsciiMetadataValue,
    permits: Arc<Semaphore>,
}

impl Monitor {
    /// Connect (must run on the SDK runtime: the channel's worker task lives where it is made).
    pub(crate) async fn connect(address: &str, token: &str, max_concurrent_calls: usize) -> Result<Monitor> {
        let connect_error =
            |message: String| Error::Connect { address: address.to_owned(), message };
        let uri = if address.contains("://") { address.to_owned() } else { format!("http://{address}") };
        let endpoint = Endpoint::from_shared(uri)
            .map_err(|error| connect_error(format!("invalid address: {error}")))?
            .tcp_nodelay(true)
            .connect_timeout(Duration::from_secs(10));
        let channel = endpoint.connect().await.map_err(|error| connect_error(crate::error::chain_message(&error)))?;
        let token: AsciiMetadataValue = MetadataValue::try_from(token)
            .map_err(|_| Error::Environment("ENGINE_MONITOR_TOKEN contains characters not allowed in gRPC metadata".to_owned()))?;
        let client = ResourceMonitorClient::new(channel)
            .max_decoding_message_size(MAX_MESSAGE_SIZE)
            .max_encoding_message_size(MAX_MESSAGE_SIZE);
        Ok(Monitor { client, token, permits: Arc::new(Semaphore::new(max_concurrent_calls.max(1))) })
    }

    fn request<T>(&self, message: T) -> tonic::Request<T> {
        let mut request = tonic::Request::new(message);
        request.metadata_mut().insert(engine_proto::TOKEN_METADATA_KEY, self.token.clone());
        request
    }

    async fn permit(&self) -> Result<tokio::sync::SemaphorePermit<'_>> {
        self.permits.acquire().await.map_err(|_| Error::Other("the monitor connection is closed".to_owned()))
    }

    pub(crate) async fn handshake(&self, request: HandshakeRequest) -> Result<HandshakeResponse> {
        let _permit = self.permit().await?;
        let mut client = self.client.clone();
        client
            .handshake(self.request(request))
            .await
            .map(tonic::Response::into_inner)
            .map_err(|status| Error::from_status("Handshake", &status))
    }

    pub(crate) async fn deployment_info(&self) -> Result<DeploymentInfo> {
        let _permit = self.permit().await?;
        let mut client = self.client.clone();
        client
            .get_deployment_info(self.request(GetDeploymentInfoRequest {}))
            .await
            .map(tonic::Response::into_inner)
            .map_err(|status| Error::from_status("GetDeploymentInfo", &status))
    }

    pub(crate) async fn register_resource(&self, request: RegisterResourceRequest) -> Result<RegisterResourceResponse> {
        let _permit = self.permit().await?;
        let mut client = self.client.clone();
        client
            .register_resource(self.request(request))
            .await
            .map(tonic::Response::into_inner)
            .map_err(|status| Error::from_status("RegisterResource", &status))
    }

    pub(crate) async fn register_resource_outputs(&self, request: RegisterResourceOutputsRequest) -> Result<()> {
        let _permit = self.permit().await?;
        let mut client = self.client.clone();
        client
            .register_resource_outputs(self.request(request))
            .await
            .map(|_| ())
            .map_err(|status| Error::from_status("RegisterResourceOutputs", &status))
    }

    pub(crate) async fn read_resource(&self, request: ReadResourceRequest) -> Result<ReadResourceResponse> {
        let _permit = self.permit().await?;
        let mut client = self.client.clone();
        client
            .read_resource(self.request(request))
            .await
            .map(tonic::Response::into_inner)
            .map_err(|status| Error::from_status("ReadResource", &status))
    }

    pub(crate) async fn invoke(&self, request: InvokeRequest) -> Result<InvokeResponse> {
        let _permit = self.permit().await?;
        let mut client = self.client.clone();
        client
            .invoke(self.request(request))
            .await
            .map(tonic::Response::into_inner)
            .map_err(|status| Error::from_status("Invoke", &status))
    }

    pub(crate) async fn log(&self, request: LogRequest) -> Result<()> {
        let _permit = self.permit().await?;
        let mut client = self.client.clone();
        client.log(self.request(request)).await.map(|_| ()).map_err(|status| Error::from_status("Log", &status))
    }

    pub(crate) async fn finish(&self, request: FinishRequest) -> Result<()> {
        let mut client = self.client.clone();
        client.finish(self.request(request)).await.map(|_| ()).map_err(|status| Error::from_status("Finish", &status))
    }
}
