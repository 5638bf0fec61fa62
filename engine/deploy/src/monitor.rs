//! The resource monitor: the gRPC server a program's SDK talks to, on `127.0.0.1:<random port>`
//! for one run, with a random per-run token every call must carry (`x-engine-token`).
//!
//! Each call is handled on its own task (tonic drives every request as a separate future; the
//! registration work itself is spawned so a registration is never held up by another one and
//! finishes even if the SDK stops waiting). `max_concurrent_streams` is bounded so a burst of
//! thousands of concurrent registrations on one connection is queued by the client instead of
//! tripping h2's flood protection (toolchain notes P5).

use std::net::SocketAddr;
use std::sync::Arc;

use engine_proto::v1::resource_monitor_server::{ResourceMonitor, ResourceMonitorServer};
use engine_proto::v1::{
    DeploymentInfo, FinishRequest, FinishResponse, GetDeploymentInfoRequest, HandshakeRequest, HandshakeResponse,
    InvokeRequest, InvokeResponse, LogRequest, LogResponse, ReadResourceRequest, ReadResourceResponse,
    RegisterResourceOutputsRequest, RegisterResourceOutputsResponse, RegisterResourceRequest, RegisterResourceResponse,
};
use engine_proto::{PROTOCOL_VERSION, TOKEN_METADATA_KEY};
use tokio::sync::oneshot;
use tonic::{Request, Response, Status};

use crate::deployment::Deployment;

/// Streams one connection may have open at once (see the module docs).
pub const MAX_CONCURRENT_STREAMS: u32 = 1000;

/// A running monitor.
pub struct MonitorServer {
    addr: SocketAddr,
    token: String,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl MonitorServer {
    /// `127.0.0.1:PORT`.
    #[must_use]
    pub fn address(&self) -> String {
        self.addr.to_string()
    }

    #[must_use]
    pub fn token(&self) -> &str {
        &self.token
    }

    /// Stop serving.
    pub async fn shutdown(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(mut task) = self.task.take() {
            // Connections of a program that is gone close at once; do not wait on stragglers
            // (the service holds the run, which must be dropped for state to be closed).
            if tokio::time::timeout(std::time::Duration::from_secs(2), &mut task).await.is_err() {
                task.abort();
                let _ = task.await;
            }
        }
    }
}

/// A random token (256 bits, hex).
#[must_use]
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    if getrandom::fill(&mut bytes).is_err() {
        // The OS random source failing is fatal for secrets but not for a loopback token:
        // fall back to UUIDv4s (themselves from the OS source when it works).
        return format!("{}{}", uuid::Uuid::new_v4().simple(), uuid::Uuid::new_v4().simple());
    }
    hex::encode(bytes)
}

/// Start serving `deployment` on a fresh port.
pub(crate) async fn serve(deployment: Arc<Deployment>) -> Result<MonitorServer, String> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.map_err(|e| e.to_string())?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let token = new_token();
    let service = Service { deployment, token: Arc::from(token.as_str()) };
    let (tx, rx) = oneshot::channel::<()>();
    let incoming = tonic::transport::server::TcpIncoming::from(listener).with_nodelay(Some(true));
    let server = tonic::transport::Server::builder()
        .max_concurrent_streams(Some(MAX_CONCURRENT_STREAMS))
        .add_service(
            ResourceMonitorServer::new(service)
                .max_decoding_message_size(64 * 1024 * 1024)
                .max_encoding_message_size(64 * 1024 * 1024),
        )
        .serve_with_incoming_shutdown(incoming, async {
            let _ = rx.await;
        });
    let task = tokio::spawn(async move {
        if let Err(e) = server.await {
            tracing::warn!("monitor stopped: {e}");
        }
    });
    Ok(MonitorServer { addr, token, shutdown: Some(tx), task: Some(task) })
}

struct Service {
    deployment: Arc<Deployment>,
    token: Arc<str>,
}

impl Service {
    fn authorize<T>(&self, request: &Request<T>) -> Result<(), Status> {
        match request.metadata().get(TOKEN_METADATA_KEY).and_then(|v| v.to_str().ok()) {
            Some(token) if constant_time_eq(token.as_bytes(), self.token.as_bytes()) => {
                self.deployment.touch();
                Ok(())
            }
            Some(_) => Err(Status::unauthenticated("wrong x-engine-token for this run")),
            None => Err(Status::unauthenticated("missing x-engine-token metadata (see ENGINE_MONITOR_TOKEN)")),
        }
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Run a piece of monitor work on its own task, so it completes even if the caller goes away.
async fn spawned<T: Send + 'static>(
    work: impl std::future::Future<Output = Result<T, Status>> + Send + 'static,
) -> Result<T, Status> {
    match tokio::spawn(work).await {
        Ok(result) => result,
        Err(e) => Err(Status::internal(format!("the engine failed handling the call: {e}"))),
    }
}

#[tonic::async_trait]
impl ResourceMonitor for Service {
    async fn handshake(&self, request: Request<HandshakeRequest>) -> Result<Response<HandshakeResponse>, Status> {
        self.authorize(&request)?;
        let req = request.into_inner();
        if req.protocol_version != PROTOCOL_VERSION {
            return Err(Status::failed_precondition(format!(
                "{} {} speaks engine protocol version {}, but this engine ({}) speaks version {}: upgrade {}",
                if req.sdk_name.is_empty() { "the SDK" } else { &req.sdk_name },
                req.sdk_version,
                req.protocol_version,
                env!("CARGO_PKG_VERSION"),
                PROTOCOL_VERSION,
                if req.protocol_version < PROTOCOL_VERSION { "the SDK" } else { "the engine" }
            )));
        }
        Ok(Response::new(HandshakeResponse {
            protocol_version: PROTOCOL_VERSION,
            engine_version: env!("CARGO_PKG_VERSION").to_owned(),
        }))
    }

    async fn get_deployment_info(
        &self,
        request: Request<GetDeploymentInfoRequest>,
    ) -> Result<Response<DeploymentInfo>, Status> {
        self.authorize(&request)?;
        Ok(Response::new(self.deployment.deployment_info()))
    }

    async fn register_resource(
        &self,
        request: Request<RegisterResourceRequest>,
    ) -> Result<Response<RegisterResourceResponse>, Status> {
        self.authorize(&request)?;
        let deployment = self.deployment.clone();
        let req = request.into_inner();
        spawned(async move { deployment.register_resource(req).await }).await.map(Response::new)
    }

    async fn register_resource_outputs(
        &self,
        request: Request<RegisterResourceOutputsRequest>,
    ) -> Result<Response<RegisterResourceOutputsResponse>, Status> {
        self.authorize(&request)?;
        let deployment = self.deployment.clone();
        let req = request.into_inner();
        spawned(async move { deployment.register_outputs(req).await }).await.map(Response::new)
    }

    async fn read_resource(
        &self,
        request: Request<ReadResourceRequest>,
    ) -> Result<Response<ReadResourceResponse>, Status> {
        self.authorize(&request)?;
        let deployment = self.deployment.clone();
        let req = request.into_inner();
        spawned(async move { deployment.read_resource(req).await }).await.map(Response::new)
    }

    async fn invoke(&self, request: Request<InvokeRequest>) -> Result<Response<InvokeResponse>, Status> {
        self.authorize(&request)?;
        let deployment = self.deployment.clone();
        let req = request.into_inner();
        spawned(async move { deployment.invoke(req).await }).await.map(Response::new)
    }

    async fn log(&self, request: Request<LogRequest>) -> Result<Response<LogResponse>, Status> {
        self.authorize(&request)?;
        self.deployment.log(request.into_inner());
        Ok(Response::new(LogResponse {}))
    }

    async fn finish(&self, request: Request<FinishRequest>) -> Result<Response<FinishResponse>, Status> {
        self.authorize(&request)?;
        self.deployment.finish(request.into_inner());
        Ok(Response::new(FinishResponse {}))
    }
}
