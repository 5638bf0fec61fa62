// Edge tier (inventory B52–B61, B68–B70): the hosted zone, the load balancer with its blue and
// green target groups, HTTP→HTTPS redirect and HTTPS listener, the WAF web ACL, and CloudFront in
// front of it (viewer certificate in us-east-1; origin `origin.<zone>` with the ALB's own
// certificate).

import * as engine from "engine-sdk";
import * as acm from "engine-sdk/aws/certificatemanager";
import * as cloudfront from "engine-sdk/aws/cloudfront";
import * as elb from "engine-sdk/aws/elasticloadbalancingv2";
import * as route53 from "engine-sdk/aws/route53";
import * as wafv2 from "engine-sdk/aws/wafv2";
import { NetworkTier } from "./network";
import { Settings, US_EAST_1 } from "./settings";

/** CloudFront's fixed hosted zone id for alias records. */
const CLOUDFRONT_ZONE_ID = "Z2FDTNDATAQYW2";

export interface EdgeTier {
  zone: route53.HostedZone;
  alb: elb.LoadBalancer;
  blue: elb.TargetGroup;
  green: elb.TargetGroup;
  httpsListener: elb.Listener;
  distribution: cloudfront.Distribution;
}

export function edge(settings: Settings, net: NetworkTier): EdgeTier {
  const zone = new route53.HostedZone("HostedZone", { name: settings.zoneName });

  // DNS-validated in the zone (its name servers must be delegated first on a real account).
  const certificate = (name: string, domain: string, opts?: engine.ResourceOptions) =>
    new acm.Certificate(
      name,
      {
        domainName: domain,
        validationMethod: "DNS",
        domainValidationOptions: [{ domainName: domain, hostedZoneId: zone.awsId }],
      },
      opts,
    );
  const albCertificate = certificate("AlbCertificate", settings.originHost);

  // An internet-facing load balancer needs the internet gateway attached: it waits for the
  // whole network.
  const alb = new elb.LoadBalancer(
    "Alb",
    {
      name: settings.name("alb"),
      type: "application",
      scheme: "internet-facing",
      subnets: net.network.publicSubnetIds,
      securityGroups: [net.albGroup.groupId],
      loadBalancerAttributes: [{ key: "routing.http.drop_invalid_header_fields.enabled", value: "true" }],
    },
    { dependsOn: [net.network] },
  );

  // The CodeDeploy blue/green pair.
  const targetGroup = (name: string, physical: string) =>
    new elb.TargetGroup(name, {
      name: settings.name(physical),
      targetType: "ip",
      protocol: "HTTP",
      port: 3000,
      vpcId: net.network.vpcId,
      healthCheckPath: "/healthz",
      matcher: { httpCode: "200" },
    });
  const blue = targetGroup("BlueTargetGroup", "server-blue");
  const green = targetGroup("GreenTargetGroup", "server-green");
  new elb.Listener("HttpListener", {
    loadBalancerArn: alb.loadBalancerArn,
    port: 80,
    protocol: "HTTP",
    defaultActions: [{ type: "redirect", redirectConfig: { protocol: "HTTPS", port: "443", statusCode: "HTTP_301" } }],
  });
  // CodeDeploy moves the default action between blue and green: never undo a deployment.
  const httpsListener = new elb.Listener(
    "HttpsListener",
    {
      loadBalancerArn: alb.loadBalancerArn,
      port: 443,
      protocol: "HTTPS",
      sslPolicy: "ELBSecurityPolicy-TLS13-1-2-2021-06",
      certificates: [{ certificateArn: albCertificate.certificateArn }],
      defaultActions: [{ type: "forward", targetGroupArn: blue.targetGroupArn }],
    },
    { ignoreChanges: ["DefaultActions"] },
  );
  const originRecord = new route53.RecordSet("AlbOriginRecord", {
    hostedZoneId: zone.awsId,
    name: settings.originHost,
    type: "A",
    aliasTarget: { dnsName: alb.dnsName, hostedZoneId: alb.canonicalHostedZoneId, evaluateTargetHealth: true },
  });

  const visibility = (metric: string) => ({
    sampledRequestsEnabled: true,
    cloudWatchMetricsEnabled: true,
    metricName: metric,
  });
  const webAclName = settings.name("web-acl");
  const webAcl = new wafv2.WebAcl("AlbWebAcl", {
    name: webAclName,
    scope: "REGIONAL",
    defaultAction: { allow: {} },
    visibilityConfig: visibility(webAclName),
    rules: [
      {
        name: "aws-common",
        priority: 0,
        overrideAction: { none: {} },
        statement: { managedRuleGroupStatement: { vendorName: "AWS", name: "AWSManagedRulesCommonRuleSet" } },
        visibilityConfig: visibility("aws-common"),
      },
    ],
  });
  new wafv2.WebAclAssociation("AlbWebAclAssociation", { resourceArn: alb.loadBalancerArn, webAclArn: webAcl.arn });

  // CloudFront only accepts viewer certificates from us-east-1.
  const cloudfrontCertificate = certificate("CloudFrontCertificate", settings.zoneName, { region: US_EAST_1 });
  const distribution = new cloudfront.Distribution(
    "CrmDistribution",
    {
      distributionConfig: {
        enabled: true,
        aliases: [settings.zoneName],
        priceClass: "PriceClass_100",
        httpVersion: "http2",
        origins: [
          {
            id: "alb",
            domainName: settings.originHost,
            customOriginConfig: { originProtocolPolicy: "https-only", httpsPort: 443, originSslProtocols: ["TLSv1.2"] },
          },
        ],
        defaultCacheBehavior: {
          targetOriginId: "alb",
          viewerProtocolPolicy: "redirect-to-https",
          compress: true,
          allowedMethods: ["GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE"],
          cachedMethods: ["GET", "HEAD"],
          forwardedValues: { queryString: true, headers: ["*"], cookies: { forward: "all" } },
          minTtl: 0,
          defaultTtl: 3600,
          maxTtl: 86400,
        },
        viewerCertificate: {
          acmCertificateArn: cloudfrontCertificate.certificateArn,
          sslSupportMethod: "sni-only",
          minimumProtocolVersion: "TLSv1.2_2021",
        },
      },
    },
    // The origin name must resolve and the listener answer before CloudFront deploys.
    { region: US_EAST_1, dependsOn: [originRecord, httpsListener] },
  );
  new route53.RecordSet("CrmAliasRecord", {
    hostedZoneId: zone.awsId,
    name: settings.zoneName,
    type: "A",
    aliasTarget: { dnsName: distribution.domainName, hostedZoneId: CLOUDFRONT_ZONE_ID, evaluateTargetHealth: false },
  });
  return { zone, alb, blue, green, httpsListener, distribution };
}
