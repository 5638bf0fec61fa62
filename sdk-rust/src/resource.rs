//! Resources: options, the handle a registration returns at once, registration itself (custom,
//! component, remote component), reads of existing resources, and the contract generated typed
//! resources are built on ([`TypeInfo`], [`TypedResource`], [`Context::register_typed`]).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::panic::Location;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use engine_proto::v1::{self, RegisterResourceOutputsRequest};
use engine_proto::value as wire;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::context::Context;
use crate::input::{DynInput, Input};
use crate::output::{Output, OutputResolver, OutputValue, Resolved, Urns};
use crate::{Error, Result};

// ---------------------------------------------------------------------------------------------
// Options

/// Timeouts for the engine's cloud operations on a resource (unset: the schema's handler timeout).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct CustomTimeouts {
    pub create: Option<Duration>,
    pub update: Option<Duration>,
    pub delete: Option<Duration>,
}

/// A former identity of a resource, so that a rename or a move is not a replacement.
#[derive(Debug, Clone, PartialEq)]
pub enum Alias {
    /// A full former URN.
    Urn(String),
    /// Parts of the former URN; `None` parts default to the resource's current ones.
    Spec { name: Option<String>, resource_type: Option<String>, stack: Option<String>, project: Option<String>, parent: AliasParent },
}

/// The parent part of an [`Alias::Spec`].
#[derive(Debug, Clone, PartialEq, Default)]
pub enum AliasParent {
    /// The resource's current parent.
    #[default]
    Current,
    /// A former parent, by URN.
    Urn(String),
    /// Formerly at the top level (child of the stack).
    NoParent,
}

impl Alias {
    /// The resource was formerly named `name`.
    pub fn name(name: impl Into<String>) -> Self {
        Alias::Spec { name: Some(name.into()), resource_type: None, stack: None, project: None, parent: AliasParent::Current }
    }

    /// The resource formerly had another parent.
    #[must_use]
    pub fn parent(parent: &impl AsResource) -> Self {
        Alias::Spec {
            name: None,
            resource_type: None,
            stack: None,
            project: None,
            parent: AliasParent::Urn(parent.as_resource().urn_str().to_owned()),
        }
    }

    /// The resource was formerly at the top level.
    #[must_use]
    pub fn no_parent() -> Self {
        Alias::Spec { name: None, resource_type: None, stack: None, project: None, parent: AliasParent::NoParent }
    }

    fn to_proto(&self) -> v1::Alias {
        let alias = match self {
            Alias::Urn(urn) => v1::alias::Alias::Urn(urn.clone()),
            Alias::Spec { name, resource_type, stack, project, parent } => v1::alias::Alias::Spec(v1::AliasSpec {
                name: name.clone().unwrap_or_default(),
                r#type: resource_type.clone().unwrap_or_default(),
                stack: stack.clone().unwrap_or_default(),
                project: project.clone().unwrap_or_default(),
                parent: match parent {
                    AliasParent::Current => None,
                    AliasParent::Urn(urn) => Some(v1::alias_spec::Parent::ParentUrn(urn.clone())),
                    AliasParent::NoParent => Some(v1::alias_spec::Parent::NoParent(true)),
                },
            }),
        };
        v1::Alias { alias: Some(alias) }
    }
}

/// Options of a resource registration (all optional; `ResourceOptions::default()` is none).
#[derive(Clone, Default)]
pub struct ResourceOptions {
    /// The parent (a component); none means the stack.
    pub parent: Option<Resource>,
    /// Resources this one waits for and depends on, besides those its inputs come from. A
    /// component stands for itself and every resource registered under it so far.
    pub depends_on: Vec<Resource>,
    /// Refuse to delete or replace it. A protected parent's children are protected too.
    pub protect: Option<bool>,
    /// Property paths whose changes are ignored after creation.
    pub ignore_changes: Vec<String>,
    /// Property paths whose changes force a replacement.
    pub replace_on_changes: Vec<String>,
    /// Delete before creating the replacement (unset: the engine decides).
    pub delete_before_replace: Option<bool>,
    /// Forget it instead of deleting it in the cloud (a component's applies to its children).
    pub retain_on_delete: bool,
    /// Adopt the existing cloud resource with this identifier.
    pub import: Option<String>,
    pub custom_timeouts: Option<CustomTimeouts>,
    /// Region of this resource (components: of their children too).
    pub region: Option<String>,
    pub aliases: Vec<Alias>,
    /// Output properties to treat as secret.
    pub additional_secret_outputs: Vec<String>,
    /// Where the registration happened ("file:line"); unset: the Rust caller's location.
    pub source_position: Option<String>,
}

impl ResourceOptions {
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    #[must_use]
    pub fn parent(mut self, parent: &impl AsResource) -> Self {
        self.parent = Some(parent.as_resource().clone());
        self
    }

    #[must_use]
    pub fn depends_on(mut self, resource: &impl AsResource) -> Self {
        self.depends_on.push(resource.as_resource().clone());
        self
    }

    #[must_use]
    pub fn protect(mut self, protect: bool) -> Self {
        self.protect = Some(protect);
        self
    }

    #[must_use]
    pub fn ignore_changes<S: Into<String>>(mut self, paths: impl IntoIterator<Item = S>) -> Self {
        self.ignore_changes.extend(paths.into_iter().map(Into::into));
        self
    }

    #[must_use]
    pub fn replace_on_changes<S: Into<String>>(mut self, paths: impl IntoIterator<Item = S>) -> Self {
        self.replace_on_changes.extend(paths.into_iter().map(Into::into));
        self
    }

    #[must_use]
    pub fn delete_before_replace(mut self, delete_first: bool) -> Self {
        self.delete_before_replace = Some(delete_first);
        self
    }

    #[must_use]
    pub fn retain_on_delete(mut self, retain: bool) -> Self {
        self.retain_on_delete = retain;
        self
    }

    #[must_use]
    pub fn import(mut self, id: impl Into<String>) -> Self {
        self.import = Some(id.into());
        self
    }

    #[must_use]
    pub fn custom_timeouts(mut self, timeouts: CustomTimeouts) -> Self {
        self.custom_timeouts = Some(timeouts);
        self
    }

    #[must_use]
    pub fn region(mut self, region: impl Into<String>) -> Self {
        self.region = Some(region.into());
        self
    }

    #[must_use]
    pub fn alias(mut self, alias: Alias) -> Self {
        self.aliases.push(alias);
        self
    }

    #[must_use]
    pub fn additional_secret_outputs<S: Into<String>>(mut self, names: impl IntoIterator<Item = S>) -> Self {
        self.additional_secret_outputs.extend(names.into_iter().map(Into::into));
        self
    }

    #[must_use]
    pub fn source_position(mut self, position: impl Into<String>) -> Self {
        self.source_position = Some(position.into());
        self
    }
}

impl fmt::Debug for ResourceOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResourceOptions")
            .field("parent", &self.parent.as_ref().map(Resource::urn_str))
            .field("depends_on", &self.depends_on.iter().map(Resource::urn_str).collect::<Vec<_>>())
            .field("protect", &self.protect)
            .field("ignore_changes", &self.ignore_changes)
            .field("replace_on_changes", &self.replace_on_changes)
            .field("delete_before_replace", &self.delete_before_replace)
            .field("retain_on_delete", &self.retain_on_delete)
            .field("import", &self.import)
            .field("custom_timeouts", &self.custom_timeouts)
            .field("region", &self.region)
            .field("aliases", &self.aliases)
            .field("additional_secret_outputs", &self.additional_secret_outputs)
            .finish_non_exhaustive()
    }
}

// ---------------------------------------------------------------------------------------------
// The handle

/// What kind of resource a handle is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResourceKind {
    /// A cloud resource (or a built-in one).
    Custom,
    /// A component of this program.
    Component,
    /// A component implemented by a plugin package.
    RemoteComponent,
    /// An existing cloud resource, read and not managed.
    Read,
    /// The stack's root resource.
    Root,
}

/// What the engine answered for a registration (values in the wire encoding, with markers).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Registration {
    pub urn: String,
    /// Empty for components, and in preview for resources not created yet.
    pub id: String,
    pub outputs: Map<String, Value>,
    /// Remote components: per output, the URNs its value came from (the component's children).
    pub output_dependencies: BTreeMap<String, Urns>,
}

/// A component's outputs as registered (`Component::register_outputs`): wire values and, per
/// output, the URNs its value came from. What a component plugin returns to the engine.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RegisteredOutputs {
    pub outputs: Map<String, Value>,
    pub dependencies: BTreeMap<String, Urns>,
}

/// A registered resource: returned at once, while the core registers it in the background.
#[derive(Clone)]
pub struct Resource {
    pub(crate) inner: Arc<ResourceInner>,
}

pub(crate) struct ResourceInner {
    urn: String,
    resource_type: String,
    name: String,
    kind: ResourceKind,
    /// Types of the ancestors below the stack, then its own (empty for the root).
    type_chain: Vec<String>,
    registration: Output<Arc<Registration>>,
    dry_run: bool,
    protect: bool,
    secret_outputs: BTreeSet<String>,
    children: Mutex<Vec<Resource>>,
    /// Components: their outputs once registered.
    registered_outputs: Mutex<Option<Output<Arc<RegisteredOutputs>>>>,
}

/// Anything that stands for a resource: handles, components, generated typed resources.
pub trait AsResource {
    fn as_resource(&self) -> &Resource;
}

impl AsResource for Resource {
    fn as_resource(&self) -> &Resource {
        self
    }
}

impl fmt::Debug for Resource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Resource").field("urn", &self.inner.urn).field("kind", &self.inner.kind).finish()
    }
}

impl Resource {
    pub(crate) fn root(urn: String) -> Resource {
        let registration =
            Arc::new(Registration { urn: urn.clone(), ..Registration::default() });
        Resource {
            inner: Arc::new(ResourceInner {
                registration: Output::new(registration),
                resource_type: engine_proto::STACK_TYPE.to_owned(),
                name: engine_proto::parse_urn(&urn).map(|parts| parts.name.to_owned()).unwrap_or_default(),
                urn,
                kind: ResourceKind::Root,
                type_chain: Vec::new(),
                dry_run: false,
                protect: false,
                secret_outputs: BTreeSet::new(),
                children: Mutex::new(Vec::new()),
                registered_outputs: Mutex::new(None),
            }),
        }
    }

    /// The URN (known at once: the SDK computes it as the engine does).
    #[must_use]
    pub fn urn_str(&self) -> &str {
        &self.inner.urn
    }

    /// The URN as an output, which makes whatever uses it depend on this resource.
    #[must_use]
    pub fn urn(&self) -> Output<String> {
        self.inner.registration.map(|registration| registration.urn.clone())
    }

    /// The cloud identifier (unknown in preview for a resource not created yet; empty for
    /// components).
    #[must_use]
    pub fn id(&self) -> Output<String> {
        let unknown_when_empty = self.inner.dry_run && self.inner.kind == ResourceKind::Custom;
        self.inner.registration.map_resolved(move |resolved| {
            let value = resolved.value.as_ref().and_then(|registration| {
                if registration.id.is_empty() && unknown_when_empty { None } else { Some(registration.id.clone()) }
            });
            Resolved { value, secret: resolved.secret, dependencies: resolved.dependencies.clone() }
        })
    }

    #[must_use]
    pub fn resource_type(&self) -> &str {
        &self.inner.resource_type
    }

    #[must_use]
    pub fn name(&self) -> &str {
        &self.inner.name
    }

    #[must_use]
    pub fn kind(&self) -> ResourceKind {
        self.inner.kind
    }

    /// The raw registration (wire values), for bindings.
    #[must_use]
    pub fn registration(&self) -> Output<Arc<Registration>> {
        self.inner.registration.clone()
    }

    /// Wait until the engine has registered it (created or updated it, outside preview).
    ///
    /// # Errors
    /// The registration's error.
    pub async fn wait(&self) -> Result<()> {
        self.inner.registration.settled().await.map(|_| ())
    }

    /// One output property as JSON: unknown in preview when the engine does not know it yet,
    /// secret when the engine marked it (or `additional_secret_outputs` names it); `null` when
    /// absent after an `up`.
    #[must_use]
    pub fn output_value(&self, property: &str) -> Output<Value> {
        let property = property.to_owned();
        let inner = Arc::clone(&self.inner);
        self.inner.registration.map_resolved(move |resolved| {
            let Some(registration) = &resolved.value else {
                return Resolved { value: None, secret: resolved.secret, dependencies: resolved.dependencies.clone() };
            };
            let forced_secret = inner.secret_outputs.contains(&property);
            // A remote component's output depends on the children its value came from (as an
            // output of a component of this program would), not on the component.
            let dependencies = match registration.output_dependencies.get(&property) {
                Some(urns) if inner.kind == ResourceKind::RemoteComponent => urns.clone(),
                _ => resolved.dependencies.clone(),
            };
            let (value, secret) = match registration.outputs.get(&property) {
                None if inner.dry_run => (None, false),
                None => (Some(Value::Null), false),
                Some(value) if wire::contains_unknowns(value) => (None, wire::contains_secrets(value)),
                Some(value) => {
                    let (plain, found) = wire::unwrap_secrets(value);
                    (Some(plain), found)
                }
            };
            Resolved { value, secret: resolved.secret || secret || forced_secret, dependencies }
        })
    }

    /// One output property, typed. A value of the wrong type fails the output (and the
    /// program) with an error naming the resource and the property.
    #[must_use]
    pub fn output<T: DeserializeOwned + OutputValue>(&self, property: &str) -> Output<T> {
        let inner = Arc::clone(&self.inner);
        let name = property.to_owned();
        self.output_value(property).try_map(move |value| {
            let missing = value.is_null();
            serde_json::from_value::<T>(value).map_err(|error| {
                let message = if missing {
                    "the engine returned no value for it".to_owned()
                } else {
                    format!("unexpected value: {error}")
                };
                inner.error(Error::Serialization(message).in_property(&name))
            })
        })
    }

    /// A reference to this resource as a property value (`{"__engine":"resource","urn","id"}`,
    /// which the engine replaces with the identifier); the value depends on this resource.
    #[must_use]
    pub fn reference(&self) -> Output<Value> {
        self.inner.registration.map(|registration| wire::resource_ref(&registration.urn, &registration.id))
    }

    /// Every output property as one JSON object (unknown if any is unknown in preview; secret
    /// if any is secret).
    #[must_use]
    pub fn outputs(&self) -> Output<Value> {
        let secret_outputs = self.inner.secret_outputs.clone();
        let kind = self.inner.kind;
        self.inner.registration.map_resolved(move |resolved| {
            let Some(registration) = &resolved.value else {
                return Resolved { value: None, secret: resolved.secret, dependencies: resolved.dependencies.clone() };
            };
            let object = Value::Object(registration.outputs.clone());
            let forced = registration.outputs.keys().any(|key| secret_outputs.contains(key));
            let dependencies = if kind == ResourceKind::RemoteComponent && !registration.output_dependencies.is_empty() {
                registration.output_dependencies.values().flatten().cloned().collect()
            } else {
                resolved.dependencies.clone()
            };
            let (value, secret) = if wire::contains_unknowns(&object) {
                (None, wire::contains_secrets(&object))
            } else {
                let (plain, found) = wire::unwrap_secrets(&object);
                (Some(plain), found)
            };
            Resolved { value, secret: resolved.secret || secret || forced, dependencies }
        })
    }

    /// A component's outputs, once registered (`None`: `register_outputs` was not called).
    #[must_use]
    pub fn registered_outputs(&self) -> Option<Output<Arc<RegisteredOutputs>>> {
        self.inner.registered_outputs.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }

    /// Every resource registered under this one so far (components), depth first, itself first.
    #[must_use]
    pub fn descendants(&self) -> Vec<Resource> {
        let mut out = Vec::new();
        self.with_descendants(&mut out);
        out
    }

    /// This resource and every resource registered under it so far (components), depth first.
    fn with_descendants(&self, out: &mut Vec<Resource>) {
        out.push(self.clone());
        let children = self.inner.children.lock().unwrap_or_else(PoisonError::into_inner).clone();
        for child in children {
            child.with_descendants(out);
        }
    }
}

impl From<&Resource> for DynInput {
    fn from(resource: &Resource) -> Self {
        DynInput::Output(resource.reference())
    }
}

impl ResourceInner {
    fn error(&self, source: Error) -> Error {
        Error::Resource {
            urn: self.urn.clone(),
            resource_type: self.resource_type.clone(),
            name: self.name.clone(),
            source: Box::new(source),
        }
    }

    fn describe(&self) -> String {
        format!("{} \"{}\"", self.resource_type, self.name)
    }
}

/// A component resource of this program: register children with `ResourceOptions::parent`,
/// then its outputs with [`Component::register_outputs`].
#[derive(Clone)]
pub struct Component {
    resource: Resource,
    ctx: Context,
}

impl AsResource for Component {
    fn as_resource(&self) -> &Resource {
        &self.resource
    }
}

impl std::ops::Deref for Component {
    type Target = Resource;

    fn deref(&self) -> &Resource {
        &self.resource
    }
}

impl Component {
    #[must_use]
    pub fn resource(&self) -> &Resource {
        &self.resource
    }

    /// Options with this component as the parent.
    #[must_use]
    pub fn child_options(&self) -> ResourceOptions {
        ResourceOptions::default().parent(self)
    }

    /// Record the component's outputs (any serializable value; outputs inside are awaited).
    pub fn register_outputs(&self, outputs: &(impl Serialize + ?Sized)) {
        match DynInput::from_serialize(outputs) {
            Ok(outputs) => self.register_outputs_dyn(outputs),
            Err(error) => {
                self.ctx.inner.tracker.record(&self.resource.inner.error(error));
            }
        }
    }

    /// [`Component::register_outputs`] for the dynamic layer.
    pub fn register_outputs_dyn(&self, outputs: DynInput) {
        let ctx = self.ctx.clone();
        let resource = self.resource.clone();
        let tracker = ctx.inner.tracker.clone();
        let (registered, resolver) = Output::<Arc<RegisteredOutputs>>::pending();
        *self.resource.inner.registered_outputs.lock().unwrap_or_else(PoisonError::into_inner) = Some(registered);
        self.ctx.inner.tracker.spawn(async move {
            if let Err(error) = resource.wait().await {
                // Its registration failed and was reported.
                resolver.reject(error);
                return;
            }
            let result = async {
                let resolved = outputs.resolve().await?;
                let Value::Object(map) = resolved.value else {
                    return Err(Error::Invalid("a component's outputs must be an object".to_owned()));
                };
                ctx.check()?;
                ctx.inner
                    .monitor
                    .register_resource_outputs(RegisterResourceOutputsRequest {
                        urn: resource.urn_str().to_owned(),
                        outputs: Some(wire::to_struct(&map)),
                    })
                    .await?;
                Ok(RegisteredOutputs { outputs: map, dependencies: resolved.property_dependencies })
            }
            .await;
            match result {
                Ok(registered) => resolver.resolve_value(Arc::new(registered)),
                Err(error) => {
                    let error = resource.inner.error(error);
                    tracker.record(&error);
                    resolver.reject(error);
                }
            }
        });
    }
}

impl fmt::Debug for Component {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Component").field("urn", &self.resource.inner.urn).finish()
    }
}

// ---------------------------------------------------------------------------------------------
// Typed resources (the contract for generated code)

/// Static metadata of a resource type, carried by generated code and sent with every
/// registration (`TypeMetadata` in the protocol). `const`-constructible.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TypeInfo {
    /// `AWS::S3::Bucket`, `Engine::Random::Password`, ...
    pub type_name: &'static str,
    /// The schema date of the registry the code was generated from (empty: none).
    pub schema_date: &'static str,
    pub primary_identifier: &'static [&'static str],
    pub create_only: &'static [&'static str],
    pub write_only: &'static [&'static str],
    pub read_only: &'static [&'static str],
}

impl TypeInfo {
    /// A type without schema metadata (built-in types).
    #[must_use]
    pub const fn builtin(type_name: &'static str) -> Self {
        TypeInfo { type_name, schema_date: "", primary_identifier: &[], create_only: &[], write_only: &[], read_only: &[] }
    }

    /// The protocol message, or `None` when there is no metadata to send.
    #[must_use]
    pub fn to_proto(&self) -> Option<v1::TypeMetadata> {
        let strings = |items: &[&str]| items.iter().map(|item| (*item).to_owned()).collect();
        let empty = self.schema_date.is_empty()
            && self.primary_identifier.is_empty()
            && self.create_only.is_empty()
            && self.write_only.is_empty()
            && self.read_only.is_empty();
        (!empty).then(|| v1::TypeMetadata {
            schema_date: self.schema_date.to_owned(),
            primary_identifier: strings(self.primary_identifier),
            create_only: strings(self.create_only),
            write_only: strings(self.write_only),
            read_only: strings(self.read_only),
        })
    }
}

/// Implemented by generated typed resources (and the SDK's own built-in ones, see
/// [`crate::random`]): lets [`Context::create`] and [`Context::read`] build them.
pub trait TypedResource: AsResource + Sized {
    /// The type's metadata.
    const TYPE: TypeInfo;
    /// The argument struct (serializes to the schema's property names).
    type Args: Serialize;
    /// Output properties always secret for this type.
    const SECRET_OUTPUTS: &'static [&'static str] = &[];
    /// Wrap a registered handle.
    fn from_resource(resource: Resource) -> Self;
}

// ---------------------------------------------------------------------------------------------
// Registration

/// What is registered: a cloud resource, a component of this program, or a component
/// implemented by a plugin package.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RegisterKind {
    Custom,
    Component,
    /// `package` names the plugin package and its version requirement (`platform@^0.1`).
    RemoteComponent { package: String },
}

/// A registration, in full (the dynamic entry point: bindings and generated code).
#[derive(Debug, Clone)]
pub struct ResourceSpec {
    pub resource_type: String,
    pub name: String,
    pub kind: RegisterKind,
    /// An object (`DynInput::Object` or a JSON object); outputs inside are awaited.
    pub properties: DynInput,
    pub options: ResourceOptions,
    pub type_metadata: Option<v1::TypeMetadata>,
}

impl ResourceSpec {
    /// A custom resource with these properties and no options.
    pub fn custom(resource_type: impl Into<String>, name: impl Into<String>, properties: impl Into<DynInput>) -> Self {
        ResourceSpec {
            resource_type: resource_type.into(),
            name: name.into(),
            kind: RegisterKind::Custom,
            properties: properties.into(),
            options: ResourceOptions::default(),
            type_metadata: None,
        }
    }
}

fn validate(resource_type: &str, name: &str) -> Result<()> {
    if resource_type.is_empty() {
        return Err(Error::Invalid("a resource type must not be empty".to_owned()));
    }
    if resource_type.contains('$') {
        return Err(Error::Invalid(format!("invalid resource type \"{resource_type}\": '$' is not allowed")));
    }
    if name.is_empty() {
        return Err(Error::Invalid(format!("a {resource_type} needs a name (it is empty)")));
    }
    if name.contains("::") {
        return Err(Error::Invalid(format!("invalid resource name \"{name}\": \"::\" is not allowed in names")));
    }
    Ok(())
}

fn secs(duration: Option<Duration>) -> f64 {
    duration.map_or(0.0, |duration| duration.as_secs_f64())
}

impl Context {
    /// Register a resource: validates it, returns its handle at once, and registers it in the
    /// background once its parent, its `depends_on` and every output in its properties are
    /// ready. A failure is reported through the handle's outputs and as the program's error.
    ///
    /// # Errors
    /// At once for an invalid type or name, a duplicate URN, or a context that is finished or
    /// was created before a `fork()`.
    #[track_caller]
    pub fn register(&self, spec: ResourceSpec) -> Result<Resource> {
        let caller = Location::caller();
        self.register_at(spec, format!("{}:{}", caller.file(), caller.line()))
    }

    /// Register a custom (cloud) resource by type name with dynamic properties.
    ///
    /// # Errors
    /// See [`Context::register`].
    #[track_caller]
    pub fn register_resource(
        &self,
        resource_type: &str,
        name: &str,
        properties: impl Into<DynInput>,
        options: ResourceOptions,
    ) -> Result<Resource> {
        let mut spec = ResourceSpec::custom(resource_type, name, properties);
        spec.options = options;
        self.register(spec)
    }

    /// Register a custom resource from a typed argument struct (generated code): `args`
    /// serializes to the schema's property names; `Input`/`Output` fields become outputs of the
    /// dynamic layer.
    ///
    /// # Errors
    /// See [`Context::register`]; also when `args` does not serialize.
    #[track_caller]
    pub fn register_typed<A: Serialize + ?Sized>(
        &self,
        type_info: &TypeInfo,
        name: &str,
        args: &A,
        options: ResourceOptions,
    ) -> Result<Resource> {
        let properties = DynInput::from_serialize(args).map_err(|error| Error::Resource {
            urn: String::new(),
            resource_type: type_info.type_name.to_owned(),
            name: name.to_owned(),
            source: Box::new(error),
        })?;
        let mut spec = ResourceSpec::custom(type_info.type_name, name, properties);
        spec.options = options;
        spec.type_metadata = type_info.to_proto();
        self.register(spec)
    }

    /// Create a typed resource (generated code: `Bucket::new` calls this).
    ///
    /// # Errors
    /// See [`Context::register_typed`].
    #[track_caller]
    pub fn create<R: TypedResource>(&self, name: &str, args: &R::Args, mut options: ResourceOptions) -> Result<R> {
        options.additional_secret_outputs.extend(R::SECRET_OUTPUTS.iter().map(|name| (*name).to_owned()));
        self.register_typed(&R::TYPE, name, args, options).map(R::from_resource)
    }

    /// [`Context::create`] with properties already in dynamic form (generated code that builds a
    /// [`DynInput`] itself instead of deriving `Serialize`).
    ///
    /// # Errors
    /// See [`Context::register`].
    #[track_caller]
    pub fn create_dyn<R: TypedResource>(&self, name: &str, properties: DynInput, mut options: ResourceOptions) -> Result<R> {
        options.additional_secret_outputs.extend(R::SECRET_OUTPUTS.iter().map(|name| (*name).to_owned()));
        let mut spec = ResourceSpec::custom(R::TYPE.type_name, name, properties);
        spec.options = options;
        spec.type_metadata = R::TYPE.to_proto();
        self.register(spec).map(R::from_resource)
    }

    /// Register a component of this program.
    ///
    /// # Errors
    /// See [`Context::register`].
    #[track_caller]
    pub fn component(&self, resource_type: &str, name: &str, options: ResourceOptions) -> Result<Component> {
        let spec = ResourceSpec {
            resource_type: resource_type.to_owned(),
            name: name.to_owned(),
            kind: RegisterKind::Component,
            properties: DynInput::default(),
            options,
            type_metadata: None,
        };
        let resource = self.register(spec)?;
        Ok(Component { resource, ctx: self.clone() })
    }

    /// Register a component implemented by a plugin package; its outputs come back from the
    /// engine.
    ///
    /// # Errors
    /// See [`Context::register`].
    #[track_caller]
    pub fn remote_component(
        &self,
        resource_type: &str,
        name: &str,
        package: &str,
        properties: impl Into<DynInput>,
        options: ResourceOptions,
    ) -> Result<Resource> {
        let spec = ResourceSpec {
            resource_type: resource_type.to_owned(),
            name: name.to_owned(),
            kind: RegisterKind::RemoteComponent { package: package.to_owned() },
            properties: properties.into(),
            options,
            type_metadata: None,
        };
        self.register(spec)
    }

    /// [`Context::register`] with an explicit source position ("file:line"), for bindings.
    ///
    /// # Errors
    /// See [`Context::register`].
    pub fn register_at(&self, spec: ResourceSpec, source_position: String) -> Result<Resource> {
        let kind = match &spec.kind {
            RegisterKind::Custom => ResourceKind::Custom,
            RegisterKind::Component => ResourceKind::Component,
            RegisterKind::RemoteComponent { .. } => ResourceKind::RemoteComponent,
        };
        // A protected parent's children are protected, whatever they say (the engine's rule).
        let parent_protected = spec.options.parent.as_ref().is_some_and(|parent| parent.inner.protect);
        let protect = spec.options.protect.unwrap_or(false) || parent_protected;
        let secret_outputs = spec.options.additional_secret_outputs.iter().cloned().collect();
        let (resource, resolver) = self.new_resource(
            &spec.resource_type,
            &spec.name,
            kind,
            spec.options.parent.as_ref(),
            protect,
            secret_outputs,
        )?;
        let ctx = self.clone();
        let task_resource = resource.clone();
        let source_position = spec.options.source_position.clone().unwrap_or(source_position);
        self.inner.tracker.spawn(async move {
            let outcome = ctx.register_now(&task_resource, spec, protect, source_position).await;
            ctx.settle_registration(&task_resource, resolver, outcome);
        });
        Ok(resource)
    }

    /// Read an existing cloud resource by identifier (not managed: never updated or deleted).
    /// Of the options, `parent`, `depends_on`, `region` and `additional_secret_outputs` apply.
    ///
    /// # Errors
    /// See [`Context::register`].
    #[track_caller]
    pub fn read_resource(
        &self,
        resource_type: &str,
        name: &str,
        id: impl Into<Input<String>>,
        options: ResourceOptions,
    ) -> Result<Resource> {
        let secret_outputs = options.additional_secret_outputs.iter().cloned().collect();
        let (resource, resolver) =
            self.new_resource(resource_type, name, ResourceKind::Read, options.parent.as_ref(), false, secret_outputs)?;
        let id = id.into().into_output();
        let ctx = self.clone();
        let task_resource = resource.clone();
        self.inner.tracker.spawn(async move {
            let outcome = ctx.read_now(&task_resource, id, options).await;
            ctx.settle_registration(&task_resource, resolver, outcome);
        });
        Ok(resource)
    }

    /// Read a typed resource (generated code: `Bucket::get`).
    ///
    /// # Errors
    /// See [`Context::read_resource`].
    #[track_caller]
    pub fn read<R: TypedResource>(&self, name: &str, id: impl Into<Input<String>>, mut options: ResourceOptions) -> Result<R> {
        options.additional_secret_outputs.extend(R::SECRET_OUTPUTS.iter().map(|name| (*name).to_owned()));
        self.read_resource(R::TYPE.type_name, name, id, options).map(R::from_resource)
    }

    /// A handle on a resource registered by another process of this run (a component plugin is
    /// given its component's parent and dependencies by URN): usable as `parent` and in
    /// `depends_on`. Of its kind `Read`: already registered, with no outputs.
    ///
    /// # Errors
    /// A URN not of this stack and project.
    pub fn resource_from_urn(&self, urn: &str) -> Result<Resource> {
        if urn == self.root().urn_str() {
            return Ok(self.root().clone());
        }
        let parts = engine_proto::parse_urn(urn)
            .filter(|parts| parts.stack == self.stack() && parts.project == self.project())
            .ok_or_else(|| Error::Invalid(format!("{urn} is not a URN of this stack ({}) and project ({})", self.stack(), self.project())))?;
        let registration = Arc::new(Registration { urn: urn.to_owned(), ..Registration::default() });
        Ok(Resource {
            inner: Arc::new(ResourceInner {
                urn: urn.to_owned(),
                resource_type: parts.resource_type().to_owned(),
                name: parts.name.to_owned(),
                kind: ResourceKind::Read,
                type_chain: parts.type_chain.iter().map(|t| (*t).to_owned()).collect(),
                registration: Output::from_resolved(Resolved {
                    value: Some(registration),
                    secret: false,
                    dependencies: std::iter::once(urn.to_owned()).collect(),
                }),
                dry_run: self.is_dry_run(),
                protect: false,
                secret_outputs: BTreeSet::new(),
                children: Mutex::new(Vec::new()),
                registered_outputs: Mutex::new(None),
            }),
        })
    }

    fn new_resource(
        &self,
        resource_type: &str,
        name: &str,
        kind: ResourceKind,
        parent: Option<&Resource>,
        protect: bool,
        secret_outputs: BTreeSet<String>,
    ) -> Result<(Resource, OutputResolver<Arc<Registration>>)> {
        let describe = |source: Error, urn: String| Error::Resource {
            urn,
            resource_type: resource_type.to_owned(),
            name: name.to_owned(),
            source: Box::new(source),
        };
        self.check().map_err(|error| describe(error, String::new()))?;
        validate(resource_type, name).map_err(|error| describe(error, String::new()))?;
        let parent = parent.unwrap_or(&self.inner.root);
        let mut type_chain = parent.inner.type_chain.clone();
        type_chain.push(resource_type.to_owned());
        let chain: Vec<&str> = type_chain.iter().map(String::as_str).collect();
        let urn = engine_proto::urn(self.stack(), self.project(), &chain, name);
        {
            let mut urns = self.inner.urns.lock().unwrap_or_else(PoisonError::into_inner);
            if !urns.insert(urn.clone()) {
                return Err(describe(
                    Error::Invalid(format!(
                        "duplicate resource: URN {urn} is already registered by this program; \
                         give one of them another name"
                    )),
                    urn,
                ));
            }
        }
        let (registration, resolver) = Output::pending_with(Some(self.inner.tracker.clone()));
        let resource = Resource {
            inner: Arc::new(ResourceInner {
                urn,
                resource_type: resource_type.to_owned(),
                name: name.to_owned(),
                kind,
                type_chain,
                registration,
                dry_run: self.is_dry_run(),
                protect,
                secret_outputs,
                children: Mutex::new(Vec::new()),
                registered_outputs: Mutex::new(None),
            }),
        };
        if parent.inner.kind != ResourceKind::Root {
            parent.inner.children.lock().unwrap_or_else(PoisonError::into_inner).push(resource.clone());
        }
        Ok((resource, resolver))
    }

    fn settle_registration(
        &self,
        resource: &Resource,
        resolver: OutputResolver<Arc<Registration>>,
        outcome: Result<Option<Registration>>,
    ) {
        let dependencies: Urns = std::iter::once(resource.inner.urn.clone()).collect();
        match outcome {
            Ok(registration) => resolver.resolve(Resolved {
                value: registration.map(Arc::new),
                secret: false,
                dependencies,
            }),
            Err(error) => {
                let error = resource.inner.error(error);
                self.inner.tracker.record(&error);
                resolver.reject(error);
            }
        }
    }

    /// Wait for the parent and explicit dependencies; returns the dependencies' URNs.
    async fn wait_for_prerequisites(&self, parent: Option<&Resource>, depends_on: &[Resource]) -> Result<Urns> {
        if let Some(parent) = parent
            && parent.wait().await.is_err()
        {
            return Err(Error::Invalid(format!("its parent {} failed", parent.inner.describe())));
        }
        let mut expanded = Vec::new();
        for dependency in depends_on {
            dependency.with_descendants(&mut expanded);
        }
        let mut urns = Urns::new();
        for dependency in expanded {
            if dependency.inner.kind == ResourceKind::Root {
                continue;
            }
            if dependency.wait().await.is_err() {
                return Err(Error::Invalid(format!("it depends on {}, which failed", dependency.inner.describe())));
            }
            urns.insert(dependency.inner.urn.clone());
        }
        Ok(urns)
    }

    async fn register_now(
        &self,
        resource: &Resource,
        spec: ResourceSpec,
        protect: bool,
        source_position: String,
    ) -> Result<Option<Registration>> {
        let options = spec.options;
        let mut dependencies = self.wait_for_prerequisites(options.parent.as_ref(), &options.depends_on).await?;
        let resolved = spec.properties.resolve().await?;
        let Value::Object(mut inputs) = resolved.value else {
            return Err(Error::Invalid("a resource's properties must be an object".to_owned()));
        };
        // Absent and null are the same to the engine: send neither.
        inputs.retain(|_, value| !value.is_null());
        dependencies.extend(resolved.dependencies.iter().cloned());
        let property_dependencies = resolved
            .property_dependencies
            .into_iter()
            .filter(|(key, urns)| inputs.contains_key(key) && !urns.is_empty())
            .map(|(key, urns)| (key, v1::UrnList { urns: urns.into_iter().collect() }))
            .collect();
        let (remote, package) = match &spec.kind {
            RegisterKind::RemoteComponent { package } => (true, package.clone()),
            _ => (false, String::new()),
        };
        let request = v1::RegisterResourceRequest {
            r#type: spec.resource_type.clone(),
            name: spec.name.clone(),
            custom: spec.kind == RegisterKind::Custom,
            parent: options.parent.as_ref().map(|parent| parent.urn_str().to_owned()).unwrap_or_default(),
            inputs: Some(wire::to_struct(&inputs)),
            dependencies: dependencies.into_iter().collect(),
            property_dependencies,
            options: Some(v1::ResourceOptions {
                protect,
                ignore_changes: options.ignore_changes.clone(),
                replace_on_changes: options.replace_on_changes.clone(),
                delete_before_replace: options.delete_before_replace,
                retain_on_delete: options.retain_on_delete,
                import_id: options.import.clone().unwrap_or_default(),
                custom_timeouts: options.custom_timeouts.map(|timeouts| v1::CustomTimeouts {
                    create: secs(timeouts.create),
                    update: secs(timeouts.update),
                    delete: secs(timeouts.delete),
                }),
                region: options.region.clone().unwrap_or_default(),
                aliases: options.aliases.iter().map(Alias::to_proto).collect(),
                additional_secret_outputs: options.additional_secret_outputs.clone(),
            }),
            remote,
            package,
            type_metadata: spec.type_metadata,
            source_position,
        };
        self.check()?;
        let response = self.inner.monitor.register_resource(request).await?;
        self.check_urn(resource, &response.urn)?;
        let outputs = response.outputs.as_ref().map(wire::from_struct).unwrap_or_default();
        let output_dependencies = response
            .output_dependencies
            .into_iter()
            .map(|(key, list)| (key, list.urns.into_iter().collect()))
            .collect();
        Ok(Some(Registration { urn: resource.inner.urn.clone(), id: response.id, outputs, output_dependencies }))
    }

    async fn read_now(&self, resource: &Resource, id: Output<String>, options: ResourceOptions) -> Result<Option<Registration>> {
        let mut dependencies = self.wait_for_prerequisites(options.parent.as_ref(), &options.depends_on).await?;
        let id = id.resolve().await.map_err(|error| error.in_property("id"))?;
        dependencies.extend(id.dependencies.iter().cloned());
        let Some(identifier) = id.value else {
            if self.is_dry_run() {
                // Not readable yet: every output is unknown in this preview.
                return Ok(None);
            }
            return Err(Error::Invalid("the identifier to read is unknown".to_owned()));
        };
        let request = v1::ReadResourceRequest {
            r#type: resource.inner.resource_type.clone(),
            name: resource.inner.name.clone(),
            parent: options.parent.as_ref().map(|parent| parent.urn_str().to_owned()).unwrap_or_default(),
            id: identifier.clone(),
            region: options.region.clone().unwrap_or_default(),
            dependencies: dependencies.into_iter().collect(),
        };
        self.check()?;
        let response = self.inner.monitor.read_resource(request).await?;
        self.check_urn(resource, &response.urn)?;
        let outputs = response.outputs.as_ref().map(wire::from_struct).unwrap_or_default();
        Ok(Some(Registration { urn: resource.inner.urn.clone(), id: identifier, outputs, ..Registration::default() }))
    }

    fn check_urn(&self, resource: &Resource, answered: &str) -> Result<()> {
        if answered.is_empty() || answered == resource.inner.urn {
            return Ok(());
        }
        Err(Error::Other(format!(
            "the engine registered it as {answered} but the SDK computed {}: the engine and the SDK disagree about URNs",
            resource.inner.urn
        )))
    }
}
