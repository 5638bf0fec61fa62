//! A program written with the generated Rust types, run against the SDK's mock engine: nested
//! argument types, enums, maps, recursion (WAFv2), outputs flowing into inputs, typed outputs
//! read back, and the metadata sent with each registration.

use engine_codegen_rust_check::aws::{self, ec2, ecs, s3, wafv2};
use engine_sdk::prelude::*;
use engine_sdk::runtime::block_on;
use engine_sdk::testing::{MockMonitor, MockOptions};
use serde_json::json;

fn statement_matching(text: &str) -> wafv2::WebAclStatementArgs {
    wafv2::WebAclStatementArgs {
        byte_match_statement: Some(
            wafv2::WebAclByteMatchStatementArgs {
                field_to_match: wafv2::WebAclFieldToMatchArgs { uri_path: Some(json!({}).into()), ..Default::default() }
                    .into(),
                positional_constraint: wafv2::WebAclPositionalConstraint::Contains.into(),
                search_string: Some(text.into()),
                text_transformations: vec![
                    wafv2::WebAclTextTransformationArgs {
                        priority: 0.into(),
                        r#type: wafv2::WebAclTextTransformationType::None.into(),
                    }
                    .into(),
                ]
                .into(),
                ..Default::default()
            }
            .into(),
        ),
        ..Default::default()
    }
}

#[test]
fn typed_resources_register_with_schema_names_metadata_and_typed_outputs() {
    block_on(async {
        let mock = MockMonitor::start(MockOptions::default()).await.unwrap();
        let ctx = mock.connect().await.unwrap();

        let bucket = s3::Bucket::new(
            &ctx,
            "logs",
            s3::BucketArgs {
                bucket_name: Some("logs".into()),
                tags: Some(vec![aws::TagArgs::new("team", "core").into()].into()),
                versioning_configuration: Some(
                    s3::BucketVersioningConfigurationArgs {
                        status: s3::BucketVersioningConfigurationStatus::Enabled.into(),
                        ..Default::default()
                    }
                    .into(),
                ),
                lifecycle_configuration: Some(
                    s3::BucketLifecycleConfigurationArgs {
                        rules: vec![
                            s3::BucketRuleArgs {
                                id: Some("expire".into()),
                                status: s3::BucketRuleStatus::Enabled.into(),
                                expiration_in_days: Some(30.into()),
                                ..Default::default()
                            }
                            .into(),
                        ]
                        .into(),
                        ..Default::default()
                    }
                    .into(),
                ),
                ..Default::default()
            },
            ResourceOptions::default(),
        )
        .unwrap();

        // An output of one resource as the input of another.
        let policy = s3::BucketPolicy::new(
            &ctx,
            "logs-policy",
            s3::BucketPolicyArgs {
                bucket: bucket.bucket_name().into(),
                policy_document: json!({"Version": "2012-10-17", "Statement": []}).into(),
            },
            ResourceOptions::default(),
        )
        .unwrap();

        let vpc = ec2::Vpc::new(
            &ctx,
            "core",
            ec2::VpcArgs {
                cidr_block: Some("10.0.0.0/16".into()),
                enable_dns_hostnames: Some(true.into()),
                instance_tenancy: Some(ec2::VpcInstanceTenancy::Default.into()),
                ..Default::default()
            },
            ResourceOptions::default(),
        )
        .unwrap();

        let task = ecs::TaskDefinition::new(
            &ctx,
            "task",
            ecs::TaskDefinitionArgs {
                container_definitions: Some(
                    vec![
                        ecs::TaskDefinitionContainerDefinitionArgs {
                            name: "app".into(),
                            image: "nginx".into(),
                            docker_labels: Some(
                                [("tier".to_owned(), "web".into()), ("bucket".to_owned(), bucket.bucket_name().into())]
                                    .into_iter()
                                    .collect::<std::collections::BTreeMap<_, _>>()
                                    .into(),
                            ),
                            ..Default::default()
                        }
                        .into(),
                    ]
                    .into(),
                ),
                ..Default::default()
            },
            ResourceOptions::default(),
        )
        .unwrap();

        // Recursion: And(Not(ByteMatch), ByteMatch).
        let acl = wafv2::WebAcl::new(
            &ctx,
            "acl",
            wafv2::WebAclArgs {
                scope: wafv2::WebAclScope::Regional.into(),
                default_action: wafv2::WebAclDefaultActionArgs { allow: Some(Default::default()), ..Default::default() }
                    .into(),
                visibility_config: wafv2::WebAclVisibilityConfigArgs {
                    cloud_watch_metrics_enabled: true.into(),
                    metric_name: "acl".into(),
                    sampled_requests_enabled: false.into(),
                }
                .into(),
                rules: Some(
                    vec![
                        wafv2::WebAclRuleArgs {
                            name: "r".into(),
                            priority: 1.into(),
                            statement: wafv2::WebAclStatementArgs {
                                and_statement: Some(
                                    wafv2::WebAclAndStatementArgs {
                                        statements: vec![
                                            wafv2::WebAclStatementArgs {
                                                not_statement: Some(
                                                    Box::new(wafv2::WebAclNotStatementArgs {
                                                        statement: Box::new(statement_matching("admin")).into(),
                                                    })
                                                    .into(),
                                                ),
                                                ..Default::default()
                                            }
                                            .into(),
                                            statement_matching("x").into(),
                                        ]
                                        .into(),
                                    }
                                    .into(),
                                ),
                                ..Default::default()
                            }
                            .into(),
                            visibility_config: wafv2::WebAclVisibilityConfigArgs {
                                cloud_watch_metrics_enabled: true.into(),
                                metric_name: "r".into(),
                                sampled_requests_enabled: true.into(),
                            }
                            .into(),
                            action: Some(wafv2::WebAclRuleActionArgs { block: Some(Default::default()), ..Default::default() }.into()),
                            ..Default::default()
                        }
                        .into(),
                    ]
                    .into(),
                ),
                ..Default::default()
            },
            ResourceOptions::default(),
        )
        .unwrap();

        // Typed outputs (the mock engine answers with the inputs plus an Arn).
        assert_eq!(bucket.arn().value().await.unwrap().as_deref(), Some("arn:mock:AWS::S3::Bucket:logs"));
        assert_eq!(bucket.bucket_name().value().await.unwrap().as_deref(), Some("logs"));
        let versioning = bucket.versioning_configuration().value().await.unwrap().flatten().unwrap();
        assert_eq!(versioning.status, s3::BucketVersioningConfigurationStatus::Enabled);
        let tags = bucket.tags().value().await.unwrap().flatten().unwrap();
        assert_eq!(tags, vec![aws::Tag { key: "team".into(), value: "core".into() }]);
        let rules = bucket.lifecycle_configuration().value().await.unwrap().flatten().unwrap().rules;
        assert_eq!((rules[0].id.as_deref(), rules[0].expiration_in_days), (Some("expire"), Some(30)));
        assert_eq!(vpc.enable_dns_hostnames().value().await.unwrap(), Some(Some(true)));
        let containers = task.container_definitions().value().await.unwrap().flatten().unwrap();
        assert_eq!(containers[0].docker_labels.as_ref().unwrap()["bucket"], "logs");
        let acl_rules = acl.rules().value().await.unwrap().flatten().unwrap();
        let and = acl_rules[0].statement.and_statement.as_ref().unwrap();
        let not = and.statements[0].not_statement.as_ref().unwrap();
        assert_eq!(not.statement.byte_match_statement.as_ref().unwrap().search_string.as_deref(), Some("admin"));
        policy.wait().await.unwrap();
        ctx.finish(Ok(())).await.unwrap();

        let recorded = mock.recorded();
        assert_eq!(
            recorded.inputs("logs").unwrap(),
            json!({
                "BucketName": "logs",
                "LifecycleConfiguration": {"Rules": [{"ExpirationInDays": 30, "Id": "expire", "Status": "Enabled"}]},
                "Tags": [{"Key": "team", "Value": "core"}],
                "VersioningConfiguration": {"Status": "Enabled"},
            })
        );
        let registration = recorded.registration("logs").unwrap();
        let metadata = registration.type_metadata.as_ref().expect("type metadata");
        assert_eq!(metadata.schema_date, aws::SCHEMA_DATE);
        assert_eq!(metadata.primary_identifier, ["/properties/BucketName"]);
        assert!(metadata.create_only.contains(&"/properties/BucketName".to_owned()));
        assert!(metadata.read_only.contains(&"/properties/Arn".to_owned()));
        assert!(!metadata.write_only.is_empty());

        let policy_registration = recorded.registration("logs-policy").unwrap();
        assert!(policy_registration.dependencies.contains(&registration_urn(&recorded, "logs")));
        assert_eq!(recorded.inputs("logs-policy").unwrap()["Bucket"], "logs");
        assert_eq!(recorded.inputs("task").unwrap()["ContainerDefinitions"][0]["DockerLabels"], json!({"bucket": "logs", "tier": "web"}));
        assert_eq!(
            recorded.inputs("core").unwrap(),
            json!({"CidrBlock": "10.0.0.0/16", "EnableDnsHostnames": true, "InstanceTenancy": "default"})
        );
        let acl_inputs = recorded.inputs("acl").unwrap();
        let statement = &acl_inputs["Rules"][0]["Statement"]["AndStatement"]["Statements"];
        assert_eq!(statement[0]["NotStatement"]["Statement"]["ByteMatchStatement"]["SearchString"], "admin");
        assert_eq!(statement[1]["ByteMatchStatement"]["TextTransformations"][0], json!({"Priority": 0, "Type": "NONE"}));
        assert_eq!(acl_inputs["DefaultAction"], json!({"Allow": {}}));
        assert_eq!(acl_inputs["Scope"], "REGIONAL");
    });
}

fn registration_urn(recorded: &engine_sdk::testing::Recorded, name: &str) -> String {
    let request = recorded.registration(name).unwrap();
    format!("urn:engine:dev::proj::{}::{}", request.r#type, request.name)
}

#[test]
fn an_unset_required_enum_fails_the_registration_with_the_property_path() {
    block_on(async {
        let mock = MockMonitor::start(MockOptions::default()).await.unwrap();
        let ctx = mock.connect().await.unwrap();
        let bucket = s3::Bucket::new(
            &ctx,
            "unset",
            s3::BucketArgs {
                versioning_configuration: Some(s3::BucketVersioningConfigurationArgs::default().into()),
                ..Default::default()
            },
            ResourceOptions::default(),
        )
        .unwrap();
        let error = bucket.wait().await.unwrap_err().to_string();
        assert!(error.contains("VersioningConfiguration.Status"), "{error}");
        assert!(error.contains("BucketVersioningConfigurationStatus is Unset"), "{error}");
        assert!(error.contains("AWS::S3::Bucket \"unset\""), "{error}");
        let _ = ctx.finish(Ok(())).await;
        assert!(mock.recorded().registration("unset").is_none(), "never sent to the engine");
    });
}

#[test]
fn a_wrongly_typed_output_names_the_resource_and_property() {
    block_on(async {
        let mock = MockMonitor::start(MockOptions::default()).await.unwrap();
        // The engine answers VpcId with a number.
        mock.on_register(std::sync::Arc::new(|request, urn| {
            (request.name == "odd").then(|| {
                let outputs = json!({"VpcId": 42});
                let serde_json::Value::Object(outputs) = outputs else { unreachable!() };
                Ok(engine_sdk::proto::v1::RegisterResourceResponse {
                    urn: urn.to_owned(),
                    id: "vpc-1".into(),
                    outputs: Some(engine_sdk::proto::value::to_struct(&outputs)),
                    ..Default::default()
                })
            })
        }));
        let ctx = mock.connect().await.unwrap();
        let vpc = ec2::Vpc::new(&ctx, "odd", ec2::VpcArgs::default(), ResourceOptions::default()).unwrap();
        let error = vpc.vpc_id().value().await.unwrap_err().to_string();
        assert!(error.contains("AWS::EC2::VPC \"odd\""), "{error}");
        assert!(error.contains("VpcId") && error.contains("expected a string, got 42"), "{error}");
        let missing = vpc.cidr_block().value().await.unwrap();
        assert_eq!(missing, Some(None), "absent optional outputs are None");
        let _ = ctx.finish(Ok(())).await;
    });
}
