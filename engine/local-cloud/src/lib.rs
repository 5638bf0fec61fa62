//! The local cloud: a Cloud Control-compatible server driven by the CloudFormation schemas.
//!
//! It speaks the real wire protocol (awsJson1_0, `X-Amz-Target: CloudApiService.<Op>`), so the
//! unmodified `aws-sdk-cloudcontrol`, boto3 and the AWS CLI work against it with an endpoint URL
//! and any credentials. On the same port it also serves STS `GetCallerIdentity`, EC2
//! `DescribeAvailabilityZones` and a small path-style S3 object API.
//!
//! # Embedding
//!
//! ```no_run
//! # async fn demo() -> Result<(), engine_local_cloud::Error> {
//! use engine_local_cloud::{Config, Latency, LocalCloud};
//! let running = LocalCloud::start(Config::new(".engine/local-cloud").latency(Latency::Zero)).await?;
//! let endpoint = running.endpoint(); // "http://127.0.0.1:PORT": give it to the SDK as endpoint_url
//! // ... use it ...
//! running.shutdown().await?; // flushes the journal into a snapshot and releases the directory
//! # let _ = endpoint; Ok(()) }
//! ```
//!
//! * [`Config`]: `data_dir`, `listen` (`127.0.0.1:0` = free port), [`Latency`] (`Zero`,
//!   `Fixed(ms)`, `Realistic { factor }`), `throttle_rps`, `fail_rate` + `seed`, `fail_rules`
//!   ([`FailRule`], `TYPE[:NAME_GLOB]=ErrorCode`).
//! * Account [`ACCOUNT_ID`] (`123456789012`), partition `aws`; the region comes from the SigV4
//!   credential scope (default `us-east-1`). Resources are per region; IAM, Route 53, CloudFront,
//!   Budgets, CUR, Organizations and Cost Explorer are global.
//!
//! # Command line
//!
//! ```text
//! engine local-cloud --listen 127.0.0.1:4510 --data DIR [--latency MS|realistic[:FACTOR]]
//!     [--throttle-rps N] [--fail-rate F --seed S] [--fail TYPE[:NAME_GLOB]=ErrorCode]...
//! engine local-cloud ls --data DIR [--json]
//! engine local-cloud reset --data DIR
//! ```
//!
//! The server prints `listening on http://127.0.0.1:PORT` once it accepts requests and shuts
//! down cleanly (snapshot written) on SIGINT/SIGTERM. `aws --endpoint-url http://127.0.0.1:PORT
//! cloudcontrol ...` and boto3 work against it with any credentials.
//!
//! # Benchmark
//!
//! `cargo run --release -p engine-local-cloud --example bench -- 10000 16` drives create+get
//! round trips through aws-sdk-cloudcontrol and reports operations per second, CPU split and the
//! server's resident memory.
//!
//! # Behaviour
//!
//! * Unknown types: `TypeNotFoundException` (404); types without the handler asked for:
//!   `UnsupportedActionException` (405).
//! * Synchronous `ValidationException` (`Model validation failed (#/Path: ...)`) for undeclared
//!   keys, wrong types and read-only properties in a desired state; every other schema issue
//!   (required, enum, pattern, length, range, combinators) fails the request asynchronously with
//!   `InvalidRequest`, as the handlers do. `AlreadyExists` and `NotFound` are asynchronous too.
//! * Create fills read-only properties in AWS's formats (see `generate`), autonames unset
//!   name-like primary identifiers within their pattern and length.
//! * Identifiers: primary identifier values `|`-joined, or the JSON object form (primary or
//!   additional identifiers).
//! * Update applies an RFC 6902 patch to the read model: create-only paths fail with
//!   `NotUpdatableException`, read-only paths with `ValidationException`; write-only values not
//!   re-sent are dropped. Get and List never return write-only values.
//! * Every mutation answers `IN_PROGRESS` and becomes terminal after the configured latency
//!   (`RetryAfter` says when to look again). ClientToken idempotency (36 h),
//!   `ConcurrentOperationException`, cancel, `ListResourceRequests` filters, request records kept
//!   7 days.
//! * Referential integrity: an id or ARN of the local cloud's own form must name an existing
//!   resource (same region or global), and deletes of resources in use fail as on AWS.
//! * Persistence in the data directory: snapshot + checksummed journal, an OS lock (two servers
//!   never share a directory), resumed on restart.

mod cloud;
pub mod cli;
mod config;
mod error;
#[cfg(test)]
mod fuzz;
mod generate;
mod http;
mod ids;
mod integrity;
mod model;
mod patch;
mod query;
mod s3;
mod store;

use std::net::SocketAddr;
use std::sync::Arc;

use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::watch;

pub use config::{Config, FailRule, HANDLER_ERROR_CODES, Latency, glob_match, realistic_seconds};
pub use error::{ApiError, Error};
pub use generate::region_abbrev;
pub use model::{ACCOUNT_ID, PARTITION};

/// What `engine local-cloud ls` shows for each resource.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Listing {
    pub region: String,
    #[serde(rename = "type")]
    pub type_name: String,
    pub identifier: String,
}

/// Every resource stored in a data directory (readable while a server runs).
pub fn list_resources(data_dir: &std::path::Path) -> Result<Vec<Listing>, Error> {
    let data = store::load(data_dir, false)?;
    Ok(cloud::inventory(&data)
        .into_iter()
        .map(|(region, type_name, identifier)| Listing { region, type_name, identifier })
        .collect())
}

/// Empty a data directory (fails while a server holds it).
pub fn reset(data_dir: &std::path::Path) -> Result<(), Error> {
    store::reset(data_dir)
}

/// Entry point of the library.
pub struct LocalCloud;

impl LocalCloud {
    /// Open the data directory (taking its lock), bind the listen address and serve in the
    /// background until [`Running::shutdown`].
    pub async fn start(config: Config) -> Result<Running, Error> {
        let listen = config.listen.clone();
        let cloud = Arc::new(cloud::Cloud::open(config)?);
        let listener = TcpListener::bind(&listen).await.map_err(|source| Error::Bind { addr: listen.clone(), source })?;
        let addr = listener.local_addr().map_err(|source| Error::Bind { addr: listen, source })?;
        let (stop, stopped) = watch::channel(false);
        let serving = cloud.clone();
        let task = tokio::spawn(async move { serve(serving, listener, stopped).await });
        Ok(Running { addr, cloud, stop, task })
    }
}

async fn serve(cloud: Arc<cloud::Cloud>, listener: TcpListener, mut stopped: watch::Receiver<bool>) {
    let mut connections = tokio::task::JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else { continue };
                let _ = stream.set_nodelay(true);
                let cloud = cloud.clone();
                let mut stop = stopped.clone();
                connections.spawn(async move {
                    let service = service_fn(move |request| http::handle(cloud.clone(), request));
                    let connection = http1::Builder::new().keep_alive(true).serve_connection(TokioIo::new(stream), service);
                    tokio::pin!(connection);
                    tokio::select! {
                        _ = connection.as_mut() => {}
                        _ = stop.changed() => {
                            connection.as_mut().graceful_shutdown();
                            let _ = connection.await;
                        }
                    }
                });
            }
            _ = stopped.changed() => break,
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
    let deadline = tokio::time::sleep(std::time::Duration::from_secs(5));
    tokio::pin!(deadline);
    loop {
        tokio::select! {
            next = connections.join_next() => if next.is_none() { break },
            () = &mut deadline => { connections.abort_all(); break }
        }
    }
}

/// A running local cloud.
pub struct Running {
    addr: SocketAddr,
    cloud: Arc<cloud::Cloud>,
    stop: watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

impl Running {
    /// `http://127.0.0.1:PORT`.
    #[must_use]
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    #[must_use]
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stop accepting, finish in-flight requests, compact the journal into a snapshot and
    /// release the data directory.
    pub async fn shutdown(self) -> Result<(), Error> {
        let _ = self.stop.send(true);
        let _ = self.task.await;
        let cloud = self.cloud;
        tokio::task::spawn_blocking(move || cloud.shutdown()).await.unwrap_or(Ok(()))
    }
}
