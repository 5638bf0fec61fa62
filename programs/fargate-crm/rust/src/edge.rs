//! Edge tier (inventory B52–B61, B68–B70): the hosted zone, the load balancer with its blue and
//! green target groups, HTTP→HTTPS redirect and HTTPS listener, the WAF web ACL, and CloudFront in
//! front of it (viewer certificate in us-east-1; origin `origin.<zone>` with the ALB's own
//! certificate).

use engine_sdk::aws::{certificatemanager as acm, cloudfront as cf, elasticloadbalancingv2 as elb, route53, wafv2};
use engine_sdk::prelude::*;

use crate::network::NetworkTier;
use crate::policy::strings;
use crate::settings::{Settings, US_EAST_1};

/// CloudFront's fixed hosted zone id for alias records.
const CLOUDFRONT_ZONE_ID: &str = "Z2FDTNDATAQYW2";

pub struct EdgeTier {
    pub zone: route53::HostedZone,
    pub alb: elb::LoadBalancer,
    pub blue: elb::TargetGroup,
    pub green: elb::TargetGroup,
    pub https_listener: elb::Listener,
    pub distribution: cf::Distribution,
}

pub fn edge(ctx: &Context, settings: &Settings, net: &NetworkTier) -> Result<EdgeTier> {
    let zone = route53::HostedZone::new(
        ctx,
        "HostedZone",
        route53::HostedZoneArgs { name: Some(settings.zone_name.clone().into()), ..Default::default() },
        ResourceOptions::default(),
    )?;
    // DNS-validated in the zone (its name servers must be delegated first on a real account).
    let certificate = |name: &str, domain: String, options: ResourceOptions| {
        acm::Certificate::new(
            ctx,
            name,
            acm::CertificateArgs {
                domain_name: domain.clone().into(),
                validation_method: Some("DNS".into()),
                domain_validation_options: Some(Input::Value(vec![Input::Value(
                    acm::CertificateDomainValidationOptionArgs {
                        domain_name: Some(domain.into()),
                        hosted_zone_id: Some(zone.aws_id().into()),
                        ..Default::default()
                    },
                )])),
                ..Default::default()
            },
            options,
        )
    };
    let alb_certificate = certificate("AlbCertificate", settings.origin_host(), ResourceOptions::default())?;

    // An internet-facing load balancer needs the internet gateway attached: it waits for the
    // whole network.
    let alb = elb::LoadBalancer::new(
        ctx,
        "Alb",
        elb::LoadBalancerArgs {
            name: Some(settings.name("alb").into()),
            r#type: Some(elb::LoadBalancerType::Application.into()),
            scheme: Some(elb::LoadBalancerScheme::InternetFacing.into()),
            subnets: Some(net.network.public_subnet_ids.map(|ids| ids.into_iter().map(Input::Value).collect()).into()),
            security_groups: Some(strings([net.alb_group.group_id()])),
            load_balancer_attributes: Some(Input::Value(vec![Input::Value(elb::LoadBalancerAttributeArgs {
                key: Some("routing.http.drop_invalid_header_fields.enabled".into()),
                value: Some("true".into()),
            })])),
            ..Default::default()
        },
        ResourceOptions::new().depends_on(&net.network),
    )?;
    // The CodeDeploy blue/green pair.
    let target_group = |name: &str, physical: &str| {
        elb::TargetGroup::new(
            ctx,
            name,
            elb::TargetGroupArgs {
                name: Some(settings.name(physical).into()),
                target_type: Some(elb::TargetGroupTargetType::Ip.into()),
                protocol: Some(elb::TargetGroupProtocol::Http.into()),
                port: Some(3000.into()),
                vpc_id: Some(net.network.vpc_id.clone().into()),
                health_check_path: Some("/healthz".into()),
                matcher: Some(
                    elb::TargetGroupMatcherArgs { http_code: Some("200".into()), ..Default::default() }.into(),
                ),
                ..Default::default()
            },
            ResourceOptions::default(),
        )
    };
    let blue = target_group("BlueTargetGroup", "server-blue")?;
    let green = target_group("GreenTargetGroup", "server-green")?;
    elb::Listener::new(
        ctx,
        "HttpListener",
        elb::ListenerArgs {
            load_balancer_arn: alb.load_balancer_arn().into(),
            port: Some(80.into()),
            protocol: Some(elb::ListenerProtocol::Http.into()),
            default_actions: Input::Value(vec![Input::Value(elb::ListenerActionArgs {
                r#type: elb::ListenerActionType::Redirect.into(),
                redirect_config: Some(
                    elb::ListenerRedirectConfigArgs {
                        protocol: Some("HTTPS".into()),
                        port: Some("443".into()),
                        status_code: elb::ListenerRedirectConfigStatusCode::Http301.into(),
                        ..Default::default()
                    }
                    .into(),
                ),
                ..Default::default()
            })]),
            ..Default::default()
        },
        ResourceOptions::default(),
    )?;
    // CodeDeploy moves the default action between blue and green: never undo a deployment.
    let https_listener = elb::Listener::new(
        ctx,
        "HttpsListener",
        elb::ListenerArgs {
            load_balancer_arn: alb.load_balancer_arn().into(),
            port: Some(443.into()),
            protocol: Some(elb::ListenerProtocol::Https.into()),
            ssl_policy: Some("ELBSecurityPolicy-TLS13-1-2-2021-06".into()),
            certificates: Some(Input::Value(vec![Input::Value(elb::ListenerCertificateArgs {
                certificate_arn: Some(alb_certificate.certificate_arn().into()),
            })])),
            default_actions: Input::Value(vec![Input::Value(elb::ListenerActionArgs {
                r#type: elb::ListenerActionType::Forward.into(),
                target_group_arn: Some(blue.target_group_arn().into()),
                ..Default::default()
            })]),
            ..Default::default()
        },
        ResourceOptions::new().ignore_changes(["DefaultActions"]),
    )?;
    let origin_record = route53::RecordSet::new(
        ctx,
        "AlbOriginRecord",
        route53::RecordSetArgs {
            hosted_zone_id: Some(zone.aws_id().into()),
            name: settings.origin_host().into(),
            r#type: "A".into(),
            alias_target: Some(
                route53::RecordSetAliasTargetArgs {
                    dns_name: alb.dns_name().into(),
                    hosted_zone_id: alb.canonical_hosted_zone_id().into(),
                    evaluate_target_health: Some(true.into()),
                }
                .into(),
            ),
            ..Default::default()
        },
        ResourceOptions::default(),
    )?;

    let visibility = |metric: &str| wafv2::WebAclVisibilityConfigArgs {
        sampled_requests_enabled: true.into(),
        cloud_watch_metrics_enabled: true.into(),
        metric_name: metric.into(),
    };
    let web_acl_name = settings.name("web-acl");
    let web_acl = wafv2::WebAcl::new(
        ctx,
        "AlbWebAcl",
        wafv2::WebAclArgs {
            name: Some(web_acl_name.clone().into()),
            scope: wafv2::WebAclScope::Regional.into(),
            default_action: wafv2::WebAclDefaultActionArgs {
                allow: Some(wafv2::WebAclAllowActionArgs::default().into()),
                ..Default::default()
            }
            .into(),
            visibility_config: visibility(&web_acl_name).into(),
            rules: Some(Input::Value(vec![Input::Value(wafv2::WebAclRuleArgs {
                name: "aws-common".into(),
                priority: 0.into(),
                override_action: Some(
                    wafv2::WebAclOverrideActionArgs { none: Some(serde_json::json!({}).into()), ..Default::default() }
                        .into(),
                ),
                statement: wafv2::WebAclStatementArgs {
                    managed_rule_group_statement: Some(Input::Value(Box::new(
                        wafv2::WebAclManagedRuleGroupStatementArgs {
                            vendor_name: "AWS".into(),
                            name: "AWSManagedRulesCommonRuleSet".into(),
                            ..Default::default()
                        },
                    ))),
                    ..Default::default()
                }
                .into(),
                visibility_config: visibility("aws-common").into(),
                ..Default::default()
            })])),
            ..Default::default()
        },
        ResourceOptions::default(),
    )?;
    wafv2::WebAclAssociation::new(
        ctx,
        "AlbWebAclAssociation",
        wafv2::WebAclAssociationArgs {
            resource_arn: alb.load_balancer_arn().into(),
            web_acl_arn: web_acl.arn().into(),
        },
        ResourceOptions::default(),
    )?;

    // CloudFront only accepts viewer certificates from us-east-1.
    let cloudfront_certificate =
        certificate("CloudFrontCertificate", settings.zone_name.clone(), ResourceOptions::new().region(US_EAST_1))?;
    let distribution = cf::Distribution::new(
        ctx,
        "CrmDistribution",
        cf::DistributionArgs {
            distribution_config: cf::DistributionConfigArgs {
                enabled: true.into(),
                aliases: Some(strings([settings.zone_name.clone()])),
                price_class: Some(cf::DistributionConfigPriceClass::PriceClass100.into()),
                http_version: Some(cf::DistributionConfigHttpVersion::Http2.into()),
                origins: Some(Input::Value(vec![Input::Value(cf::DistributionOriginArgs {
                    id: "alb".into(),
                    domain_name: settings.origin_host().into(),
                    custom_origin_config: Some(
                        cf::DistributionCustomOriginConfigArgs {
                            origin_protocol_policy: "https-only".into(),
                            https_port: Some(443.into()),
                            origin_ssl_protocols: Some(strings(["TLSv1.2"])),
                            ..Default::default()
                        }
                        .into(),
                    ),
                    ..Default::default()
                })])),
                default_cache_behavior: cf::DistributionDefaultCacheBehaviorArgs {
                    target_origin_id: "alb".into(),
                    viewer_protocol_policy: cf::DistributionDefaultCacheBehaviorViewerProtocolPolicy::RedirectToHttps
                        .into(),
                    compress: Some(true.into()),
                    allowed_methods: Some(strings(["GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE"])),
                    cached_methods: Some(strings(["GET", "HEAD"])),
                    forwarded_values: Some(
                        cf::DistributionForwardedValuesArgs {
                            query_string: true.into(),
                            headers: Some(strings(["*"])),
                            cookies: Some(
                                cf::DistributionCookiesArgs { forward: "all".into(), ..Default::default() }.into(),
                            ),
                            ..Default::default()
                        }
                        .into(),
                    ),
                    min_ttl: Some(0.0.into()),
                    default_ttl: Some(3600.0.into()),
                    max_ttl: Some(86400.0.into()),
                    ..Default::default()
                }
                .into(),
                viewer_certificate: Some(
                    cf::DistributionViewerCertificateArgs {
                        acm_certificate_arn: Some(cloudfront_certificate.certificate_arn().into()),
                        ssl_support_method: Some(cf::DistributionViewerCertificateSslSupportMethod::SniOnly.into()),
                        minimum_protocol_version: Some(
                            cf::DistributionViewerCertificateMinimumProtocolVersion::Tlsv122021.into(),
                        ),
                        ..Default::default()
                    }
                    .into(),
                ),
                ..Default::default()
            }
            .into(),
            ..Default::default()
        },
        // The origin name must resolve and the listener answer before CloudFront deploys.
        ResourceOptions::new().region(US_EAST_1).depends_on(&origin_record).depends_on(&https_listener),
    )?;
    route53::RecordSet::new(
        ctx,
        "CrmAliasRecord",
        route53::RecordSetArgs {
            hosted_zone_id: Some(zone.aws_id().into()),
            name: settings.zone_name.clone().into(),
            r#type: "A".into(),
            alias_target: Some(
                route53::RecordSetAliasTargetArgs {
                    dns_name: distribution.domain_name().into(),
                    hosted_zone_id: CLOUDFRONT_ZONE_ID.into(),
                    evaluate_target_health: Some(false.into()),
                }
                .into(),
            ),
            ..Default::default()
        },
        ResourceOptions::default(),
    )?;
    Ok(EdgeTier { zone, alb, blue, green, https_listener, distribution })
}
