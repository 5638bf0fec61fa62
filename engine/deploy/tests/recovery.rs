//! Crash recovery against a real local cloud (in-process) through aws-sdk-cloudcontrol: an
//! operation is journalled, the process "dies" at some point of it, and the next run resolves
//! it with no manual step.

use std::sync::Arc;
use std::time::Duration;

use engine_config::Crypter;
use engine_deploy::events::{CollectSink, Reporter};
use engine_deploy::recovery::recover;
use engine_provider::{OpOptions, Provider, ProviderConfig};
use engine_state::{BeginOperation, FileBackend, LockOptions, OpKind, ResourceState, StateStore, WriterOptions};
use serde_json::json;

const URN: &str = "urn:engine:dev::p::AWS::Logs::LogGroup::logs";
const TYPE: &str = "AWS::Logs::LogGroup";

struct Fixture {
    _dir: tempfile::TempDir,
    cloud: Option<engine_local_cloud::Running>,
    provider: Arc<Provider>,
    store: StateStore,
    crypter: Crypter,
}

impl Fixture {
    async fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let cloud = engine_local_cloud::LocalCloud::start(engine_local_cloud::Config::new(dir.path().join("cloud")))
            .await
            .unwrap();
        let provider = Provider::new(ProviderConfig::endpoint(cloud.endpoint(), "us-east-1")).await.unwrap();
        let store = StateStore::new(Arc::new(FileBackend::new(dir.path().join("state"))), "p", "dev");
        Self {
            _dir: dir,
            cloud: Some(cloud),
            provider: Arc::new(provider),
            store,
            crypter: Crypter::from_key([7; 32], "test"),
        }
    }

    fn writer(&self) -> (engine_state::StateWriter, engine_state::LoadedState) {
        for _ in 0..200 {
            match self.store.lock(&LockOptions::default()) {
                Ok(lock) => {
                    return self.store.open_writer(lock, self.crypter.clone(), WriterOptions::default()).unwrap();
                }
                Err(_) => std::thread::sleep(Duration::from_millis(10)),
            }
        }
        panic!("the stack stayed locked");
    }

    /// The process dies: the writer is dropped without closing (its thread ends, the lock goes).
    async fn crash(&self, writer: engine_state::StateWriter) {
        drop(writer);
        for _ in 0..200 {
            if self.store.lock_holder().unwrap().is_none() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!("the crashed writer kept the lock");
    }

    async fn log_groups(&self) -> Vec<String> {
        let mut ids: Vec<String> = self
            .provider
            .list(TYPE, None, &OpOptions::new())
            .await
            .unwrap()
            .into_iter()
            .map(|r| r.identifier)
            .collect();
        ids.sort();
        ids
    }

    async fn recover_all(&self) -> (Vec<String>, engine_state::State) {
        let (writer, loaded) = self.writer();
        let sink = Arc::new(CollectSink::default());
        let reporter = Reporter::new(sink.clone());
        let errors = recover(&self.provider, &writer, loaded.in_flight, "us-east-1", &reporter).await;
        assert!(errors.is_empty(), "{errors:?}");
        writer.compact().await.unwrap();
        self.crash(writer).await;
        let messages = sink
            .events
            .lock()
            .unwrap()
            .iter()
            .filter_map(|e| match &e.event {
                engine_deploy::Event::Diagnostic { message, .. } => Some(message.clone()),
                _ => None,
            })
            .collect();
        let loaded = self.store.load(&self.crypter).unwrap();
        assert!(loaded.in_flight.is_empty(), "still in flight: {:?}", loaded.in_flight);
        (messages, loaded.state)
    }

    async fn stop(mut self) {
        if let Some(cloud) = self.cloud.take() {
            cloud.shutdown().await.unwrap();
        }
    }
}

fn desired(inputs: serde_json::Value) -> ResourceState {
    ResourceState {
        urn: URN.into(),
        type_name: TYPE.into(),
        custom: true,
        region: "us-east-1".into(),
        inputs: inputs.as_object().cloned().unwrap(),
        ..ResourceState::default()
    }
}

fn begin_create(inputs: serde_json::Value) -> BeginOperation {
    let mut begin = BeginOperation::new(OpKind::Create, URN, TYPE);
    begin.region = "us-east-1".into();
    begin.desired = Some(desired(inputs));
    begin
}

#[tokio::test(flavor = "multi_thread")]
async fn a_create_journalled_but_never_sent_is_sent_and_adopted() {
    let f = Fixture::new().await;
    let (writer, _) = f.writer();
    writer.begin(begin_create(json!({"RetentionInDays": 7}))).await.unwrap();
    f.crash(writer).await;
    assert!(f.log_groups().await.is_empty());

    let (messages, state) = f.recover_all().await;
    let groups = f.log_groups().await;
    assert_eq!(groups.len(), 1, "{groups:?}");
    let record = state.get(URN).expect("adopted");
    assert_eq!(record.id, groups[0]);
    assert_eq!(record.outputs["RetentionInDays"], json!(7));
    assert!(messages.iter().any(|m| m.contains("recovered an interrupted create")), "{messages:?}");
    f.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_create_sent_but_not_recorded_is_adopted_without_a_duplicate() {
    let f = Fixture::new().await;
    let (writer, _) = f.writer();
    // Autonamed: a second create would make a second log group with another name.
    let begun = writer.begin(begin_create(json!({"RetentionInDays": 3}))).await.unwrap();
    let done =
        f.provider.create(TYPE, &json!({"RetentionInDays": 3}), &begun.client_token, &OpOptions::new()).await.unwrap();
    f.crash(writer).await; // the outcome never reached the journal

    let (_, state) = f.recover_all().await;
    let groups = f.log_groups().await;
    assert_eq!(groups, vec![done.identifier.clone().unwrap()], "duplicated or lost");
    assert_eq!(state.get(URN).unwrap().id, groups[0]);
    f.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_create_whose_request_token_was_journalled_is_polled() {
    let f = Fixture::new().await;
    let (writer, _) = f.writer();
    let begun = writer.begin(begin_create(json!({}))).await.unwrap();
    let done = f.provider.create(TYPE, &json!({}), &begun.client_token, &OpOptions::new()).await.unwrap();
    writer.request_sent(begun.op, done.request_token.as_deref().unwrap()).unwrap();
    writer.compact().await.unwrap();
    f.crash(writer).await;

    let (_, state) = f.recover_all().await;
    assert_eq!(f.log_groups().await, vec![done.identifier.clone().unwrap()]);
    assert_eq!(state.get(URN).unwrap().id, done.identifier.unwrap());
    f.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_interrupted_delete_is_finished_and_forgotten() {
    let f = Fixture::new().await;
    let (writer, _) = f.writer();
    let begun = writer.begin(begin_create(json!({"LogGroupName": "to-delete"}))).await.unwrap();
    f.provider
        .create(TYPE, &json!({"LogGroupName": "to-delete"}), &begun.client_token, &OpOptions::new())
        .await
        .unwrap();
    let mut record = desired(json!({"LogGroupName": "to-delete"}));
    record.id = "to-delete".into();
    writer.done(begun.op, Some(record)).await.unwrap();
    let mut delete = BeginOperation::new(OpKind::Delete, URN, TYPE);
    delete.region = "us-east-1".into();
    delete.id = "to-delete".into();
    writer.begin(delete).await.unwrap();
    f.crash(writer).await; // crashed before sending the delete

    let (_, state) = f.recover_all().await;
    assert!(f.log_groups().await.is_empty());
    assert!(state.get(URN).is_none());
    f.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_create_the_cloud_refuses_is_forgotten() {
    let f = Fixture::new().await;
    let (writer, _) = f.writer();
    writer.begin(begin_create(json!({"RetentionInDays": "seven"}))).await.unwrap();
    f.crash(writer).await;

    let (messages, state) = f.recover_all().await;
    assert!(f.log_groups().await.is_empty());
    assert!(state.get(URN).is_none());
    assert!(messages.iter().any(|m| m.contains("did not happen")), "{messages:?}");
    f.stop().await;
}
