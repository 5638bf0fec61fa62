//! Remote components (`RegisterResourceRequest.remote`): a component implemented by a package in
//! another language. The engine resolves the package, checks the inputs against its declared
//! interface, and asks the package's plugin to construct the component (see [`crate::plugins`]).
//! The plugin registers the component and its children on this same monitor, under the parent the
//! program gave, so they are planned, deployed and recorded like any other registration; the
//! program's registration is answered with the component's URN and outputs.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use engine_proto::v1::{ConstructRequest, RegisterResourceRequest, RegisterResourceResponse};
use engine_proto::value;
use tonic::Status;

use crate::deployment::{Deployment, child_urn};

impl Deployment {
    pub(crate) async fn register_remote(
        self: Arc<Self>,
        req: RegisterResourceRequest,
    ) -> Result<RegisterResourceResponse, Status> {
        let _guard = self.inflight.enter();
        let root = self.info.root_urn();
        let parent = if req.parent.is_empty() { root.clone() } else { req.parent.clone() };
        let urn = child_urn(&self.info.stack, &self.info.project, &parent, &req.r#type, &req.name);
        let component = format!("{} \"{}\"", req.r#type, req.name);
        let fail = |message: String, status: fn(String) -> Status| {
            self.error(Some(&urn), message.clone());
            status(format!("{urn}: {message}"))
        };
        if req.package.is_empty() {
            return Err(fail(
                format!("{component} is registered as a remote component without a package (name@version)"),
                Status::invalid_argument,
            ));
        }
        if parent != root && self.graph.info(&parent).is_none() {
            return Err(fail(
                format!("{component}: parent {parent} is not a resource this program registered"),
                Status::invalid_argument,
            ));
        }
        self.touch();

        // The package and the component's declared interface.
        let manifest = self.plugins.resolve(&req.package).await.map_err(|m| fail(m, Status::failed_precondition))?;
        let Some(declared) = manifest.component(&req.r#type) else {
            let known: Vec<&str> = manifest.components.values().map(|c| c.token.as_str()).collect();
            return Err(fail(
                format!(
                    "package {} has no component {} (its components: {})",
                    manifest.id(),
                    req.r#type,
                    known.join(", ")
                ),
                Status::invalid_argument,
            ));
        };
        let inputs = req.inputs.as_ref().map(value::from_struct).unwrap_or_default();
        let input_dependencies: BTreeMap<String, Vec<String>> =
            req.property_dependencies.iter().map(|(k, v)| (k.clone(), v.urns.clone())).collect();
        let problems = engine_package::check_inputs(&manifest, declared, &inputs, &input_dependencies);
        if !problems.is_empty() {
            let text: Vec<String> = problems.iter().map(ToString::to_string).collect();
            return Err(fail(format!("package {}: {}", manifest.id(), text.join("; ")), Status::invalid_argument));
        }

        // The plugin (started once per package per run) builds it.
        let plugin =
            self.plugins.plugin(&manifest, &self.reporter).await.map_err(|m| fail(m, Status::failed_precondition))?;
        let from_inputs: BTreeSet<&String> = input_dependencies.values().flatten().collect();
        let explicit: Vec<String> =
            req.dependencies.iter().filter(|d| !from_inputs.contains(d) && **d != root).cloned().collect();
        let (monitor_address, monitor_token) = self.plugins.monitor();
        let request = ConstructRequest {
            project: self.info.project.clone(),
            stack: self.info.stack.clone(),
            dry_run: self.dry_run,
            config: self.info.config.iter().map(|(k, v)| (k.clone(), v.to_string())).collect(),
            secret_keys: self.info.secret_keys.clone(),
            r#type: req.r#type.clone(),
            name: req.name.clone(),
            parent: if parent == root { String::new() } else { parent.clone() },
            inputs: req.inputs.clone(),
            input_dependencies: req.property_dependencies.clone(),
            options: req.options.clone(),
            monitor_address,
            monitor_token,
            dependencies: explicit,
        };
        let response = plugin
            .construct(request)
            .await
            .map_err(|m| fail(format!("package {}: {m}", manifest.id()), Status::aborted))?;
        self.touch();
        if response.urn != urn {
            return Err(fail(
                format!(
                    "package {}: the plugin registered the component as {} instead of {urn}",
                    manifest.id(),
                    response.urn
                ),
                Status::internal,
            ));
        }
        Ok(RegisterResourceResponse {
            urn,
            id: String::new(),
            outputs: response.outputs,
            output_dependencies: response.output_dependencies,
        })
    }
}
