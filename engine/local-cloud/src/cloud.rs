//! The Cloud Control service: the eight operations, request lifecycle, validation split,
//! referential integrity, fault injection and persistence of every change.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use base64::Engine as _;
use engine_schema::{Registry, ResourceSchema, SchemaError};
use serde_json::{Map, Value, json};
use sha2::Digest;

use crate::config::{Config, glob_match, latency_for};
use crate::error::{ApiError, Error};
use crate::generate::{self, Context};
use crate::ids::{self, IdentifierQuery};
use crate::integrity;
use crate::model::{
    CLIENT_TOKEN_TTL_MS, GLOBAL, ObjectMeta, Operation, REQUEST_TTL_MS, Request, ResKey, Resource, Rng, Status,
    now_ms, scope_of,
};
use crate::patch;
use crate::store::{ClientTokenRecord, Data, Record, Store};

/// Largest property document the service accepts (characters).
pub const MAX_DOCUMENT: usize = 262_144;

type HandlerResult<T> = Result<T, (String, String)>;

/// The whole mutable state of a local cloud.
pub struct State {
    pub data: Data,
    /// Minted values (ids, ARNs) → the resource that minted them.
    by_value: HashMap<String, ResKey>,
    /// Minted value → resources whose desired state references it.
    referrers: HashMap<String, BTreeSet<ResKey>>,
    /// (due ms, sequence, token) of every request not yet terminal.
    pending: BTreeSet<(u64, u64, String)>,
    /// Resources with an operation in progress → request token.
    busy: HashMap<ResKey, String>,
    rng: Rng,
    fault_rng: Rng,
    seq: u64,
    store: Option<Store>,
    journal: Vec<Record>,
    last_purge_ms: u64,
}

pub struct Cloud {
    pub config: Config,
    pub registry: &'static Registry,
    pub state: std::sync::Mutex<State>,
    throttle: std::sync::Mutex<HashMap<String, (f64, u64)>>,
}

fn sha(text: &str) -> String {
    hex::encode(&sha2::Sha256::digest(text.as_bytes())[..16])
}

fn string_member<'a>(body: &'a Map<String, Value>, name: &str, wire: &str, required: bool) -> Result<Option<&'a str>, ApiError> {
    match body.get(name) {
        None | Some(Value::Null) if required => Err(ApiError::validation(format!(
            "1 validation error detected: Value null at '{wire}' failed to satisfy constraint: Member must not be null"
        ))),
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(ApiError::new("SerializationException", format!("Expected a string for member {name}"))),
    }
}

fn check_length(value: &str, wire: &str, min: usize, max: usize) -> Result<(), ApiError> {
    let length = value.chars().count();
    if length < min {
        return Err(ApiError::validation(format!(
            "1 validation error detected: Value at '{wire}' failed to satisfy constraint: Member must have length greater than or equal to {min}"
        )));
    }
    if length > max {
        return Err(ApiError::validation(format!(
            "1 validation error detected: Value at '{wire}' failed to satisfy constraint: Member must have length less than or equal to {max}"
        )));
    }
    Ok(())
}

fn check_token_shape(value: &str, wire: &str) -> Result<(), ApiError> {
    check_length(value, wire, 1, 128)?;
    if !value.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'+' | b'/' | b'=')) {
        return Err(ApiError::validation(format!(
            "1 validation error detected: Value '{value}' at '{wire}' failed to satisfy constraint: Member must satisfy regular expression pattern: [-A-Za-z0-9+/=]+"
        )));
    }
    Ok(())
}

fn check_type_name(value: &str) -> Result<(), ApiError> {
    check_length(value, "typeName", 10, 196)?;
    let parts: Vec<&str> = value.split("::").collect();
    let ok = parts.len() == 3
        && parts.iter().all(|p| (2..=64).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphanumeric()));
    if !ok {
        return Err(ApiError::validation(format!(
            "1 validation error detected: Value '{value}' at 'typeName' failed to satisfy constraint: Member must satisfy regular expression pattern: [A-Za-z0-9]{{2,64}}::[A-Za-z0-9]{{2,64}}::[A-Za-z0-9]{{2,64}}"
        )));
    }
    Ok(())
}

fn check_common(body: &Map<String, Value>) -> Result<(), ApiError> {
    if let Some(role) = string_member(body, "RoleArn", "roleArn", false)? {
        check_length(role, "roleArn", 20, 2048)?;
        let ok = role.starts_with("arn:") && role.contains(":iam::") && role.contains(":role/");
        if !ok {
            return Err(ApiError::validation(format!(
                "1 validation error detected: Value '{role}' at 'roleArn' failed to satisfy constraint: Member must satisfy regular expression pattern: arn:.+:iam::[0-9]{{12}}:role/.+"
            )));
        }
    }
    if let Some(version) = string_member(body, "TypeVersionId", "typeVersionId", false)? {
        check_length(version, "typeVersionId", 1, 128)?;
    }
    Ok(())
}

fn model_validation_message(issues: &[engine_schema::Issue]) -> String {
    let text: Vec<String> = issues.iter().map(ToString::to_string).collect();
    format!("Model validation failed ({})", text.join(", "))
}

fn schema_error(type_name: &str, region: &str, error: SchemaError) -> ApiError {
    let suggestion = match &error {
        SchemaError::UnknownType { suggestion: Some(s), .. } => format!(" Did you mean '{s}'?"),
        SchemaError::NotInRegion { .. } => format!(" (it is not available in {region})"),
        SchemaError::UnknownRegion(_) => format!(" (unknown region {region})"),
        _ => String::new(),
    };
    ApiError::new("TypeNotFoundException", format!("The type '{type_name}' cannot be found.{suggestion}"))
}

fn unsupported(type_name: &str, action: &str) -> ApiError {
    ApiError::new(
        "UnsupportedActionException",
        format!("Resource type {type_name} does not support {action} action"),
    )
}

fn not_found_sync(type_name: &str, identifier: &str) -> ApiError {
    ApiError::new(
        "ResourceNotFoundException",
        format!(
            "{type_name} Handler returned status FAILED: Resource of type '{type_name}' with identifier '{identifier}' was not found. (HandlerErrorCode: NotFound, RequestToken: {})",
            uuid::Uuid::new_v4()
        ),
    )
}

fn epoch(ms: u64) -> Value {
    json!(ms as f64 / 1000.0)
}

impl Cloud {
    pub fn open(config: Config) -> Result<Self, Error> {
        config.check()?;
        let (store, data) = Store::open(&config.data_dir)?;
        let seed = config.seed.unwrap_or_else(|| now_ms() ^ u64::from(std::process::id()) << 32);
        let mut state = State {
            data,
            by_value: HashMap::new(),
            referrers: HashMap::new(),
            pending: BTreeSet::new(),
            busy: HashMap::new(),
            rng: Rng::new(seed),
            fault_rng: Rng::new(seed.rotate_left(17) ^ 0xFA17),
            seq: 0,
            store: Some(store),
            journal: Vec::new(),
            last_purge_ms: 0,
        };
        state.rebuild_indexes(Registry::global());
        Ok(Self {
            config,
            registry: Registry::global(),
            state: std::sync::Mutex::new(state),
            throttle: std::sync::Mutex::new(HashMap::new()),
        })
    }

    pub fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // A panic while holding the lock would poison it; the state is still consistent (every
        // change is applied and journalled in one step), so keep serving.
        self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Token bucket per account and region.
    pub fn throttled(&self, region: &str) -> bool {
        let Some(rps) = self.config.throttle_rps else { return false };
        let now = now_ms();
        let mut buckets = self.throttle.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let capacity = rps.max(1.0);
        let (tokens, last) = buckets.entry(region.to_owned()).or_insert((capacity, now));
        *tokens = (*tokens + (now.saturating_sub(*last)) as f64 / 1000.0 * rps).min(capacity);
        *last = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            false
        } else {
            true
        }
    }

    /// Dispatch one Cloud Control operation.
    pub fn call(&self, operation: &str, region: &str, body: &Map<String, Value>) -> Result<Value, ApiError> {
        let known = matches!(
            operation,
            "CreateResource" | "GetResource" | "UpdateResource" | "DeleteResource" | "ListResources"
                | "GetResourceRequestStatus" | "ListResourceRequests" | "CancelResourceRequest"
        );
        if !known {
            return Err(ApiError::new("UnknownOperationException", format!("Unknown operation {operation}")));
        }
        if self.throttled(region) {
            return Err(ApiError::new("ThrottlingException", "Rate exceeded"));
        }
        let now = now_ms();
        let mut state = self.lock();
        state.advance(self, now);
        let result = match operation {
            "CreateResource" => state.create(self, region, body, now),
            "GetResource" => state.get(self, region, body),
            "UpdateResource" => state.update(self, region, body, now),
            "DeleteResource" => state.delete(self, region, body, now),
            "ListResources" => state.list(self, region, body),
            "GetResourceRequestStatus" => state.status(self, body, now),
            "ListResourceRequests" => state.list_requests(self, region, body, now),
            _ => state.cancel(self, body, now),
        };
        state.purge(now);
        state.flush(self);
        result
    }

    pub fn schema(&self, region: &str, type_name: &str) -> Result<Arc<ResourceSchema>, ApiError> {
        self.registry.lookup(region, type_name).map_err(|e| schema_error(type_name, region, e))
    }

    /// Flush the journal, compact it into a snapshot and sync.
    pub fn shutdown(&self) -> Result<(), Error> {
        let mut state = self.lock();
        state.flush(self);
        let State { data, store, .. } = &mut *state;
        if let Some(store) = store.as_mut() {
            store.compact(data)?;
            store.sync()?;
        }
        Ok(())
    }
}

impl State {
    fn rebuild_indexes(&mut self, registry: &Registry) {
        let keys: Vec<ResKey> = self.data.resources.keys().cloned().collect();
        for key in keys {
            let Some(resource) = self.data.resources.get(&key) else { continue };
            for value in &resource.minted {
                self.by_value.entry(value.clone()).or_insert_with(|| key.clone());
            }
        }
        for (key, resource) in &self.data.resources {
            if let Ok(schema) = registry.get(&key.type_name) {
                for (_, value) in integrity::references(&schema, &resource.model) {
                    if let Some(target) = self.resolve_reference(&value, &key.scope) {
                        self.referrers.entry(target).or_default().insert(key.clone());
                    }
                }
            }
        }
        for request in self.data.requests.values() {
            if !request.status.is_terminal() {
                self.seq += 1;
                self.pending.insert((request.due_ms, self.seq, request.token.clone()));
                if let Some(key) = &request.key {
                    self.busy.insert(key.clone(), request.token.clone());
                }
            }
        }
    }

    fn record(&mut self, record: Record) {
        self.journal.push(record.clone());
        self.data.apply(record);
    }

    /// Write the records of this call to the journal (one append), compacting when due.
    pub fn flush(&mut self, cloud: &Cloud) {
        if self.journal.is_empty() {
            return;
        }
        let records = std::mem::take(&mut self.journal);
        let State { data, store, .. } = self;
        if let Some(store) = store.as_mut() {
            if let Err(error) = store.append(&records) {
                eprintln!("local cloud: cannot write the journal: {error}");
            }
            if store.records_since_snapshot() >= cloud.config.compact_after
                && let Err(error) = store.compact(data) {
                    eprintln!("local cloud: cannot compact the journal: {error}");
                }
        }
    }

    pub fn store(&self) -> Option<&Store> {
        self.store.as_ref()
    }

    fn purge(&mut self, now: u64) {
        if now.saturating_sub(self.last_purge_ms) < 60_000 {
            return;
        }
        self.last_purge_ms = now;
        let expired: Vec<String> = self
            .data
            .requests
            .values()
            .filter(|r| r.status.is_terminal() && now.saturating_sub(r.event_ms) > REQUEST_TTL_MS)
            .map(|r| r.token.clone())
            .collect();
        for token in expired {
            self.record(Record::DeleteRequest { token });
        }
        let expired: Vec<String> = self
            .data
            .client_tokens
            .iter()
            .filter(|(_, r)| now.saturating_sub(r.created_ms) > CLIENT_TOKEN_TTL_MS)
            .map(|(id, _)| id.clone())
            .collect();
        for id in expired {
            self.record(Record::DeleteClientToken { id });
        }
    }

    // ---------------------------------------------------------------- lookups

    fn of_type<'a>(&'a self, scope: &str, type_name: &str) -> impl Iterator<Item = (&'a ResKey, &'a Resource)> + 'a {
        let start = ResKey { scope: scope.to_owned(), type_name: type_name.to_owned(), identifier: String::new() };
        let scope = scope.to_owned();
        let type_name = type_name.to_owned();
        self.data
            .resources
            .range(start..)
            .take_while(move |(k, _)| k.scope == scope && k.type_name == type_name)
    }

    /// The minted value a reference resolves to (itself, or a prefix for ARNs with a suffix such
    /// as `:*` or a version), if the resource exists in `scope` or globally (ARNs: anywhere).
    fn resolve_reference(&self, value: &str, scope: &str) -> Option<String> {
        let visible = |key: &ResKey| value.starts_with("arn:") || key.scope == scope || key.scope == GLOBAL;
        if let Some(key) = self.by_value.get(value) {
            return visible(key).then(|| value.to_owned());
        }
        if value.starts_with("arn:") {
            let mut candidate = value;
            for _ in 0..4 {
                let Some(cut) = candidate.rfind([':', '/']) else { break };
                candidate = &candidate[..cut];
                if self.by_value.contains_key(candidate) {
                    return Some(candidate.to_owned());
                }
            }
        }
        None
    }

    fn find_by_value(&self, value: &str) -> Option<Value> {
        let key = self.by_value.get(value)?;
        self.data.resources.get(key).map(|r| r.model.clone())
    }

    fn find_resource(&self, schema: &ResourceSchema, scope: &str, query: &IdentifierQuery) -> Option<ResKey> {
        match query {
            IdentifierQuery::Primary(identifier) => {
                let key = ResKey { scope: scope.to_owned(), type_name: schema.type_name.clone(), identifier: identifier.clone() };
                self.data.resources.contains_key(&key).then_some(key)
            }
            IdentifierQuery::Secondary(values) => self
                .of_type(scope, &schema.type_name)
                .find(|(_, r)| {
                    values.iter().all(|(path, want)| {
                        ids::value_at(&r.model, path).is_some_and(|v| v.as_str().map_or(v.to_string() == *want, |s| s == want))
                    })
                })
                .map(|(k, _)| k.clone()),
        }
    }

    fn object_exists(&self, bucket: &str, key: &str) -> bool {
        self.data.objects.get(bucket).is_some_and(|o| o.contains_key(key))
    }

    /// Whether a bucket of that name exists (any region: bucket names are global). Buckets mint
    /// their ARN, so this is one index look-up.
    pub fn bucket_exists(&self, bucket: &str) -> bool {
        self.by_value.get(&format!("arn:aws:s3:::{bucket}")).is_some_and(|key| self.data.resources.contains_key(key))
    }

    pub fn objects(&self, bucket: &str) -> Option<&BTreeMap<String, ObjectMeta>> {
        self.data.objects.get(bucket)
    }

    pub fn put_object(&mut self, bucket: &str, key: &str, meta: ObjectMeta) {
        self.record(Record::PutObject { bucket: bucket.to_owned(), key: key.to_owned(), meta });
    }

    pub fn delete_object(&mut self, bucket: &str, key: &str) -> Option<ObjectMeta> {
        let meta = self.data.objects.get(bucket)?.get(key)?.clone();
        self.record(Record::DeleteObject { bucket: bucket.to_owned(), key: key.to_owned() });
        Some(meta)
    }

    // ---------------------------------------------------------------- events

    fn event(&self, cloud: &Cloud, request: &Request, now: u64) -> Value {
        let mut event = Map::new();
        event.insert("TypeName".into(), json!(request.type_name));
        if let Some(identifier) = &request.identifier {
            event.insert("Identifier".into(), json!(identifier));
        }
        event.insert("RequestToken".into(), json!(request.token));
        event.insert("Operation".into(), json!(request.operation.as_str()));
        event.insert("OperationStatus".into(), json!(request.status.as_str()));
        event.insert("EventTime".into(), epoch(request.event_ms));
        if request.status == Status::Success && request.operation != Operation::Delete {
            let model = request.key.as_ref().and_then(|k| self.data.resources.get(k));
            if let (Some(resource), Ok(schema)) = (model, cloud.registry.get(&request.type_name)) {
                let read = ids::read_model(&schema, &resource.model);
                event.insert("ResourceModel".into(), json!(read.to_string()));
            }
        }
        if let Some(message) = &request.status_message {
            event.insert("StatusMessage".into(), json!(message));
        }
        if let Some(code) = &request.error_code {
            event.insert("ErrorCode".into(), json!(code));
        }
        if !request.status.is_terminal() {
            let retry = request.due_ms.min(now + 30_000).max(now);
            event.insert("RetryAfter".into(), epoch(retry));
        }
        Value::Object(event)
    }

    fn progress(&self, cloud: &Cloud, request: &Request, now: u64) -> Value {
        json!({"ProgressEvent": self.event(cloud, request, now)})
    }

    // ---------------------------------------------------------------- request bookkeeping

    fn client_token_hit(&self, cloud: &Cloud, region: &str, token: Option<&str>, fingerprint: &str, now: u64) -> Result<Option<Value>, ApiError> {
        let Some(token) = token else { return Ok(None) };
        let Some(record) = self.data.client_tokens.get(&format!("{region}|{token}")) else { return Ok(None) };
        if now.saturating_sub(record.created_ms) > CLIENT_TOKEN_TTL_MS {
            return Ok(None);
        }
        if record.fingerprint != fingerprint {
            return Err(ApiError::new(
                "ClientTokenConflictException",
                format!("The client token {token} was already used for a different request"),
            ));
        }
        match self.data.requests.get(&record.request_token) {
            Some(request) => Ok(Some(self.progress(cloud, request, now))),
            None => Ok(None),
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn start(
        &mut self,
        cloud: &Cloud,
        region: &str,
        type_name: &str,
        operation: Operation,
        identifier: Option<String>,
        key: Option<ResKey>,
        input: Option<Value>,
        client_token: Option<&str>,
        fingerprint: String,
        now: u64,
    ) -> Value {
        let token = uuid::Uuid::new_v4().to_string();
        let due = now + latency_for(cloud.config.latency, type_name, operation.as_str()).as_millis() as u64;
        let request = Request {
            token: token.clone(),
            region: region.to_owned(),
            type_name: type_name.to_owned(),
            operation,
            status: Status::InProgress,
            identifier,
            key: key.clone(),
            event_ms: now,
            due_ms: due,
            input,
            error_code: None,
            status_message: None,
            client_token: client_token.map(str::to_owned),
            fingerprint: fingerprint.clone(),
        };
        self.seq += 1;
        self.pending.insert((due, self.seq, token.clone()));
        if let Some(key) = key {
            self.busy.insert(key, token.clone());
        }
        let event = self.progress(cloud, &request, now);
        self.record(Record::PutRequest { request });
        if let Some(client_token) = client_token {
            self.record(Record::PutClientToken {
                id: format!("{region}|{client_token}"),
                record: ClientTokenRecord { request_token: token, fingerprint, created_ms: now },
            });
        }
        event
    }

    fn check_busy(&self, key: &ResKey) -> Result<(), ApiError> {
        match self.busy.get(key) {
            Some(token) => Err(ApiError::new(
                "ConcurrentOperationException",
                format!(
                    "Another operation (request token {token}) is in progress on resource of type '{}' with identifier '{}'",
                    key.type_name, key.identifier
                ),
            )),
            None => Ok(()),
        }
    }

    // ---------------------------------------------------------------- operations

    fn create(&mut self, cloud: &Cloud, region: &str, body: &Map<String, Value>, now: u64) -> Result<Value, ApiError> {
        let type_name = string_member(body, "TypeName", "typeName", true)?.unwrap_or_default();
        let desired_text = string_member(body, "DesiredState", "desiredState", true)?.unwrap_or_default();
        let client_token = string_member(body, "ClientToken", "clientToken", false)?;
        check_type_name(type_name)?;
        check_length(desired_text, "desiredState", 1, MAX_DOCUMENT)?;
        if let Some(token) = client_token {
            check_token_shape(token, "clientToken")?;
        }
        check_common(body)?;
        let fingerprint = sha(&format!("CREATE\n{type_name}\n{desired_text}"));
        if let Some(event) = self.client_token_hit(cloud, region, client_token, &fingerprint, now)? {
            return Ok(event);
        }
        let schema = cloud.schema(region, type_name)?;
        if !schema.is_provisionable() {
            return Err(unsupported(type_name, "CREATE"));
        }
        let desired: Value = serde_json::from_str(desired_text)
            .map_err(|e| ApiError::validation(format!("Model validation failed (#: DesiredState is not valid JSON: {e})")))?;
        if !desired.is_object() {
            return Err(ApiError::validation(format!(
                "Model validation failed (#: expected type: JSONObject, found: {})",
                json_kind(&desired)
            )));
        }
        sync_validate(&schema, &desired, true)?;
        let identifier = ids::client_identifier(&schema, &desired);
        let scope = scope_of(type_name, region);
        let key = identifier.as_ref().map(|id| ResKey { scope, type_name: type_name.to_owned(), identifier: id.clone() });
        if let Some(key) = &key {
            self.check_busy(key)?;
        }
        Ok(self.start(cloud, region, type_name, Operation::Create, identifier, key, Some(desired), client_token, fingerprint, now))
    }

    fn get(&mut self, cloud: &Cloud, region: &str, body: &Map<String, Value>) -> Result<Value, ApiError> {
        let type_name = string_member(body, "TypeName", "typeName", true)?.unwrap_or_default();
        let identifier = string_member(body, "Identifier", "identifier", true)?.unwrap_or_default();
        check_type_name(type_name)?;
        check_length(identifier, "identifier", 1, 1024)?;
        check_common(body)?;
        let schema = cloud.schema(region, type_name)?;
        if !schema.is_provisionable() {
            return Err(unsupported(type_name, "READ"));
        }
        let query = ids::parse_identifier(&schema, identifier)?;
        let scope = scope_of(type_name, region);
        let key = self.find_resource(&schema, &scope, &query).ok_or_else(|| not_found_sync(type_name, identifier))?;
        let resource = &self.data.resources[&key];
        let read = ids::read_model(&schema, &resource.model);
        Ok(json!({
            "TypeName": type_name,
            "ResourceDescription": {"Identifier": key.identifier, "Properties": read.to_string()}
        }))
    }

    fn update(&mut self, cloud: &Cloud, region: &str, body: &Map<String, Value>, now: u64) -> Result<Value, ApiError> {
        let type_name = string_member(body, "TypeName", "typeName", true)?.unwrap_or_default();
        let identifier = string_member(body, "Identifier", "identifier", true)?.unwrap_or_default();
        let patch_text = string_member(body, "PatchDocument", "patchDocument", true)?.unwrap_or_default();
        let client_token = string_member(body, "ClientToken", "clientToken", false)?;
        check_type_name(type_name)?;
        check_length(identifier, "identifier", 1, 1024)?;
        check_length(patch_text, "patchDocument", 1, MAX_DOCUMENT)?;
        if let Some(token) = client_token {
            check_token_shape(token, "clientToken")?;
        }
        check_common(body)?;
        let fingerprint = sha(&format!("UPDATE\n{type_name}\n{identifier}\n{patch_text}"));
        if let Some(event) = self.client_token_hit(cloud, region, client_token, &fingerprint, now)? {
            return Ok(event);
        }
        let schema = cloud.schema(region, type_name)?;
        if !schema.is_provisionable() || !schema.is_updatable() {
            return Err(unsupported(type_name, "UPDATE"));
        }
        let query = ids::parse_identifier(&schema, identifier)?;
        let ops = patch::parse(patch_text)?;
        let scope = scope_of(type_name, region);
        if let IdentifierQuery::Primary(id) = &query {
            self.check_busy(&ResKey { scope: scope.clone(), type_name: type_name.to_owned(), identifier: id.clone() })?;
        }
        let key = self.find_resource(&schema, &scope, &query).ok_or_else(|| not_found_sync(type_name, identifier))?;
        self.check_busy(&key)?;
        patch::check_paths(&schema, &ops)?;
        let current = ids::read_model(&schema, &self.data.resources[&key].model);
        let patched = patch::apply(&current, &ops)?;
        let changed = patch::changed_create_only(&schema, &current, &patched);
        if !changed.is_empty() {
            return Err(ApiError::new(
                "NotUpdatableException",
                format!("Invalid patch update: createOnlyProperties [{}] cannot be updated", changed.join(", ")),
            ));
        }
        let changed_read_only = read_only_changes(&schema, &current, &patched);
        if !changed_read_only.is_empty() {
            return Err(ApiError::validation(format!(
                "Invalid patch update: readOnlyProperties [{}] cannot be updated",
                changed_read_only.join(", ")
            )));
        }
        if patched.to_string().len() > MAX_DOCUMENT {
            return Err(ApiError::validation(format!(
                "Model validation failed (#: the patched model exceeds {MAX_DOCUMENT} characters)"
            )));
        }
        sync_validate(&schema, &patched, false)?;
        let identifier = key.identifier.clone();
        Ok(self.start(cloud, region, type_name, Operation::Update, Some(identifier), Some(key), Some(patched), client_token, fingerprint, now))
    }

    fn delete(&mut self, cloud: &Cloud, region: &str, body: &Map<String, Value>, now: u64) -> Result<Value, ApiError> {
        let type_name = string_member(body, "TypeName", "typeName", true)?.unwrap_or_default();
        let identifier = string_member(body, "Identifier", "identifier", true)?.unwrap_or_default();
        let client_token = string_member(body, "ClientToken", "clientToken", false)?;
        check_type_name(type_name)?;
        check_length(identifier, "identifier", 1, 1024)?;
        if let Some(token) = client_token {
            check_token_shape(token, "clientToken")?;
        }
        check_common(body)?;
        let fingerprint = sha(&format!("DELETE\n{type_name}\n{identifier}"));
        if let Some(event) = self.client_token_hit(cloud, region, client_token, &fingerprint, now)? {
            return Ok(event);
        }
        let schema = cloud.schema(region, type_name)?;
        if !schema.is_provisionable() {
            return Err(unsupported(type_name, "DELETE"));
        }
        let query = ids::parse_identifier(&schema, identifier)?;
        let scope = scope_of(type_name, region);
        if let IdentifierQuery::Primary(id) = &query {
            // A create of this very identifier may still be running.
            self.check_busy(&ResKey { scope: scope.clone(), type_name: type_name.to_owned(), identifier: id.clone() })?;
        }
        let (key, shown) = match self.find_resource(&schema, &scope, &query) {
            Some(key) => {
                self.check_busy(&key)?;
                let shown = key.identifier.clone();
                (Some(key), shown)
            }
            None => (None, match &query {
                IdentifierQuery::Primary(id) => id.clone(),
                IdentifierQuery::Secondary(_) => identifier.to_owned(),
            }),
        };
        Ok(self.start(cloud, region, type_name, Operation::Delete, Some(shown), key, None, client_token, fingerprint, now))
    }

    fn list(&mut self, cloud: &Cloud, region: &str, body: &Map<String, Value>) -> Result<Value, ApiError> {
        let type_name = string_member(body, "TypeName", "typeName", true)?.unwrap_or_default();
        check_type_name(type_name)?;
        check_common(body)?;
        let next = string_member(body, "NextToken", "nextToken", false)?;
        if let Some(next) = next {
            check_length(next, "nextToken", 1, 4096)?;
        }
        let max = match body.get("MaxResults") {
            None | Some(Value::Null) => 100,
            Some(Value::Number(n)) => match n.as_u64() {
                Some(n @ 1..=100) => n as usize,
                _ => {
                    return Err(ApiError::validation(format!(
                        "1 validation error detected: Value '{n}' at 'maxResults' failed to satisfy constraint: Member must have value between 1 and 100"
                    )));
                }
            },
            Some(_) => return Err(ApiError::new("SerializationException", "Expected a number for member MaxResults")),
        };
        let schema = cloud.schema(region, type_name)?;
        if !schema.is_provisionable() {
            return Err(unsupported(type_name, "LIST"));
        }
        let Some(list) = schema.handlers.list.as_ref() else { return Err(unsupported(type_name, "LIST")) };
        let parent_model = match string_member(body, "ResourceModel", "resourceModel", false)? {
            Some(text) => {
                check_length(text, "resourceModel", 1, MAX_DOCUMENT)?;
                match serde_json::from_str::<Value>(text) {
                    Ok(Value::Object(map)) => map,
                    _ => {
                        return Err(ApiError::new(
                            "InvalidRequestException",
                            format!("Missing or invalid ResourceModel property in {type_name} list handler request input. ResourceModel is not a JSON object"),
                        ));
                    }
                }
            }
            None => Map::new(),
        };
        let missing: Vec<&String> = list.required_parent_properties.iter().filter(|p| !parent_model.contains_key(*p)).collect();
        if let Some(first) = missing.first() {
            return Err(ApiError::new(
                "InvalidRequestException",
                format!("Missing or invalid ResourceModel property in {type_name} list handler request input.Required property: (#: required key [{first}] not found)"),
            ));
        }
        let after = match next {
            Some(token) => Some(
                base64::engine::general_purpose::STANDARD
                    .decode(token)
                    .ok()
                    .and_then(|b| String::from_utf8(b).ok())
                    .and_then(|s| s.strip_prefix("list:").map(str::to_owned))
                    .ok_or_else(|| ApiError::new("InvalidRequestException", format!("Invalid NextToken {token}")))?,
            ),
            None => None,
        };
        let scope = scope_of(type_name, region);
        let mut descriptions = Vec::new();
        let mut last = None;
        let mut more = false;
        let start = ResKey { scope: scope.clone(), type_name: type_name.to_owned(), identifier: after.clone().unwrap_or_default() };
        let bound = if after.is_some() { std::ops::Bound::Excluded(start) } else { std::ops::Bound::Included(start) };
        let page = self
            .data
            .resources
            .range((bound, std::ops::Bound::Unbounded))
            .take_while(|(k, _)| k.scope == scope && k.type_name == type_name);
        for (key, resource) in page {
            let matches_parent = parent_model.iter().all(|(k, v)| resource.model.get(k).is_none_or(|m| m == v));
            if !matches_parent {
                continue;
            }
            if descriptions.len() == max {
                more = true;
                break;
            }
            let read = ids::read_model(&schema, &resource.model);
            descriptions.push(json!({"Identifier": key.identifier, "Properties": read.to_string()}));
            last = Some(key.identifier.clone());
        }
        let mut out = json!({"TypeName": type_name, "ResourceDescriptions": descriptions});
        if more
            && let Some(last) = last {
                out["NextToken"] = json!(base64::engine::general_purpose::STANDARD.encode(format!("list:{last}")));
            }
        Ok(out)
    }

    fn request_token<'a>(&self, body: &'a Map<String, Value>) -> Result<&'a str, ApiError> {
        let token = string_member(body, "RequestToken", "requestToken", true)?.unwrap_or_default();
        check_token_shape(token, "requestToken")?;
        Ok(token)
    }

    fn token_not_found(token: &str) -> ApiError {
        ApiError::new("RequestTokenNotFoundException", format!("Request with token {token} was not found"))
    }

    fn status(&mut self, cloud: &Cloud, body: &Map<String, Value>, now: u64) -> Result<Value, ApiError> {
        let token = self.request_token(body)?;
        let request = self.data.requests.get(token).ok_or_else(|| Self::token_not_found(token))?;
        Ok(self.progress(cloud, request, now))
    }

    fn list_requests(&mut self, cloud: &Cloud, region: &str, body: &Map<String, Value>, now: u64) -> Result<Value, ApiError> {
        let max = match body.get("MaxResults") {
            None | Some(Value::Null) => 20,
            Some(Value::Number(n)) => match n.as_u64() {
                Some(n @ 1..=100) => n as usize,
                _ => {
                    return Err(ApiError::validation(format!(
                        "1 validation error detected: Value '{n}' at 'maxResults' failed to satisfy constraint: Member must have value between 1 and 100"
                    )));
                }
            },
            Some(_) => return Err(ApiError::new("SerializationException", "Expected a number for member MaxResults")),
        };
        let next = string_member(body, "NextToken", "nextToken", false)?;
        let filter = body.get("ResourceRequestStatusFilter").and_then(Value::as_object);
        let list_of = |name: &str| -> Result<Vec<String>, ApiError> {
            match filter.and_then(|f| f.get(name)) {
                None | Some(Value::Null) => Ok(Vec::new()),
                Some(Value::Array(items)) => items
                    .iter()
                    .map(|i| i.as_str().map(str::to_owned).ok_or_else(|| ApiError::new("SerializationException", format!("Expected strings in {name}"))))
                    .collect(),
                Some(_) => Err(ApiError::new("SerializationException", format!("Expected a list for {name}"))),
            }
        };
        let operations = list_of("Operations")?;
        let statuses = list_of("OperationStatuses")?;
        for op in &operations {
            if Operation::parse(op).is_none() {
                return Err(ApiError::validation(format!(
                    "1 validation error detected: Value '[{op}]' at 'resourceRequestStatusFilter.operations' failed to satisfy constraint: Member must satisfy constraint: [Member must satisfy enum value set: [CREATE, DELETE, UPDATE]]"
                )));
            }
        }
        for status in &statuses {
            if Status::parse(status).is_none() {
                return Err(ApiError::validation(format!(
                    "1 validation error detected: Value '[{status}]' at 'resourceRequestStatusFilter.operationStatuses' failed to satisfy constraint: Member must satisfy enum value set: [PENDING, IN_PROGRESS, SUCCESS, FAILED, CANCEL_IN_PROGRESS, CANCEL_COMPLETE]"
                )));
            }
        }
        // Newest first; the page token is the position of the last request returned.
        let mut matching: Vec<&Request> = self
            .data
            .requests
            .values()
            .filter(|r| r.region == region)
            .filter(|r| operations.is_empty() || operations.iter().any(|o| o == r.operation.as_str()))
            .filter(|r| statuses.is_empty() || statuses.iter().any(|s| s == r.status.as_str()))
            .collect();
        matching.sort_by(|a, b| b.event_ms.cmp(&a.event_ms).then_with(|| b.token.cmp(&a.token)));
        let start = match next {
            Some(token) => {
                let decoded = base64::engine::general_purpose::STANDARD
                    .decode(token)
                    .ok()
                    .and_then(|b| String::from_utf8(b).ok())
                    .and_then(|s| {
                        let (ms, tok) = s.strip_prefix("req:")?.split_once(':')?;
                        Some((ms.parse::<u64>().ok()?, tok.to_owned()))
                    })
                    .ok_or_else(|| ApiError::validation(format!("Invalid NextToken {token}")))?;
                matching
                    .iter()
                    .position(|r| (r.event_ms, r.token.as_str()) < (decoded.0, decoded.1.as_str()))
                    .unwrap_or(matching.len())
            }
            None => 0,
        };
        let page: Vec<Value> = matching.iter().skip(start).take(max).map(|r| self.event(cloud, r, now)).collect();
        let mut out = json!({"ResourceRequestStatusSummaries": page});
        if start + max < matching.len() {
            let last = matching[start + max - 1];
            out["NextToken"] = json!(base64::engine::general_purpose::STANDARD.encode(format!("req:{}:{}", last.event_ms, last.token)));
        }
        Ok(out)
    }

    fn cancel(&mut self, cloud: &Cloud, body: &Map<String, Value>, now: u64) -> Result<Value, ApiError> {
        let token = self.request_token(body)?.to_owned();
        let request = self.data.requests.get(&token).ok_or_else(|| Self::token_not_found(&token))?;
        match request.status {
            Status::Pending | Status::InProgress => {
                let mut request = request.clone();
                request.status = Status::CancelInProgress;
                let event = self.progress(cloud, &request, now);
                self.record(Record::PutRequest { request });
                Ok(event)
            }
            Status::CancelInProgress | Status::CancelComplete => Ok(self.progress(cloud, request, now)),
            Status::Success | Status::Failed => Err(ApiError::new(
                "ConcurrentModificationException",
                format!("Request {token} has already completed with status {}; it cannot be cancelled", request.status.as_str()),
            )),
        }
    }

    // ---------------------------------------------------------------- completion

    /// Complete every request whose time has come, in order.
    pub fn advance(&mut self, cloud: &Cloud, now: u64) {
        while let Some(first) = self.pending.first() {
            if first.0 > now {
                break;
            }
            let Some((_, _, token)) = self.pending.pop_first() else { break };
            self.complete(cloud, &token, now);
        }
    }

    fn complete(&mut self, cloud: &Cloud, token: &str, now: u64) {
        let Some(mut request) = self.data.requests.get(token).cloned() else { return };
        if let Some(key) = &request.key
            && self.busy.get(key).is_some_and(|t| t == token) {
                self.busy.remove(key);
            }
        let input = request.input.take();
        if request.status == Status::CancelInProgress {
            request.status = Status::CancelComplete;
            self.record(Record::PutRequest { request });
            return;
        }
        let outcome = if cloud.config.fail_rate > 0.0 && self.fault_rng.unit() < cloud.config.fail_rate {
            let choice = self.fault_rng.below(3);
            let (code, message) = [
                ("Throttling", "Rate exceeded (injected by the local cloud's --fail-rate)"),
                ("ServiceInternalError", "Internal error while handling the request (injected by the local cloud's --fail-rate)"),
                ("NotStabilized", "Resource did not stabilize in time (injected by the local cloud's --fail-rate)"),
            ][choice];
            Err((code.to_owned(), message.to_owned()))
        } else {
            match cloud.registry.get(&request.type_name) {
                Ok(schema) => match request.operation {
                    Operation::Create => self.complete_create(cloud, &schema, &mut request, input, now),
                    Operation::Update => self.complete_update(cloud, &schema, &request, input),
                    Operation::Delete => self.complete_delete(cloud, &schema, &request),
                },
                Err(e) => Err(("InternalFailure".to_owned(), e.to_string())),
            }
        };
        match outcome {
            Ok(()) => request.status = Status::Success,
            Err((code, message)) => {
                request.status = Status::Failed;
                request.error_code = Some(code);
                request.status_message = Some(message);
            }
        }
        self.record(Record::PutRequest { request });
    }

    fn injected(&self, cloud: &Cloud, type_name: &str, identifier: &str, model: &Value) -> HandlerResult<()> {
        for rule in &cloud.config.fail_rules {
            if !glob_match(&rule.type_glob, type_name) {
                continue;
            }
            let hit = match &rule.name_glob {
                None => true,
                Some(glob) => {
                    glob_match(glob, identifier)
                        || model.as_object().is_some_and(|o| {
                            o.iter().any(|(k, v)| (k.ends_with("Name") || k == "Name") && v.as_str().is_some_and(|s| glob_match(glob, s)))
                        })
                }
            };
            if hit {
                let target = rule.name_glob.as_ref().map(|g| format!(":{g}")).unwrap_or_default();
                return Err((
                    rule.code.clone(),
                    format!("Failure injected by the local cloud rule --fail {}{target}={}", rule.type_glob, rule.code),
                ));
            }
        }
        Ok(())
    }

    fn complete_create(&mut self, cloud: &Cloud, schema: &ResourceSchema, request: &mut Request, input: Option<Value>, now: u64) -> HandlerResult<()> {
        let mut model = input.unwrap_or_else(|| json!({}));
        let issues = schema.validator().validate(&model);
        if !issues.is_empty() {
            return Err(("InvalidRequest".into(), model_validation_message(&issues)));
        }
        let scope = scope_of(&schema.type_name, &request.region);
        ids::autoname(schema, &mut model, &mut self.rng);
        integrity::check_special(self_view(self), schema, &scope, &request.region, &model)?;
        let references = self.check_references(schema, &scope, &model)?;
        let minted = {
            let find = |value: &str| self.find_by_value(value);
            let count = |property: &str, value: &str| {
                self.of_type(&scope, &schema.type_name)
                    .filter(|(_, r)| r.model.get(property).and_then(Value::as_str) == Some(value))
                    .count()
            };
            let cx = Context { region: &request.region, now_ms: now, find: &find, count_with: &count };
            let mut rng = self.rng.clone();
            let minted = generate::generate(schema, &mut model, &mut rng, &cx);
            self.rng = rng;
            minted
        };
        let Some(identifier) = ids::identifier_of(schema, &model) else {
            let names: Vec<String> = schema.primary_identifier.iter().map(|p| p.to_pointer()).collect();
            return Err(("InvalidRequest".into(), format!("Model validation failed (#: required key [{}] not found)", names.join(", "))));
        };
        request.identifier = Some(identifier.clone());
        let key = ResKey { scope, type_name: schema.type_name.clone(), identifier: identifier.clone() };
        request.key = Some(key.clone());
        self.injected(cloud, &schema.type_name, &identifier, &model)?;
        if self.data.resources.contains_key(&key) {
            return Err((
                "AlreadyExists".into(),
                format!("Resource of type '{}' with identifier '{identifier}' already exists.", schema.type_name),
            ));
        }
        if schema.type_name == "AWS::S3::Bucket" && self.bucket_exists(&identifier) {
            return Err(("AlreadyExists".into(), format!("{identifier} already exists")));
        }
        for value in &minted {
            self.by_value.entry(value.clone()).or_insert_with(|| key.clone());
        }
        for target in references {
            self.referrers.entry(target).or_default().insert(key.clone());
        }
        self.record(Record::PutResource { key, resource: Resource { model, minted, created_ms: now } });
        Ok(())
    }

    fn check_references(&self, schema: &ResourceSchema, scope: &str, model: &Value) -> HandlerResult<Vec<String>> {
        let mut found = Vec::new();
        for (path, value) in integrity::references(schema, model) {
            match self.resolve_reference(&value, scope) {
                Some(target) => found.push(target),
                None => {
                    let place = if scope == GLOBAL { String::new() } else { format!(" in {scope}") };
                    return Err((
                        "NotFound".into(),
                        format!("Property {path}: the resource '{value}' does not exist{place} (referenced from {})", schema.type_name),
                    ));
                }
            }
        }
        Ok(found)
    }

    fn unlink(&mut self, schema: &ResourceSchema, key: &ResKey, model: &Value) {
        for (_, value) in integrity::references(schema, model) {
            if let Some(target) = self.resolve_reference(&value, &key.scope)
                && let Some(set) = self.referrers.get_mut(&target) {
                    set.remove(key);
                    if set.is_empty() {
                        self.referrers.remove(&target);
                    }
                }
        }
    }

    fn complete_update(&mut self, cloud: &Cloud, schema: &ResourceSchema, request: &Request, input: Option<Value>) -> HandlerResult<()> {
        let Some(key) = request.key.clone() else { return Err(("NotFound".into(), "no resource".into())) };
        let Some(current) = self.data.resources.get(&key).cloned() else {
            return Err((
                "NotFound".into(),
                format!("Resource of type '{}' with identifier '{}' was not found.", schema.type_name, key.identifier),
            ));
        };
        let mut model = input.unwrap_or_else(|| json!({}));
        let issues = schema.validator().validate(&model);
        if !issues.is_empty() {
            return Err(("InvalidRequest".into(), model_validation_message(&issues)));
        }
        integrity::check_special(self_view(self), schema, &key.scope, &request.region, &model)?;
        let references = self.check_references(schema, &key.scope, &model)?;
        self.injected(cloud, &schema.type_name, &key.identifier, &model)?;
        // Read-only values the patch could not touch are kept as they were.
        for path in &schema.read_only {
            if let (Some(root), Some(old)) = (path.root(), current.model.get(path.root().unwrap_or("")))
                && path.segments().len() == 1
                    && let Some(object) = model.as_object_mut() {
                        object.insert(root.to_owned(), old.clone());
                    }
        }
        self.unlink(schema, &key, &current.model);
        for target in references {
            self.referrers.entry(target).or_default().insert(key.clone());
        }
        self.record(Record::PutResource { key, resource: Resource { model, minted: current.minted, created_ms: current.created_ms } });
        Ok(())
    }

    fn complete_delete(&mut self, cloud: &Cloud, schema: &ResourceSchema, request: &Request) -> HandlerResult<()> {
        let Some(key) = request.key.clone().filter(|k| self.data.resources.contains_key(k)) else {
            return Err((
                "NotFound".into(),
                format!(
                    "Resource of type '{}' with identifier '{}' was not found.",
                    schema.type_name,
                    request.identifier.clone().unwrap_or_default()
                ),
            ));
        };
        let resource = self.data.resources[&key].clone();
        self.injected(cloud, &schema.type_name, &key.identifier, &resource.model)?;
        if schema.type_name == "AWS::S3::Bucket" {
            let bucket = resource.model.get("BucketName").and_then(Value::as_str).unwrap_or("");
            if self.data.objects.get(bucket).is_some_and(|o| !o.is_empty()) {
                return Err((
                    "GeneralServiceException".into(),
                    format!("The bucket you tried to delete is not empty (Service: S3, Status Code: 409, Request ID: {})", uuid::Uuid::new_v4().simple()),
                ));
            }
        }
        let referrers: Vec<ResKey> = resource
            .minted
            .iter()
            .filter_map(|v| self.referrers.get(v))
            .flat_map(|set| set.iter().cloned())
            .filter(|r| *r != key)
            .collect();
        if let Some(message) = integrity::blocked_delete(&key, &resource.model, &referrers) {
            return Err(("GeneralServiceException".into(), message));
        }
        self.unlink(schema, &key, &resource.model);
        for value in &resource.minted {
            if self.by_value.get(value) == Some(&key) {
                self.by_value.remove(value);
            }
        }
        self.record(Record::DeleteResource { key });
        Ok(())
    }
}

/// The read-only view integrity checks need.
pub struct View<'a> {
    state: &'a State,
}

fn self_view(state: &State) -> View<'_> {
    View { state }
}

impl View<'_> {
    /// Resources of a type in a scope.
    pub fn of_type(&self, scope: &str, type_name: &str) -> Vec<(&ResKey, &Value)> {
        self.state.of_type(scope, type_name).map(|(k, r)| (k, &r.model)).collect()
    }

    pub fn object_exists(&self, bucket: &str, key: &str) -> bool {
        self.state.object_exists(bucket, key)
    }

    pub fn bucket_exists(&self, bucket: &str) -> bool {
        self.state.bucket_exists(bucket)
    }
}

fn json_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "Null",
        Value::Bool(_) => "Boolean",
        Value::Number(_) => "Number",
        Value::String(_) => "String",
        Value::Array(_) => "JSONArray",
        Value::Object(_) => "JSONObject",
    }
}

/// Synchronous model validation: read-only properties in a desired state, undeclared keys and
/// wrong types are `ValidationException`s; the rest is left to the handler (asynchronous).
fn sync_validate(schema: &ResourceSchema, model: &Value, reject_read_only: bool) -> Result<(), ApiError> {
    if reject_read_only {
        let mut read_only: Vec<String> = Vec::new();
        for path in &schema.read_only {
            if path.segments().len() == 1
                && let Some(root) = path.root()
                    && model.get(root).is_some() && !schema.is_write_only(&[root]) {
                        read_only.push(format!("#/{root}"));
                    }
        }
        if !read_only.is_empty() {
            let text: Vec<String> = read_only.iter().map(|p| format!("{p}: read-only property cannot be set")).collect();
            return Err(ApiError::validation(format!("Model validation failed ({})", text.join(", "))));
        }
    }
    let issues: Vec<engine_schema::Issue> =
        schema.validator().validate(model).into_iter().filter(|i| i.kind.is_structural()).collect();
    if issues.is_empty() { Ok(()) } else { Err(ApiError::validation(model_validation_message(&issues))) }
}

/// Read-only values that an update changed (compared, since a patch could replace a parent).
fn read_only_changes(schema: &ResourceSchema, before: &Value, after: &Value) -> Vec<String> {
    schema
        .read_only
        .iter()
        .filter(|p| p.segments().len() == 1)
        .filter(|p| {
            let root = p.root().unwrap_or("");
            after.get(root).is_some() && before.get(root) != after.get(root)
        })
        .map(engine_schema::PropPath::to_pointer)
        .collect()
}

/// Everything `engine local-cloud ls` shows: (scope, type, identifier).
pub fn inventory(data: &Data) -> Vec<(String, String, String)> {
    data.resources.keys().map(|k| (k.scope.clone(), k.type_name.clone(), k.identifier.clone())).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(value: Value) -> Map<String, Value> {
        serde_json::from_value(value).unwrap()
    }

    fn stored(cloud: &Cloud, type_name: &str) -> Value {
        let state = cloud.lock();
        state.data.resources.iter().find(|(k, _)| k.type_name == type_name).map(|(_, r)| r.model.clone()).unwrap()
    }

    #[test]
    fn write_only_values_are_dropped_unless_re_sent() {
        let dir = tempfile::tempdir().unwrap();
        let cloud = Cloud::open(Config::new(dir.path()).seed(5)).unwrap();
        let desired = json!({"Name": "s", "SecretString": "one"}).to_string();
        cloud.call("CreateResource", "us-east-1", &body(json!({"TypeName": "AWS::SecretsManager::Secret", "DesiredState": desired}))).unwrap();
        cloud.call("ListResourceRequests", "us-east-1", &Map::new()).unwrap();
        let model = stored(&cloud, "AWS::SecretsManager::Secret");
        assert_eq!(model["SecretString"], "one", "kept while nobody updates");
        let id = model["Id"].as_str().unwrap().to_owned();
        let patch = json!([{"op": "add", "path": "/Description", "value": "d"}]).to_string();
        cloud.call("UpdateResource", "us-east-1", &body(json!({"TypeName": "AWS::SecretsManager::Secret", "Identifier": id, "PatchDocument": patch}))).unwrap();
        cloud.call("ListResourceRequests", "us-east-1", &Map::new()).unwrap();
        let model = stored(&cloud, "AWS::SecretsManager::Secret");
        assert!(model.get("SecretString").is_none(), "{model}");
        assert_eq!(model["Description"], "d");
        let patch = json!([{"op": "add", "path": "/SecretString", "value": "two"}]).to_string();
        cloud.call("UpdateResource", "us-east-1", &body(json!({"TypeName": "AWS::SecretsManager::Secret", "Identifier": id, "PatchDocument": patch}))).unwrap();
        cloud.call("ListResourceRequests", "us-east-1", &Map::new()).unwrap();
        assert_eq!(stored(&cloud, "AWS::SecretsManager::Secret")["SecretString"], "two");
    }

    #[test]
    fn request_records_and_client_tokens_expire() {
        let dir = tempfile::tempdir().unwrap();
        let cloud = Cloud::open(Config::new(dir.path())).unwrap();
        let desired = json!({"LogGroupName": "g"}).to_string();
        let out = cloud
            .call("CreateResource", "us-east-1", &body(json!({"TypeName": "AWS::Logs::LogGroup", "DesiredState": desired, "ClientToken": "t1"})))
            .unwrap();
        let token = out["ProgressEvent"]["RequestToken"].as_str().unwrap().to_owned();
        let later = now_ms() + REQUEST_TTL_MS + 120_000;
        {
            let mut state = cloud.lock();
            state.advance(&cloud, now_ms());
            state.purge(later);
            assert!(state.data.requests.is_empty(), "requests older than 7 days are forgotten");
            assert!(state.data.client_tokens.is_empty(), "client tokens older than 36 hours are forgotten");
        }
        let error = cloud.call("GetResourceRequestStatus", "us-east-1", &body(json!({"RequestToken": token}))).unwrap_err();
        assert_eq!(error.code, "RequestTokenNotFoundException");
        // A client token within 36 hours is honoured; after, it is free again.
        let mut state = cloud.lock();
        state.data.client_tokens.insert(
            "us-east-1|t2".into(),
            ClientTokenRecord { request_token: "gone".into(), fingerprint: "f".into(), created_ms: now_ms() - CLIENT_TOKEN_TTL_MS - 1 },
        );
        assert!(state.client_token_hit(&cloud, "us-east-1", Some("t2"), "other", now_ms()).unwrap().is_none());
    }
}
