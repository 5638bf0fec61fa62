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

#[cfg(test)]
mod tests {
    use std::collections::HashMap;
    use std::sync::Arc;
    use std::sync::atomic::AtomicU64;
    use std::time::Instant;

    use engine_proto::v1::resource_monitor_client::ResourceMonitorClient;
    use engine_proto::v1::{GetDeploymentInfoRequest, HandshakeRequest, RegisterResourceRequest};
    use engine_proto::value;
    use serde_json::{Value, json};
    use tonic::Code;
    use tonic::metadata::MetadataValue;

    use crate::deployment::{CancelSignal, Deployment, RunState, StackInfo, TaskCounter};
    use crate::events::{CollectSink, Reporter};
    use crate::graph::Graph;

    /// A preview run with no state and a provider that is never called.
    async fn preview_run() -> Arc<Deployment> {
        let provider = engine_provider::Provider::new(engine_provider::ProviderConfig::endpoint(
            "http://127.0.0.1:9",
            "us-east-1",
        ))
        .await
        .unwrap();
        Arc::new(Deployment {
            info: StackInfo {
                project: "p".into(),
                stack: "dev".into(),
                cloud: "local".into(),
                region: "us-east-1".into(),
                config: serde_json::Map::new(),
                secret_keys: Vec::new(),
            },
            dry_run: true,
            parallel: 4,
            targets: None,
            old: HashMap::new(),
            old_pending: Vec::new(),
            graph: Graph::new(),
            assets: Arc::new(crate::assets::Assets::new(Arc::new(provider.clone()))),
            plugins: Arc::new(crate::plugins::Plugins::new(std::path::PathBuf::new(), Vec::new())),
            provider: Arc::new(provider),
            writer: None,
            reporter: Reporter::new(Arc::new(CollectSink::default())),
            permits: Arc::new(tokio::sync::Semaphore::new(4)),
            cancel: CancelSignal::new(),
            state: std::sync::Mutex::new(RunState::default()),
            inflight: TaskCounter::default(),
            last_activity: AtomicU64::new(0),
            started: Instant::now(),
        })
    }

    fn request<T>(message: T, token: &str) -> tonic::Request<T> {
        let mut request = tonic::Request::new(message);
        request.metadata_mut().insert(engine_proto::TOKEN_METADATA_KEY, MetadataValue::try_from(token).unwrap());
        request
    }

    fn register(type_name: &str, name: &str, inputs: Value) -> RegisterResourceRequest {
        RegisterResourceRequest {
            r#type: type_name.into(),
            name: name.into(),
            custom: true,
            inputs: Some(value::to_struct(inputs.as_object().unwrap())),
            ..RegisterResourceRequest::default()
        }
    }

    #[tokio::test]
    async fn every_call_needs_the_token_and_the_protocol_version_must_match() {
        let server = super::serve(preview_run().await).await.unwrap();
        let mut client = ResourceMonitorClient::connect(format!("http://{}", server.address())).await.unwrap();
        let hello = HandshakeRequest { protocol_version: engine_proto::PROTOCOL_VERSION, ..Default::default() };
        let missing = client.handshake(tonic::Request::new(hello.clone())).await.unwrap_err();
        assert_eq!(missing.code(), Code::Unauthenticated);
        let wrong = client.handshake(request(hello.clone(), "nope")).await.unwrap_err();
        assert_eq!(wrong.code(), Code::Unauthenticated);
        client.handshake(request(hello, server.token())).await.unwrap();
        let old = HandshakeRequest { protocol_version: 0, sdk_name: "engine-sdk-python".into(), ..Default::default() };
        let refused = client.handshake(request(old, server.token())).await.unwrap_err();
        assert_eq!(refused.code(), Code::FailedPrecondition);
        assert!(
            refused.message().contains("version 0") && refused.message().contains("version 1"),
            "{}",
            refused.message()
        );
        let info = client
            .get_deployment_info(request(GetDeploymentInfoRequest {}, server.token()))
            .await
            .unwrap()
            .into_inner();
        assert_eq!((info.project.as_str(), info.stack.as_str(), info.dry_run), ("p", "dev", true));
        assert_eq!(info.root_urn, "urn:engine:dev::p::engine:index:Stack::p-dev");
        server.shutdown().await;
    }

    #[tokio::test]
    async fn preview_registrations_answer_with_unknowns_and_refuse_bad_input() {
        let run = preview_run().await;
        let server = super::serve(run.clone()).await.unwrap();
        let mut client = ResourceMonitorClient::connect(format!("http://{}", server.address())).await.unwrap();
        let token = server.token().to_owned();

        let created = client
            .register_resource(request(register("AWS::Logs::LogGroup", "logs", json!({"RetentionInDays": 7})), &token))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(created.urn, "urn:engine:dev::p::AWS::Logs::LogGroup::logs");
        let outputs = Value::Object(value::from_struct(&created.outputs.unwrap()));
        assert_eq!(outputs["RetentionInDays"], json!(7));
        assert!(value::is_unknown(&outputs["Arn"]), "{outputs}");

        let password = client
            .register_resource(request(register("Engine::Random::Password", "pw", json!({"Length": 16})), &token))
            .await
            .unwrap()
            .into_inner();
        let outputs = Value::Object(value::from_struct(&password.outputs.unwrap()));
        assert!(value::is_secret(&outputs["Result"]) && value::contains_unknowns(&outputs["Result"]), "{outputs}");

        let duplicate = client
            .register_resource(request(register("AWS::Logs::LogGroup", "logs", json!({})), &token))
            .await
            .unwrap_err();
        assert_eq!(duplicate.code(), Code::AlreadyExists);

        let invalid = client
            .register_resource(request(register("AWS::Logs::LogGroup", "bad", json!({"RetentionInDays": "x"})), &token))
            .await
            .unwrap_err();
        assert!(invalid.message().contains("urn:engine:dev::p::AWS::Logs::LogGroup::bad"), "{}", invalid.message());
        assert!(invalid.message().contains("/RetentionInDays"), "{}", invalid.message());

        // A child's URN carries its parent's type.
        let mut component = register("acme:index:Net", "net", json!({}));
        component.custom = false;
        let net = client.register_resource(request(component, &token)).await.unwrap().into_inner();
        let mut child = register("AWS::SQS::Queue", "q", json!({}));
        child.parent = net.urn.clone();
        let q = client.register_resource(request(child, &token)).await.unwrap().into_inner();
        assert_eq!(q.urn, "urn:engine:dev::p::acme:index:Net$AWS::SQS::Queue::q");
        server.shutdown().await;
        let errors = run.lock_state().errors.clone();
        assert_eq!(errors.len(), 2, "{errors:?}");
    }

    #[tokio::test]
    async fn a_burst_of_concurrent_registrations_on_one_connection_all_succeed() {
        let run = preview_run().await;
        let server = super::serve(run.clone()).await.unwrap();
        let channel = tonic::transport::Endpoint::from_shared(format!("http://{}", server.address()))
            .unwrap()
            .connect()
            .await
            .unwrap();
        let token = server.token().to_owned();
        let calls = (0..3000).map(|i| {
            let mut client = ResourceMonitorClient::new(channel.clone());
            let token = token.clone();
            async move {
                client
                    .register_resource(request(
                        register("Engine::Random::String", &format!("s{i}"), json!({"Length": 8})),
                        &token,
                    ))
                    .await
            }
        });
        let results = futures::future::join_all(calls).await;
        let failures: Vec<_> = results.iter().filter_map(|r| r.as_ref().err()).collect();
        assert!(failures.is_empty(), "{} failed, first: {:?}", failures.len(), failures.first());
        server.shutdown().await;
    }
}
