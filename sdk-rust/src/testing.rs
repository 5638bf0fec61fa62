//! A mock of the engine's resource monitor (feature `testing`): a real tonic server on
//! 127.0.0.1 implementing `ResourceMonitor`, recording every request and answering like the
//! engine would (URNs per `proto/README.md`, token checks, protocol version check, unknowns in
//! preview). For the SDK's tests and benchmark, and for the bindings' tests.
//!
//! It runs with tonic's default server settings on purpose: the SDK's client-side bound is what
//! keeps a burst of registrations from tripping h2's flow control (see `monitor.rs`).

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use engine_proto::v1::resource_monitor_server::{ResourceMonitor, ResourceMonitorServer};
use engine_proto::v1::{
    DeploymentInfo, FinishRequest, FinishResponse, GetDeploymentInfoRequest, HandshakeRequest, HandshakeResponse,
    InvokeRequest, InvokeResponse, LogRequest, LogResponse, ReadResourceRequest, ReadResourceResponse,
    RegisterResourceOutputsRequest, RegisterResourceOutputsResponse, RegisterResourceRequest, RegisterResourceResponse,
};
use engine_proto::value as wire;
use serde_json::{Map, Value, json};
use tokio::sync::oneshot;
use tonic::transport::Server;
use tonic::transport::server::TcpIncoming;
use tonic::{Request, Response, Status};

use crate::context::{ConnectOptions, Context};

/// How the mock engine behaves.
#[derive(Debug, Clone)]
pub struct MockOptions {
    pub project: String,
    pub stack: String,
    pub dry_run: bool,
    /// Config by full key.
    pub config: BTreeMap<String, Value>,
    pub secret_keys: Vec<String>,
    pub region: String,
    /// The protocol version the mock engine speaks.
    pub protocol_version: u32,
    pub token: String,
    /// How long each `RegisterResource` takes.
    pub register_delay: Option<Duration>,
}

impl Default for MockOptions {
    fn default() -> Self {
        MockOptions {
            project: "proj".to_owned(),
            stack: "dev".to_owned(),
            dry_run: false,
            config: BTreeMap::new(),
            secret_keys: Vec::new(),
            region: "eu-west-1".to_owned(),
            protocol_version: engine_proto::PROTOCOL_VERSION,
            token: "test-token".to_owned(),
            register_delay: None,
        }
    }
}

/// Everything the mock received.
#[derive(Debug, Clone, Default)]
pub struct Recorded {
    pub handshakes: Vec<HandshakeRequest>,
    pub registrations: Vec<RegisterResourceRequest>,
    pub resource_outputs: Vec<RegisterResourceOutputsRequest>,
    pub reads: Vec<ReadResourceRequest>,
    pub invokes: Vec<InvokeRequest>,
    pub logs: Vec<LogRequest>,
    pub finishes: Vec<FinishRequest>,
    /// Calls refused for a missing or wrong token.
    pub unauthenticated: usize,
    /// The most `RegisterResource` calls that were in flight at once.
    pub max_registrations_in_flight: usize,
}

impl Recorded {
    /// The registration of the resource named `name`.
    #[must_use]
    pub fn registration(&self, name: &str) -> Option<&RegisterResourceRequest> {
        self.registrations.iter().find(|request| request.name == name)
    }

    /// A registration's inputs as JSON.
    #[must_use]
    pub fn inputs(&self, name: &str) -> Option<Value> {
        self.registration(name)
            .map(|request| Value::Object(request.inputs.as_ref().map(wire::from_struct).unwrap_or_default()))
    }

    /// The last stack outputs registered on the root resource.
    #[must_use]
    pub fn stack_outputs(&self, root_urn: &str) -> Option<Value> {
        self.resource_outputs
            .iter()
            .rev()
            .find(|request| request.urn == root_urn)
            .map(|request| Value::Object(request.outputs.as_ref().map(wire::from_struct).unwrap_or_default()))
    }
}

/// Decides the answer to a registration instead of the default (return `None` to fall back).
pub type RegisterHook =
    Arc<dyn Fn(&RegisterResourceRequest, &str) -> Option<Result<RegisterResourceResponse, Status>> + Send + Sync>;

struct MockState {
    options: MockOptions,
    recorded: Mutex<Recorded>,
    hooks: Mutex<Vec<RegisterHook>>,
    in_flight: AtomicUsize,
}

impl MockState {
    fn record(&self, f: impl FnOnce(&mut Recorded)) {
        f(&mut self.recorded.lock().unwrap_or_else(PoisonError::into_inner));
    }

    fn authenticate<T>(&self, request: &Request<T>) -> Result<(), Status> {
        let token = request.metadata().get(engine_proto::TOKEN_METADATA_KEY).and_then(|value| value.to_str().ok());
        if token == Some(self.options.token.as_str()) {
            Ok(())
        } else {
            self.record(|recorded| recorded.unauthenticated += 1);
            Err(Status::unauthenticated("missing or wrong x-engine-token"))
        }
    }

    fn root_urn(&self) -> String {
        engine_proto::root_urn(&self.options.stack, &self.options.project)
    }

    fn urn_of(&self, parent: &str, resource_type: &str, name: &str) -> String {
        let mut chain: Vec<&str> = Vec::new();
        if !parent.is_empty()
            && parent != self.root_urn()
            && let Some(parts) = engine_proto::parse_urn(parent)
        {
            chain = parts.type_chain;
        }
        chain.push(resource_type);
        engine_proto::urn(&self.options.stack, &self.options.project, &chain, name)
    }

    fn default_answer(&self, request: &RegisterResourceRequest, urn: &str) -> RegisterResourceResponse {
        let dry_run = self.options.dry_run;
        let mut outputs: Map<String, Value> = request.inputs.as_ref().map(wire::from_struct).unwrap_or_default();
        let mut id = String::new();
        if request.custom {
            let computed = |value: Value| if dry_run { wire::unknown() } else { value };
            match request.r#type.as_str() {
                "Engine::Random::Password" => {
                    outputs.insert("Result".to_owned(), computed(wire::secret(json!(format!("pw-{}", request.name)))));
                }
                "Engine::Random::String" => {
                    outputs.insert("Result".to_owned(), computed(json!(format!("str-{}", request.name))));
                }
                other => {
                    outputs.insert("Arn".to_owned(), computed(json!(format!("arn:mock:{other}:{}", request.name))));
                }
            }
            if !dry_run {
                id = format!("{}-id", request.name);
            }
        } else if !request.remote {
            outputs.clear();
        }
        RegisterResourceResponse { urn: urn.to_owned(), id, outputs: Some(wire::to_struct(&outputs)), ..Default::default() }
    }
}

struct Service {
    state: Arc<MockState>,
}

#[tonic::async_trait]
impl ResourceMonitor for Service {
    async fn handshake(&self, request: Request<HandshakeRequest>) -> Result<Response<HandshakeResponse>, Status> {
        self.state.authenticate(&request)?;
        let request = request.into_inner();
        self.state.record(|recorded| recorded.handshakes.push(request.clone()));
        let engine = self.state.options.protocol_version;
        if request.protocol_version != engine {
            return Err(Status::failed_precondition(format!(
                "the SDK ({} {}) speaks protocol version {}, this engine speaks version {engine}",
                request.sdk_name, request.sdk_version, request.protocol_version
            )));
        }
        Ok(Response::new(HandshakeResponse { protocol_version: engine, engine_version: "mock".to_owned() }))
    }

    async fn get_deployment_info(
        &self,
        request: Request<GetDeploymentInfoRequest>,
    ) -> Result<Response<DeploymentInfo>, Status> {
        self.state.authenticate(&request)?;
        let options = &self.state.options;
        Ok(Response::new(DeploymentInfo {
            project: options.project.clone(),
            stack: options.stack.clone(),
            dry_run: options.dry_run,
            config: options.config.iter().map(|(key, value)| (key.clone(), value.to_string())).collect(),
            secret_keys: options.secret_keys.clone(),
            region: options.region.clone(),
            cloud: "local".to_owned(),
            parallel: 16,
            engine_version: "mock".to_owned(),
            root_urn: self.state.root_urn(),
        }))
    }

    async fn register_resource(
        &self,
        request: Request<RegisterResourceRequest>,
    ) -> Result<Response<RegisterResourceResponse>, Status> {
        self.state.authenticate(&request)?;
        let request = request.into_inner();
        let now = self.state.in_flight.fetch_add(1, Ordering::AcqRel) + 1;
        self.state.record(|recorded| {
            recorded.max_registrations_in_flight = recorded.max_registrations_in_flight.max(now);
            recorded.registrations.push(request.clone());
        });
        if let Some(delay) = self.state.options.register_delay {
            tokio::time::sleep(delay).await;
        }
        let urn = self.state.urn_of(&request.parent, &request.r#type, &request.name);
        let hooks = self.state.hooks.lock().unwrap_or_else(PoisonError::into_inner).clone();
        let answer = hooks
            .iter()
            .find_map(|hook| hook(&request, &urn))
            .unwrap_or_else(|| Ok(self.state.default_answer(&request, &urn)));
        self.state.in_flight.fetch_sub(1, Ordering::AcqRel);
        answer.map(Response::new)
    }

    async fn register_resource_outputs(
        &self,
        request: Request<RegisterResourceOutputsRequest>,
    ) -> Result<Response<RegisterResourceOutputsResponse>, Status> {
        self.state.authenticate(&request)?;
        let request = request.into_inner();
        self.state.record(|recorded| recorded.resource_outputs.push(request));
        Ok(Response::new(RegisterResourceOutputsResponse {}))
    }

    async fn read_resource(&self, request: Request<ReadResourceRequest>) -> Result<Response<ReadResourceResponse>, Status> {
        self.state.authenticate(&request)?;
        let request = request.into_inner();
        self.state.record(|recorded| recorded.reads.push(request.clone()));
        let urn = self.state.urn_of(&request.parent, &request.r#type, &request.name);
        let outputs = json!({"Id": request.id, "Arn": format!("arn:mock:{}:{}", request.r#type, request.id)});
        let Value::Object(outputs) = outputs else { return Err(Status::internal("unreachable")) };
        Ok(Response::new(ReadResourceResponse { urn, outputs: Some(wire::to_struct(&outputs)) }))
    }

    async fn invoke(&self, request: Request<InvokeRequest>) -> Result<Response<InvokeResponse>, Status> {
        self.state.authenticate(&request)?;
        let request = request.into_inner();
        self.state.record(|recorded| recorded.invokes.push(request.clone()));
        let args = request.args.as_ref().map(wire::from_struct).unwrap_or_default();
        let region = if request.region.is_empty() { self.state.options.region.clone() } else { request.region.clone() };
        let result = match request.token.as_str() {
            "engine:getCallerIdentity" => json!({
                "AccountId": "123456789012",
                "Arn": "arn:aws:iam::123456789012:user/mock",
                "UserId": "AIDAMOCK",
            }),
            "engine:getRegion" => json!({"Region": region}),
            "engine:getAvailabilityZones" => json!({
                "Names": [format!("{region}a"), format!("{region}b"), format!("{region}c")],
                "ZoneIds": ["az1", "az2", "az3"],
            }),
            "engine:cloudcontrol:get" => {
                let type_name = args.get("TypeName").and_then(Value::as_str).unwrap_or_default().to_owned();
                let identifier = args.get("Identifier").and_then(Value::as_str).unwrap_or_default().to_owned();
                let recorded = self.state.recorded.lock().unwrap_or_else(PoisonError::into_inner).clone();
                let found = recorded
                    .registrations
                    .iter()
                    .find(|registration| registration.r#type == type_name && format!("{}-id", registration.name) == identifier);
                match found {
                    Some(registration) => json!({
                        "Identifier": identifier,
                        "Properties": Value::Object(registration.inputs.as_ref().map(wire::from_struct).unwrap_or_default()),
                    }),
                    None => {
                        return Err(Status::not_found(format!("{type_name} with identifier {identifier} was not found")));
                    }
                }
            }
            "engine:cloudcontrol:list" => {
                let type_name = args.get("TypeName").and_then(Value::as_str).unwrap_or_default().to_owned();
                let recorded = self.state.recorded.lock().unwrap_or_else(PoisonError::into_inner).clone();
                let resources: Vec<Value> = recorded
                    .registrations
                    .iter()
                    .filter(|registration| registration.r#type == type_name)
                    .map(|registration| {
                        json!({
                            "Identifier": format!("{}-id", registration.name),
                            "Properties": Value::Object(registration.inputs.as_ref().map(wire::from_struct).unwrap_or_default()),
                        })
                    })
                    .collect();
                json!({"Resources": resources})
            }
            other => return Err(Status::invalid_argument(format!("unknown function {other}"))),
        };
        let Value::Object(result) = result else { return Err(Status::internal("unreachable")) };
        Ok(Response::new(InvokeResponse { result: Some(wire::to_struct(&result)) }))
    }

    async fn log(&self, request: Request<LogRequest>) -> Result<Response<LogResponse>, Status> {
        self.state.authenticate(&request)?;
        let request = request.into_inner();
        self.state.record(|recorded| recorded.logs.push(request));
        Ok(Response::new(LogResponse {}))
    }

    async fn finish(&self, request: Request<FinishRequest>) -> Result<Response<FinishResponse>, Status> {
        self.state.authenticate(&request)?;
        let request = request.into_inner();
        self.state.record(|recorded| recorded.finishes.push(request));
        Ok(Response::new(FinishResponse {}))
    }
}

/// A running mock monitor; stops when dropped.
pub struct MockMonitor {
    address: SocketAddr,
    state: Arc<MockState>,
    shutdown: Option<oneshot::Sender<()>>,
}

impl MockMonitor {
    /// Start serving on 127.0.0.1 (a free port), on the SDK runtime.
    ///
    /// # Errors
    /// When no port can be bound.
    pub async fn start(options: MockOptions) -> std::io::Result<MockMonitor> {
        let state = Arc::new(MockState {
            options,
            recorded: Mutex::new(Recorded::default()),
            hooks: Mutex::new(Vec::new()),
            in_flight: AtomicUsize::new(0),
        });
        let (shutdown, signal) = oneshot::channel::<()>();
        let service = Service { state: Arc::clone(&state) };
        let address = crate::runtime::spawn(async move {
            let incoming = TcpIncoming::bind(SocketAddr::from(([127, 0, 0, 1], 0)))?.with_nodelay(Some(true));
            let address = incoming.local_addr()?;
            tokio::spawn(async move {
                let served = Server::builder()
                    .add_service(ResourceMonitorServer::new(service))
                    .serve_with_incoming_shutdown(incoming, async {
                        let _ = signal.await;
                    })
                    .await;
                if let Err(error) = served {
                    eprintln!("mock monitor stopped: {error}");
                }
            });
            Ok::<_, std::io::Error>(address)
        })
        .await
        .map_err(std::io::Error::other)??;
        Ok(MockMonitor { address, state, shutdown: Some(shutdown) })
    }

    /// `127.0.0.1:PORT`.
    #[must_use]
    pub fn address(&self) -> String {
        self.address.to_string()
    }

    #[must_use]
    pub fn token(&self) -> &str {
        &self.state.options.token
    }

    #[must_use]
    pub fn root_urn(&self) -> String {
        self.state.root_urn()
    }

    #[must_use]
    pub fn connect_options(&self) -> ConnectOptions {
        ConnectOptions::new(self.address(), self.token())
    }

    /// A context connected to this mock.
    ///
    /// # Errors
    /// See [`Context::connect`].
    pub async fn connect(&self) -> crate::Result<Context> {
        Context::connect(self.connect_options()).await
    }

    /// A copy of everything received so far.
    #[must_use]
    pub fn recorded(&self) -> Recorded {
        self.state.recorded.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }

    /// Answer registrations with `hook` where it returns `Some`.
    pub fn on_register(&self, hook: RegisterHook) {
        self.state.hooks.lock().unwrap_or_else(PoisonError::into_inner).push(hook);
    }

    /// Refuse registrations of `resource_type` with `INVALID_ARGUMENT` and this message.
    pub fn fail_type(&self, resource_type: &str, message: &str) {
        let resource_type = resource_type.to_owned();
        let message = message.to_owned();
        self.on_register(Arc::new(move |request, _| {
            (request.r#type == resource_type).then(|| Err(Status::invalid_argument(message.clone())))
        }));
    }
}

impl Drop for MockMonitor {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
    }
}
