//! The SDK's own generated module (`engine_sdk::aws`, feature `aws-s3`, built by its build
//! script) registers like the code generated from outside.

use engine_sdk::aws::{self, s3};
use engine_sdk::prelude::*;
use engine_sdk::runtime::block_on;
use engine_sdk::testing::{MockMonitor, MockOptions};
use serde_json::json;

#[test]
fn the_sdk_builds_and_registers_its_aws_module() {
    block_on(async {
        let mock = MockMonitor::start(MockOptions::default()).await.unwrap();
        let ctx = mock.connect().await.unwrap();
        let bucket = s3::Bucket::new(
            &ctx,
            "logs",
            s3::BucketArgs {
                tags: Some(vec![aws::TagArgs::new("team", "core").into()].into()),
                public_access_block_configuration: Some(
                    s3::BucketPublicAccessBlockConfigurationArgs { block_public_acls: Some(true.into()), ..Default::default() }
                        .into(),
                ),
                ..Default::default()
            },
            ResourceOptions::default(),
        )
        .unwrap();
        assert_eq!(bucket.arn().value().await.unwrap().as_deref(), Some("arn:mock:AWS::S3::Bucket:logs"));
        ctx.finish(Ok(())).await.unwrap();
        let recorded = mock.recorded();
        assert_eq!(
            recorded.inputs("logs").unwrap(),
            json!({"PublicAccessBlockConfiguration": {"BlockPublicAcls": true}, "Tags": [{"Key": "team", "Value": "core"}]})
        );
        let metadata = recorded.registration("logs").unwrap().type_metadata.clone().unwrap();
        assert_eq!(metadata.schema_date, aws::SCHEMA_DATE);
    });
}
