//! The intermediate model on real schemas: flags, nested types, enums, maps, tags, recursion.

use engine_codegen::model::{Model, ModelOptions, Property, Resource, Service, Ty, TypeKind};
use engine_schema::Registry;

fn model_of(types: &[&str]) -> Model {
    let options = ModelOptions { services: None, types: Some(types.iter().map(|t| (*t).to_owned()).collect()) };
    Model::from_registry(Registry::global(), &options).expect("model")
}

fn resource<'a>(model: &'a Model, type_name: &str) -> (&'a Service, &'a Resource) {
    model
        .services
        .iter()
        .find_map(|s| s.resources.iter().find(|r| r.type_name == type_name).map(|r| (s, r)))
        .expect("resource in model")
}

fn prop<'a>(properties: &'a [Property], name: &str) -> &'a Property {
    properties.iter().find(|p| p.schema_name == name).unwrap_or_else(|| panic!("no property {name}"))
}

fn object<'a>(service: &'a Service, ty: &Ty) -> (&'a str, &'a [Property]) {
    let index = match ty {
        Ty::Object(index) => *index,
        Ty::Array(inner) | Ty::Map(inner) => return object(service, inner),
        other => panic!("not an object: {other:?}"),
    };
    match &service.types[index].kind {
        TypeKind::Object { properties } => (&service.types[index].name, properties),
        TypeKind::Enum { .. } => panic!("an enum"),
    }
}

#[test]
fn bucket_flags_tags_enums_and_metadata() {
    let model = model_of(&["AWS::S3::Bucket"]);
    assert!(!model.schema_date.is_empty());
    let (service, bucket) = resource(&model, "AWS::S3::Bucket");
    assert_eq!((service.name.as_str(), bucket.name.as_str()), ("s3", "Bucket"));
    assert_eq!(bucket.primary_identifier, ["/properties/BucketName"]);
    assert!(bucket.read_only.contains(&"/properties/Arn".to_owned()));

    let arn = prop(&bucket.properties, "Arn");
    assert!(arn.read_only && arn.always_output && !arn.required && arn.ty == Ty::String);
    let name = prop(&bucket.properties, "BucketName");
    assert!(name.create_only && !name.required && !name.read_only);
    assert!(name.always_output, "part of the primary identifier: always in outputs");
    assert_eq!(prop(&bucket.properties, "Tags").ty, Ty::Array(Box::new(Ty::Tag)));
    assert!(!bucket.inputs().any(|p| p.read_only));

    let (type_name, versioning) = object(service, &prop(&bucket.properties, "VersioningConfiguration").ty);
    assert_eq!(type_name, "BucketVersioningConfiguration");
    let status = prop(versioning, "Status");
    assert!(status.required);
    let Ty::Enum(index) = status.ty else { panic!("status is {:?}", status.ty) };
    let TypeKind::Enum { values } = &service.types[index].kind else { panic!() };
    let values: Vec<(&str, &str)> = values.iter().map(|v| (v.value.as_str(), v.ident.as_str())).collect();
    assert_eq!(values, [("Enabled", "Enabled"), ("Suspended", "Suspended")]);
    assert!(service.types[index].input && service.types[index].output);
    assert!(!prop(&bucket.properties, "VersioningConfiguration").doc.is_empty());
}

#[test]
fn web_acl_recursion_is_a_cycle_of_named_types() {
    let model = model_of(&["AWS::WAFv2::WebACL"]);
    let (service, acl) = resource(&model, "AWS::WAFv2::WebACL");
    assert_eq!(acl.name, "WebAcl");
    let (_, rule) = object(service, &prop(&acl.properties, "Rules").ty);
    let statement_ty = prop(rule, "Statement").ty.clone();
    let (statement_name, statement) = object(service, &statement_ty);
    assert_eq!(statement_name, "WebAclStatement");
    // AndStatement.Statements is an array of the same Statement type; NotStatement.Statement is it.
    let (_, and) = object(service, &prop(statement, "AndStatement").ty);
    assert_eq!(prop(and, "Statements").ty, Ty::Array(Box::new(statement_ty.clone())));
    let (_, not) = object(service, &prop(statement, "NotStatement").ty);
    assert_eq!(prop(not, "Statement").ty, statement_ty);
    // Each named type is built once.
    let names: Vec<&str> = service.types.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names.iter().filter(|n| **n == "WebAclStatement").count(), 1);
}

#[test]
fn maps_arrays_json_and_acronyms() {
    let model = model_of(&["AWS::ECS::TaskDefinition", "AWS::ApiGateway::Method", "AWS::EC2::VPC", "AWS::IAM::Role"]);
    let (service, task) = resource(&model, "AWS::ECS::TaskDefinition");
    let (_, container) = object(service, &prop(&task.properties, "ContainerDefinitions").ty);
    assert_eq!(prop(container, "DockerLabels").ty, Ty::Map(Box::new(Ty::String)));
    assert_eq!(prop(container, "Command").ty, Ty::Array(Box::new(Ty::String)));
    assert!(prop(container, "Name").required && prop(container, "Image").required);

    let (service, method) = resource(&model, "AWS::ApiGateway::Method");
    let (_, integration) = object(service, &prop(&method.properties, "Integration").ty);
    assert_eq!(prop(integration, "RequestParameters").ty, Ty::Map(Box::new(Ty::String)));
    assert!(prop(&method.properties, "HttpMethod").required);

    let (_, vpc) = resource(&model, "AWS::EC2::VPC");
    assert_eq!(vpc.name, "Vpc");
    assert!(prop(&vpc.properties, "VpcId").read_only);

    let (_, role) = resource(&model, "AWS::IAM::Role");
    assert_eq!(prop(&role.properties, "AssumeRolePolicyDocument").ty, Ty::Json);
}

#[test]
fn nested_read_only_properties_are_outputs_only() {
    let model = model_of(&["AWS::AppSync::Api"]);
    let (service, api) = resource(&model, "AWS::AppSync::Api");
    let (_, dns) = object(service, &prop(&api.properties, "Dns").ty);
    let http = prop(dns, "Http");
    assert!(http.read_only && !http.required && http.always_output);
}

#[test]
fn definition_names_merge_shared_words() {
    let model = model_of(&["AWS::S3::Bucket"]);
    let service = model.service("s3").expect("s3");
    let names: Vec<&str> = service.types.iter().map(|t| t.name.as_str()).collect();
    // `BucketEncryption` in `Bucket` is not `BucketBucketEncryption`.
    assert!(names.contains(&"BucketEncryption"), "{names:?}");
    assert!(!names.iter().any(|n| n.starts_with("BucketBucket")), "{names:?}");
}
