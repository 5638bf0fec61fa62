"""Edge tier (inventory B52–B61, B68–B70): the hosted zone, the load balancer with its blue and
green target groups, HTTP→HTTPS redirect and HTTPS listener, the WAF web ACL, and CloudFront in
front of it (viewer certificate in us-east-1; origin ``origin.<zone>`` with the ALB's own
certificate)."""

from __future__ import annotations

from dataclasses import dataclass

from engine_sdk import ResourceOptions
from engine_sdk.aws import certificatemanager as acm
from engine_sdk.aws import cloudfront, elasticloadbalancingv2 as elb, route53, wafv2

from .network import NetworkTier
from .settings import US_EAST_1, Settings

CLOUDFRONT_ZONE_ID = "Z2FDTNDATAQYW2"
"""CloudFront's fixed hosted zone id for alias records."""


@dataclass
class EdgeTier:
    zone: route53.HostedZone
    alb: elb.LoadBalancer
    blue: elb.TargetGroup
    green: elb.TargetGroup
    https_listener: elb.Listener
    distribution: cloudfront.Distribution


def edge(settings: Settings, net: NetworkTier) -> EdgeTier:
    zone = route53.HostedZone("HostedZone", name=settings.zone_name)

    # DNS-validated in the zone (its name servers must be delegated first on a real account).
    def certificate(name: str, domain: str, opts: "ResourceOptions | None" = None) -> acm.Certificate:
        return acm.Certificate(
            name,
            domain_name=domain,
            validation_method="DNS",
            domain_validation_options=[{"domain_name": domain, "hosted_zone_id": zone.aws_id}],
            opts=opts,
        )

    alb_certificate = certificate("AlbCertificate", settings.origin_host)

    # An internet-facing load balancer needs the internet gateway attached: it waits for the
    # whole network.
    alb = elb.LoadBalancer(
        "Alb",
        name=settings.name("alb"),
        type="application",
        scheme="internet-facing",
        subnets=net.network.public_subnet_ids,
        security_groups=[net.alb_group.group_id],
        load_balancer_attributes=[{"key": "routing.http.drop_invalid_header_fields.enabled", "value": "true"}],
        opts=ResourceOptions(depends_on=[net.network]),
    )

    # The CodeDeploy blue/green pair.
    def target_group(name: str, physical: str) -> elb.TargetGroup:
        return elb.TargetGroup(
            name,
            name=settings.name(physical),
            target_type="ip",
            protocol="HTTP",
            port=3000,
            vpc_id=net.network.vpc_id,
            health_check_path="/healthz",
            matcher={"http_code": "200"},
        )

    blue = target_group("BlueTargetGroup", "server-blue")
    green = target_group("GreenTargetGroup", "server-green")
    elb.Listener(
        "HttpListener",
        load_balancer_arn=alb.load_balancer_arn,
        port=80,
        protocol="HTTP",
        default_actions=[
            {"type": "redirect", "redirect_config": {"protocol": "HTTPS", "port": "443", "status_code": "HTTP_301"}}
        ],
    )
    # CodeDeploy moves the default action between blue and green: never undo a deployment.
    https_listener = elb.Listener(
        "HttpsListener",
        load_balancer_arn=alb.load_balancer_arn,
        port=443,
        protocol="HTTPS",
        ssl_policy="ELBSecurityPolicy-TLS13-1-2-2021-06",
        certificates=[{"certificate_arn": alb_certificate.certificate_arn}],
        default_actions=[{"type": "forward", "target_group_arn": blue.target_group_arn}],
        opts=ResourceOptions(ignore_changes=["DefaultActions"]),
    )
    origin_record = route53.RecordSet(
        "AlbOriginRecord",
        hosted_zone_id=zone.aws_id,
        name=settings.origin_host,
        type="A",
        alias_target={
            "dns_name": alb.dns_name,
            "hosted_zone_id": alb.canonical_hosted_zone_id,
            "evaluate_target_health": True,
        },
    )

    def visibility(metric: str) -> wafv2.WebAclVisibilityConfigArgs:
        return {"sampled_requests_enabled": True, "cloud_watch_metrics_enabled": True, "metric_name": metric}

    web_acl_name = settings.name("web-acl")
    web_acl = wafv2.WebAcl(
        "AlbWebAcl",
        name=web_acl_name,
        scope="REGIONAL",
        default_action={"allow": {}},
        visibility_config=visibility(web_acl_name),
        rules=[
            {
                "name": "aws-common",
                "priority": 0,
                "override_action": {"none": {}},
                "statement": {
                    "managed_rule_group_statement": {"vendor_name": "AWS", "name": "AWSManagedRulesCommonRuleSet"}
                },
                "visibility_config": visibility("aws-common"),
            }
        ],
    )
    wafv2.WebAclAssociation("AlbWebAclAssociation", resource_arn=alb.load_balancer_arn, web_acl_arn=web_acl.arn)

    # CloudFront only accepts viewer certificates from us-east-1.
    cloudfront_certificate = certificate("CloudFrontCertificate", settings.zone_name, ResourceOptions(region=US_EAST_1))
    distribution = cloudfront.Distribution(
        "CrmDistribution",
        distribution_config={
            "enabled": True,
            "aliases": [settings.zone_name],
            "price_class": "PriceClass_100",
            "http_version": "http2",
            "origins": [
                {
                    "id": "alb",
                    "domain_name": settings.origin_host,
                    "custom_origin_config": {
                        "origin_protocol_policy": "https-only",
                        "https_port": 443,
                        "origin_ssl_protocols": ["TLSv1.2"],
                    },
                }
            ],
            "default_cache_behavior": {
                "target_origin_id": "alb",
                "viewer_protocol_policy": "redirect-to-https",
                "compress": True,
                "allowed_methods": ["GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE"],
                "cached_methods": ["GET", "HEAD"],
                "forwarded_values": {"query_string": True, "headers": ["*"], "cookies": {"forward": "all"}},
                "min_ttl": 0,
                "default_ttl": 3600,
                "max_ttl": 86400,
            },
            "viewer_certificate": {
                "acm_certificate_arn": cloudfront_certificate.certificate_arn,
                "ssl_support_method": "sni-only",
                "minimum_protocol_version": "TLSv1.2_2021",
            },
        },
        # The origin name must resolve and the listener answer before CloudFront deploys.
        opts=ResourceOptions(region=US_EAST_1, depends_on=[origin_record, https_listener]),
    )
    route53.RecordSet(
        "CrmAliasRecord",
        hosted_zone_id=zone.aws_id,
        name=settings.zone_name,
        type="A",
        alias_target={
            "dns_name": distribution.domain_name,
            "hosted_zone_id": CLOUDFRONT_ZONE_ID,
            "evaluate_target_health": False,
        },
    )
    return EdgeTier(zone, alb, blue, green, https_listener, distribution)
