//! Read-only properties as AWS would generate them: ids with the real prefixes, ARNs per service,
//! DNS names and endpoints. Specific rules for the types the reference architectures use, a
//! generic rule (by property name and schema) for every other type.

use engine_schema::ResourceSchema;
use serde_json::{Map, Value, json};

use crate::model::{ACCOUNT_ID, Rng, iso8601};

/// What the generator needs from the rest of the cloud.
pub struct Context<'a> {
    pub region: &'a str,
    pub now_ms: u64,
    /// The stored model of the resource that minted a value (an id or ARN), if any.
    pub find: &'a dyn Fn(&str) -> Option<Value>,
    /// How many resources of this type exist with the given value at the given top-level property
    /// (task definition revisions).
    pub count_with: &'a dyn Fn(&str, &str) -> usize,
}

/// Fill read-only properties of a new resource. Returns the values minted (ids, ARNs) that other
/// resources may reference.
pub fn generate(schema: &ResourceSchema, model: &mut Value, rng: &mut Rng, cx: &Context<'_>) -> Vec<String> {
    let Some(object) = model.as_object_mut() else { return Vec::new() };
    let mut g = Gen { object, rng, region: cx.region, minted: Vec::new(), cx };
    g.specific(&schema.type_name);
    g.generic(schema);
    g.minted
}

fn str_of<'a>(object: &'a Map<String, Value>, key: &str) -> Option<&'a str> {
    object.get(key).and_then(Value::as_str)
}

struct Gen<'a, 'b> {
    object: &'a mut Map<String, Value>,
    rng: &'a mut Rng,
    region: &'a str,
    minted: Vec<String>,
    cx: &'a Context<'b>,
}

impl Gen<'_, '_> {
    fn get(&self, key: &str) -> Option<String> {
        str_of(self.object, key).map(str::to_owned)
    }

    fn name(&self, key: &str) -> String {
        self.get(key).unwrap_or_else(|| "unnamed".to_owned())
    }

    fn set(&mut self, key: &str, value: Value) {
        self.object.entry(key.to_owned()).or_insert(value);
    }

    /// Set a minted string (indexed for referential integrity).
    fn mint(&mut self, key: &str, value: String) -> String {
        if let Some(existing) = self.get(key) {
            return existing;
        }
        self.minted.push(value.clone());
        self.object.insert(key.to_owned(), Value::String(value.clone()));
        value
    }

    fn ec2_id(&mut self, prefix: &str) -> String {
        format!("{prefix}-{}", self.rng.hex(17))
    }


    fn global_arn(service: &str, resource: &str) -> String {
        format!("arn:aws:{service}::{ACCOUNT_ID}:{resource}")
    }

    fn port_for_engine(&self) -> &'static str {
        match self.get("Engine").unwrap_or_default().as_str() {
            e if e.contains("postgres") => "5432",
            e if e.contains("sqlserver") => "1433",
            e if e.contains("oracle") => "1521",
            _ => "3306",
        }
    }

    fn iam_path(&self) -> String {
        self.get("Path").unwrap_or_else(|| "/".to_owned())
    }

    fn region_abbrev(&self) -> String {
        region_abbrev(self.region)
    }

    #[allow(clippy::too_many_lines)]
    fn specific(&mut self, type_name: &str) {
        let now = iso8601(self.cx.now_ms);
        match type_name {
            "AWS::EC2::VPC" => {
                let id = self.ec2_id("vpc");
                self.mint("VpcId", id);
                let acl = self.ec2_id("acl");
                self.mint("DefaultNetworkAcl", acl);
                let sg = self.ec2_id("sg");
                self.mint("DefaultSecurityGroup", sg);
                let assoc = self.ec2_id("vpc-cidr-assoc");
                self.minted.push(assoc.clone());
                self.set("CidrBlockAssociations", json!([assoc]));
                self.set("Ipv6CidrBlocks", json!([]));
            }
            "AWS::EC2::Subnet" => {
                let id = self.ec2_id("subnet");
                self.mint("SubnetId", id);
                let assoc = self.ec2_id("aclassoc");
                self.mint("NetworkAclAssociationId", assoc);
                self.set("Ipv6CidrBlocks", json!([]));
                self.set("BlockPublicAccessStates", json!({"InternetGatewayBlockMode": "off"}));
                let zone = format!("{}a", self.region);
                self.set("AvailabilityZone", json!(zone));
                let letter = self.get("AvailabilityZone").and_then(|z| z.chars().last()).unwrap_or('a');
                let index = (letter as u32).saturating_sub('a' as u32) + 1;
                let zone_id = format!("{}-az{index}", self.region_abbrev());
                self.set("AvailabilityZoneId", json!(zone_id));
            }
            "AWS::EC2::RouteTable" => {
                let id = self.ec2_id("rtb");
                self.mint("RouteTableId", id);
            }
            "AWS::EC2::SubnetRouteTableAssociation" => {
                let id = self.ec2_id("rtbassoc");
                self.mint("Id", id);
            }
            "AWS::EC2::SecurityGroup" => {
                let id = self.ec2_id("sg");
                self.mint("GroupId", id.clone());
                self.set("Id", json!(id));
            }
            "AWS::EC2::SecurityGroupIngress" | "AWS::EC2::SecurityGroupEgress" => {
                let id = self.ec2_id("sgr");
                self.mint("Id", id);
            }
            "AWS::EC2::InternetGateway" => {
                let id = self.ec2_id("igw");
                self.mint("InternetGatewayId", id);
            }
            "AWS::EC2::VPCGatewayAttachment" => {
                let kind = if self.object.contains_key("InternetGatewayId") { "igw" } else { "vpngw" };
                self.set("AttachmentType", json!(kind));
            }
            "AWS::EC2::NatGateway" => {
                let id = self.ec2_id("nat");
                self.mint("NatGatewayId", id);
                let eni = self.ec2_id("eni");
                self.mint("EniId", eni);
            }
            "AWS::EC2::EIP" => {
                let id = self.ec2_id("eipalloc");
                self.mint("AllocationId", id);
                let ip = format!("54.{}.{}.{}", 1 + self.rng.below(250), self.rng.below(255), 1 + self.rng.below(250));
                self.set("PublicIp", json!(ip));
            }
            "AWS::EC2::Route" => {
                if let Some(cidr) = self.get("DestinationCidrBlock") {
                    self.set("CidrBlock", json!(cidr));
                }
            }
            "AWS::EC2::VPCEndpoint" => {
                let id = self.ec2_id("vpce");
                self.mint("Id", id.clone());
                self.set("CreationTimestamp", json!(now));
                let interface = self.get("VpcEndpointType").as_deref() == Some("Interface");
                let subnets = self.object.get("SubnetIds").and_then(Value::as_array).map_or(0, Vec::len);
                let enis: Vec<String> = if interface { (0..subnets).map(|_| self.ec2_id("eni")).collect() } else { vec![] };
                self.minted.extend(enis.iter().cloned());
                self.set("NetworkInterfaceIds", json!(enis));
                let service = self.get("ServiceName").unwrap_or_default();
                let short = service.rsplit('.').next().unwrap_or("svc").to_owned();
                let dns = if interface {
                    let suffix = self.rng.lower(8);
                    vec![format!("Z7HUB22UULQXV:{id}-{suffix}.{short}.{}.vpce.amazonaws.com", self.region)]
                } else {
                    vec![]
                };
                self.set("DnsEntries", json!(dns));
            }
            "AWS::EC2::FlowLog" => {
                let id = self.ec2_id("fl");
                self.mint("Id", id);
            }
            "AWS::EC2::NetworkAcl" => {
                let id = self.ec2_id("acl");
                self.mint("Id", id);
            }
            "AWS::EC2::Instance" => {
                let id = self.ec2_id("i");
                self.mint("InstanceId", id);
                let ip = format!("10.0.{}.{}", self.rng.below(255), 4 + self.rng.below(250));
                self.set("PrivateIp", json!(ip.clone()));
                self.set("PrivateDnsName", json!(format!("ip-{}.{}.compute.internal", ip.replace('.', "-"), self.region)));
            }
            "AWS::EC2::LaunchTemplate" => {
                let id = self.ec2_id("lt");
                self.mint("LaunchTemplateId", id);
                self.set("LatestVersionNumber", json!("1"));
                self.set("DefaultVersionNumber", json!("1"));
            }
            "AWS::RDS::DBSubnetGroup" => {
                let name = self.name("DBSubnetGroupName").to_ascii_lowercase();
                let arn = make_arn(self.region, "rds", &format!("subgrp:{name}"));
                self.mint("DBSubnetGroupArn", arn);
            }
            "AWS::RDS::DBParameterGroup" | "AWS::RDS::DBClusterParameterGroup" => {
                let name = self.name("DBParameterGroupName").to_ascii_lowercase();
                let kind = if type_name.contains("Cluster") { "cluster-pg" } else { "pg" };
                let arn = make_arn(self.region, "rds", &format!("{kind}:{name}"));
                let key = if type_name.contains("Cluster") { "DBClusterParameterGroupArn" } else { "DBParameterGroupArn" };
                self.mint(key, arn);
            }
            "AWS::RDS::DBCluster" => {
                let id = self.name("DBClusterIdentifier").to_ascii_lowercase();
                let arn = make_arn(self.region, "rds", &format!("cluster:{id}"));
                self.mint("DBClusterArn", arn);
                let resource = format!("cluster-{}", self.rng.upper(26));
                self.mint("DBClusterResourceId", resource);
                let host = self.rng.lower(12);
                let port = self.get("Port").or_else(|| self.object.get("Port").map(ToString::to_string));
                let port = port.unwrap_or_else(|| self.port_for_engine().to_owned());
                self.set("Endpoint", json!({"Address": format!("{id}.cluster-{host}.{}.rds.amazonaws.com", self.region), "Port": port}));
                self.set("ReadEndpoint", json!({"Address": format!("{id}.cluster-ro-{host}.{}.rds.amazonaws.com", self.region)}));
                if self.object.get("ManageMasterUserPassword").and_then(Value::as_bool) == Some(true) {
                    let secret = make_arn(self.region, "secretsmanager", &format!("secret:rds!cluster-{}-{}", self.rng.uuid(), self.rng.mixed(6)));
                    self.minted.push(secret.clone());
                    let entry = self.object.entry("MasterUserSecret").or_insert_with(|| json!({}));
                    if let Some(o) = entry.as_object_mut() {
                        o.insert("SecretArn".into(), json!(secret));
                    }
                }
            }
            "AWS::RDS::DBInstance" => {
                let id = self.name("DBInstanceIdentifier").to_ascii_lowercase();
                let arn = make_arn(self.region, "rds", &format!("db:{id}"));
                self.mint("DBInstanceArn", arn);
                let resource = format!("db-{}", self.rng.upper(26));
                self.mint("DbiResourceId", resource);
                let host = self.rng.lower(12);
                let port = self.get("Port").unwrap_or_else(|| self.port_for_engine().to_owned());
                self.set(
                    "Endpoint",
                    json!({"Address": format!("{id}.{host}.{}.rds.amazonaws.com", self.region), "Port": port, "HostedZoneId": "Z2R2ITUGPM61AM"}),
                );
                self.set("DBInstanceStatus", json!("available"));
                self.set("InstanceCreateTime", json!(now));
                self.set("CertificateDetails", json!({"CAIdentifier": "rds-ca-rsa2048-g1", "ValidTill": iso8601(self.cx.now_ms + 365 * 86_400_000)}));
                if self.object.get("ManageMasterUserPassword").and_then(Value::as_bool) == Some(true) {
                    let secret = make_arn(self.region, "secretsmanager", &format!("secret:rds!db-{}-{}", self.rng.uuid(), self.rng.mixed(6)));
                    self.minted.push(secret.clone());
                    let entry = self.object.entry("MasterUserSecret").or_insert_with(|| json!({}));
                    if let Some(o) = entry.as_object_mut() {
                        o.insert("SecretArn".into(), json!(secret));
                    }
                }
            }
            "AWS::RDS::DBProxy" => {
                let name = self.name("DBProxyName");
                let id = format!("prx-{}", self.rng.hex(17));
                let arn = make_arn(self.region, "rds", &format!("db-proxy:{id}"));
                self.mint("DBProxyArn", arn);
                let host = self.rng.lower(12);
                self.set("Endpoint", json!(format!("{name}.proxy-{host}.{}.rds.amazonaws.com", self.region)));
                let subnet = self.object.get("VpcSubnetIds").and_then(|s| s.get(0)).and_then(Value::as_str).map(str::to_owned);
                let vpc = subnet.and_then(|s| (self.cx.find)(&s)).and_then(|m| m.get("VpcId").cloned());
                if let Some(vpc) = vpc {
                    self.set("VpcId", vpc);
                }
            }
            "AWS::RDS::DBProxyTargetGroup" => {
                let id = format!("prx-tg-{}", self.rng.hex(17));
                let arn = make_arn(self.region, "rds", &format!("target-group:{id}"));
                self.mint("TargetGroupArn", arn);
            }
            "AWS::ElastiCache::ReplicationGroup" => {
                let id = self.name("ReplicationGroupId").to_ascii_lowercase();
                let host = self.rng.lower(6);
                let abbr = self.region_abbrev();
                let port = self.object.get("Port").map(|p| p.to_string().trim_matches('"').to_owned()).unwrap_or_else(|| "6379".into());
                let clustered = self.get("ClusterMode").as_deref() == Some("Enabled")
                    || self.object.get("NumNodeGroups").and_then(Value::as_u64).is_some_and(|n| n > 1);
                if clustered {
                    self.set("ConfigurationEndPoint", json!({"Address": format!("clustercfg.{id}.{host}.{abbr}.cache.amazonaws.com"), "Port": port}));
                } else {
                    self.set("PrimaryEndPoint", json!({"Address": format!("master.{id}.{host}.{abbr}.cache.amazonaws.com"), "Port": port}));
                    self.set("ReaderEndPoint", json!({"Address": format!("replica.{id}.{host}.{abbr}.cache.amazonaws.com"), "Port": port}));
                }
            }
            "AWS::DynamoDB::Table" => {
                let name = self.name("TableName");
                let arn = make_arn(self.region, "dynamodb", &format!("table/{name}"));
                self.mint("Arn", arn.clone());
                if self.object.contains_key("StreamSpecification") {
                    let stream = format!("{arn}/stream/{}", iso8601(self.cx.now_ms).trim_end_matches('Z'));
                    self.mint("StreamArn", stream);
                }
            }
            "AWS::S3::Bucket" => {
                let name = self.name("BucketName");
                self.mint("Arn", format!("arn:aws:s3:::{name}"));
                self.set("DomainName", json!(format!("{name}.s3.amazonaws.com")));
                self.set("DualStackDomainName", json!(format!("{name}.s3.dualstack.{}.amazonaws.com", self.region)));
                self.set("RegionalDomainName", json!(format!("{name}.s3.{}.amazonaws.com", self.region)));
                self.set("WebsiteURL", json!(format!("http://{name}.s3-website-{}.amazonaws.com", self.region)));
            }
            "AWS::Logs::LogGroup" => {
                let name = self.name("LogGroupName");
                let arn = make_arn(self.region, "logs", &format!("log-group:{name}:*"));
                // Policies and flow logs name the group without the `:*` suffix too.
                self.minted.push(make_arn(self.region, "logs", &format!("log-group:{name}")));
                self.mint("Arn", arn);
            }
            "AWS::IAM::Role" => {
                let name = self.name("RoleName");
                let arn = Self::global_arn("iam", &format!("role{}{name}", self.iam_path()));
                self.mint("Arn", arn);
                let id = format!("AROA{}", self.rng.upper(17));
                self.mint("RoleId", id);
            }
            "AWS::IAM::User" => {
                let name = self.name("UserName");
                let arn = Self::global_arn("iam", &format!("user{}{name}", self.iam_path()));
                self.mint("Arn", arn);
            }
            "AWS::IAM::Group" => {
                let name = self.name("GroupName");
                let arn = Self::global_arn("iam", &format!("group{}{name}", self.iam_path()));
                self.mint("Arn", arn);
            }
            "AWS::IAM::InstanceProfile" => {
                let name = self.name("InstanceProfileName");
                let arn = Self::global_arn("iam", &format!("instance-profile{}{name}", self.iam_path()));
                self.mint("Arn", arn);
            }
            "AWS::IAM::ManagedPolicy" => {
                let name = self.name("ManagedPolicyName");
                let arn = Self::global_arn("iam", &format!("policy{}{name}", self.iam_path()));
                self.mint("PolicyArn", arn);
                let id = format!("ANPA{}", self.rng.upper(17));
                self.mint("PolicyId", id);
                let count: usize = ["Roles", "Users", "Groups"]
                    .iter()
                    .map(|k| self.object.get(*k).and_then(Value::as_array).map_or(0, Vec::len))
                    .sum();
                self.set("AttachmentCount", json!(count));
                self.set("CreateDate", json!(now));
                self.set("UpdateDate", json!(now));
                self.set("DefaultVersionId", json!("v1"));
                self.set("IsAttachable", json!(true));
                self.set("PermissionsBoundaryUsageCount", json!(0));
            }
            "AWS::IAM::OIDCProvider" => {
                let url = self.get("Url").unwrap_or_default();
                let host = url.trim_start_matches("https://").trim_end_matches('/').to_owned();
                let arn = Self::global_arn("iam", &format!("oidc-provider/{host}"));
                self.mint("Arn", arn);
            }
            "AWS::Lambda::Function" => {
                let name = self.name("FunctionName");
                let arn = make_arn(self.region, "lambda", &format!("function:{name}"));
                self.mint("Arn", arn);
                if self.object.contains_key("SnapStart") {
                    let apply = self.object.get("SnapStart").and_then(|s| s.get("ApplyOn")).cloned().unwrap_or(json!("None"));
                    let status = if apply == json!("PublishedVersions") { "On" } else { "Off" };
                    self.set("SnapStartResponse", json!({"ApplyOn": apply, "OptimizationStatus": status}));
                }
            }
            "AWS::Lambda::Permission" => {
                let id = format!("perm-{}", self.rng.lower(16));
                self.set("Id", json!(id));
            }
            "AWS::ApiGateway::RestApi" => {
                let id = self.rng.lower(10);
                self.set("RestApiId", json!(id));
                let root = self.rng.lower(10);
                self.set("RootResourceId", json!(root));
            }
            "AWS::ApiGateway::Resource" => {
                let id = self.rng.lower(6);
                self.set("ResourceId", json!(id));
            }
            "AWS::ApiGateway::Deployment" => {
                let id = self.rng.lower(6);
                self.set("DeploymentId", json!(id));
            }
            "AWS::ApiGateway::DomainName" => {
                let name = self.name("DomainName");
                self.set("DomainNameArn", json!(format!("arn:aws:apigateway:{}::/domainnames/{name}", self.region)));
                let d = self.rng.lower(10);
                self.set("RegionalDomainName", json!(format!("d-{d}.execute-api.{}.amazonaws.com", self.region)));
                self.set("RegionalHostedZoneId", json!(apigw_zone(self.region)));
                let cf = self.rng.lower(13);
                self.set("DistributionDomainName", json!(format!("d{cf}.cloudfront.net")));
                self.set("DistributionHostedZoneId", json!("Z2FDTNDATAQYW2"));
            }
            "AWS::Route53::HostedZone" => {
                let id = format!("Z{}", self.rng.upper(20));
                self.mint("Id", id);
                let n = 1 + self.rng.below(2000);
                self.set(
                    "NameServers",
                    json!([format!("ns-{n}.awsdns-{:02}.org", n % 64), format!("ns-{}.awsdns-{:02}.co.uk", n + 512, n % 64),
                           format!("ns-{}.awsdns-{:02}.com", n % 512, n % 64), format!("ns-{}.awsdns-{:02}.net", n % 1024, n % 64)]),
                );
            }
            "AWS::CertificateManager::Certificate" => {
                let arn = make_arn(self.region, "acm", &format!("certificate/{}", self.rng.uuid()));
                self.mint("CertificateArn", arn);
            }
            "AWS::CloudFront::Distribution" => {
                let id = format!("E{}", self.rng.upper(13));
                self.mint("Id", id);
                let d = self.rng.lower(13);
                self.set("DomainName", json!(format!("d{d}.cloudfront.net")));
            }
            "AWS::CloudWatch::Alarm" => {
                let name = self.name("AlarmName");
                let arn = make_arn(self.region, "cloudwatch", &format!("alarm:{name}"));
                self.mint("Arn", arn);
            }
            "AWS::CodePipeline::Pipeline" => {
                let name = self.name("Name");
                self.set("Version", json!("1"));
                let arn = make_arn(self.region, "codepipeline", &name);
                self.mint("Arn", arn);
            }
            "AWS::CodeStarConnections::Connection" => {
                let arn = make_arn(self.region, "codestar-connections", &format!("connection/{}", self.rng.uuid()));
                self.mint("ConnectionArn", arn);
                self.set("ConnectionStatus", json!("PENDING"));
                self.set("OwnerAccountId", json!(ACCOUNT_ID));
            }
            "AWS::ECR::Repository" => {
                let name = self.name("RepositoryName");
                let arn = make_arn(self.region, "ecr", &format!("repository/{name}"));
                self.mint("Arn", arn);
                self.set("RepositoryUri", json!(format!("{ACCOUNT_ID}.dkr.ecr.{}.amazonaws.com/{name}", self.region)));
            }
            "AWS::ECS::Cluster" => {
                let name = self.name("ClusterName");
                let arn = make_arn(self.region, "ecs", &format!("cluster/{name}"));
                self.mint("Arn", arn);
            }
            "AWS::ECS::Service" => {
                let cluster = self.get("Cluster").unwrap_or_else(|| "default".to_owned());
                self.set("Cluster", json!(cluster.clone()));
                let cluster_name = cluster.rsplit('/').next().unwrap_or("default").to_owned();
                let name = self.name("ServiceName");
                self.set("Name", json!(name.clone()));
                let arn = make_arn(self.region, "ecs", &format!("service/{cluster_name}/{name}"));
                self.mint("ServiceArn", arn);
            }
            "AWS::ECS::TaskDefinition" => {
                let family = self.name("Family");
                let revision = (self.cx.count_with)("Family", &family) + 1;
                let arn = make_arn(self.region, "ecs", &format!("task-definition/{family}:{revision}"));
                self.mint("TaskDefinitionArn", arn);
            }
            "AWS::ElasticLoadBalancingV2::LoadBalancer" => {
                let name = self.name("Name");
                self.set("LoadBalancerName", json!(name.clone()));
                let kind = match self.get("Type").as_deref() {
                    Some("network") => "net",
                    Some("gateway") => "gwy",
                    _ => "app",
                };
                let hex = self.rng.hex(16);
                let full = format!("{kind}/{name}/{hex}");
                self.set("LoadBalancerFullName", json!(full.clone()));
                let arn = make_arn(self.region, "elasticloadbalancing", &format!("loadbalancer/{full}"));
                self.mint("LoadBalancerArn", arn);
                let internal = self.get("Scheme").as_deref() == Some("internal");
                let digits: String = self.rng.pick(b"0123456789", 10);
                let dns = format!("{}{name}-{digits}.{}.elb.amazonaws.com", if internal { "internal-" } else { "" }, self.region);
                self.set("DNSName", json!(dns));
                self.set("CanonicalHostedZoneID", json!(elb_zone(self.region)));
            }
            "AWS::ElasticLoadBalancingV2::TargetGroup" => {
                let name = self.name("Name");
                self.set("TargetGroupName", json!(name.clone()));
                let hex = self.rng.hex(16);
                self.set("TargetGroupFullName", json!(format!("targetgroup/{name}/{hex}")));
                let arn = make_arn(self.region, "elasticloadbalancing", &format!("targetgroup/{name}/{hex}"));
                self.mint("TargetGroupArn", arn);
                self.set("LoadBalancerArns", json!([]));
            }
            "AWS::ElasticLoadBalancingV2::Listener" => {
                let lb = self.get("LoadBalancerArn").unwrap_or_default();
                let tail = lb.split_once(":loadbalancer/").map(|(_, t)| t.to_owned()).unwrap_or_else(|| "app/unknown/0".into());
                let hex = self.rng.hex(16);
                let arn = make_arn(self.region, "elasticloadbalancing", &format!("listener/{tail}/{hex}"));
                self.mint("ListenerArn", arn);
            }
            "AWS::Events::Rule" => {
                let name = self.name("Name");
                self.set("RuleName", json!(name.clone()));
                let bus = self.get("EventBusName").filter(|b| b != "default" && !b.starts_with("arn:"));
                let resource = match bus {
                    Some(bus) => format!("rule/{bus}/{name}"),
                    None => format!("rule/{name}"),
                };
                let arn = make_arn(self.region, "events", &resource);
                self.mint("Arn", arn);
            }
            "AWS::SNS::Topic" => {
                let name = self.name("TopicName");
                let arn = make_arn(self.region, "sns", &name);
                self.mint("TopicArn", arn);
            }
            "AWS::SNS::Subscription" => {
                let topic = self.get("TopicArn").unwrap_or_else(|| make_arn(self.region, "sns", "unknown"));
                let arn = format!("{topic}:{}", self.rng.uuid());
                self.mint("Arn", arn);
            }
            "AWS::SQS::Queue" => {
                let name = self.name("QueueName");
                self.set("QueueUrl", json!(format!("https://sqs.{}.amazonaws.com/{ACCOUNT_ID}/{name}", self.region)));
                let url = self.get("QueueUrl").unwrap_or_default();
                self.minted.push(url);
                let arn = make_arn(self.region, "sqs", &name);
                self.mint("Arn", arn);
            }
            "AWS::SecretsManager::Secret" => {
                let name = self.name("Name");
                let arn = make_arn(self.region, "secretsmanager", &format!("secret:{name}-{}", self.rng.mixed(6)));
                self.mint("Id", arn);
            }
            "AWS::SecretsManager::SecretTargetAttachment" => {
                let secret = self.get("SecretId").unwrap_or_default();
                self.set("Id", json!(secret));
            }
            "AWS::KMS::Key" => {
                let id = self.rng.uuid();
                let arn = make_arn(self.region, "kms", &format!("key/{id}"));
                self.mint("KeyId", id);
                self.mint("Arn", arn);
            }
            "AWS::KMS::Alias" => {
                // Not a property, but other resources name the alias by its ARN.
                if let Some(alias) = self.get("AliasName") {
                    self.minted.push(make_arn(self.region, "kms", &alias));
                }
            }
            "AWS::WAFv2::WebACL" => {
                let name = self.name("Name");
                let id = self.rng.uuid();
                self.set("Id", json!(id.clone()));
                let scope = if self.get("Scope").as_deref() == Some("CLOUDFRONT") { "global" } else { "regional" };
                let arn = make_arn(self.region, "wafv2", &format!("{scope}/webacl/{name}/{id}"));
                self.mint("Arn", arn);
                self.set("Capacity", json!(0));
                self.set("LabelNamespace", json!(format!("awswaf:{ACCOUNT_ID}:webacl:{name}:")));
            }
            "AWS::Backup::BackupVault" => {
                let name = self.name("BackupVaultName");
                let arn = make_arn(self.region, "backup", &format!("backup-vault:{name}"));
                self.mint("BackupVaultArn", arn);
            }
            "AWS::Backup::BackupPlan" => {
                let id = self.rng.uuid();
                self.mint("BackupPlanId", id.clone());
                let arn = make_arn(self.region, "backup", &format!("backup-plan:{id}"));
                self.mint("BackupPlanArn", arn);
                let version = self.rng.mixed(32);
                self.set("VersionId", json!(version));
            }
            "AWS::Backup::BackupSelection" => {
                let id = self.rng.uuid();
                self.mint("SelectionId", id.clone());
                self.set("Id", json!(id));
            }
            "AWS::Budgets::Budget" => {
                let name = self.object.get("Budget").and_then(|b| b.get("BudgetName")).and_then(Value::as_str).map(str::to_owned);
                let name = name.unwrap_or_else(|| format!("budget-{}", self.rng.lower(12)));
                if let Some(budget) = self.object.get_mut("Budget").and_then(Value::as_object_mut) {
                    budget.entry("BudgetName").or_insert_with(|| json!(name.clone()));
                }
                self.set("Id", json!(name));
            }
            "AWS::CE::AnomalyMonitor" => {
                let arn = format!("arn:aws:ce::{ACCOUNT_ID}:anomalymonitor/{}", self.rng.uuid());
                self.mint("MonitorArn", arn);
                let date = now[..10].to_owned();
                self.set("CreationDate", json!(date.clone()));
                self.set("LastUpdatedDate", json!(date));
                self.set("DimensionalValueCount", json!(0));
            }
            "AWS::CE::AnomalySubscription" => {
                let arn = format!("arn:aws:ce::{ACCOUNT_ID}:anomalysubscription/{}", self.rng.uuid());
                self.mint("SubscriptionArn", arn);
                self.set("AccountId", json!(ACCOUNT_ID));
                if let Some(subscribers) = self.object.get_mut("Subscribers").and_then(Value::as_array_mut) {
                    for subscriber in subscribers.iter_mut().filter_map(Value::as_object_mut) {
                        subscriber.entry("Status").or_insert_with(|| json!("CONFIRMED"));
                    }
                }
            }
            "AWS::ApplicationAutoScaling::ScalableTarget" => {
                let id = format!(
                    "{}|{}|{}",
                    self.get("ResourceId").unwrap_or_default(),
                    self.get("ScalableDimension").unwrap_or_default(),
                    self.get("ServiceNamespace").unwrap_or_default()
                );
                self.set("Id", json!(id));
            }
            "AWS::ApplicationAutoScaling::ScalingPolicy" => {
                let name = self.name("PolicyName");
                let target = self.get("ScalingTargetId").and_then(|t| (self.cx.find)(&t).or(None));
                let (namespace, resource, dimension) = match &target {
                    Some(t) => (
                        t.get("ServiceNamespace").and_then(Value::as_str).unwrap_or("ecs").to_owned(),
                        t.get("ResourceId").and_then(Value::as_str).unwrap_or("").to_owned(),
                        t.get("ScalableDimension").and_then(Value::as_str).map(str::to_owned),
                    ),
                    None => (
                        self.get("ServiceNamespace").unwrap_or_else(|| "ecs".into()),
                        self.get("ResourceId").unwrap_or_default(),
                        None,
                    ),
                };
                if let Some(dimension) = dimension {
                    self.set("ScalableDimension", json!(dimension));
                }
                let arn = make_arn(self.region, 
                    "autoscaling",
                    &format!("scalingPolicy:{}:resource/{namespace}/{resource}:policyName/{name}", self.rng.uuid()),
                );
                self.mint("Arn", arn);
            }
            _ => {}
        }
    }

    /// Any read-only top-level property still unset, by name and schema.
    fn generic(&mut self, schema: &ResourceSchema) {
        let mut parts = schema.type_name.split("::");
        let service = parts.nth(1).unwrap_or("service").to_ascii_lowercase();
        let kind = parts.next().unwrap_or("resource").to_ascii_lowercase();
        let service = match service.as_str() {
            "elasticloadbalancingv2" => "elasticloadbalancing".to_owned(),
            "certificatemanager" => "acm".to_owned(),
            "cloudwatch" => "cloudwatch".to_owned(),
            other => other.to_owned(),
        };
        let base_name = schema
            .primary_identifier
            .iter()
            .filter_map(|p| p.root())
            .filter_map(|r| self.get(r))
            .find(|v| !v.is_empty())
            .or_else(|| self.get("Name"))
            .unwrap_or_else(|| self.rng.lower(12));
        let global = crate::model::is_global_type(&schema.type_name);
        for path in &schema.read_only {
            if path.segments().len() != 1 {
                continue;
            }
            let Some(name) = path.root().map(str::to_owned) else { continue };
            if self.object.contains_key(&name) {
                continue;
            }
            let Some(property) = schema.property(&name) else { continue };
            let ty = property.get("type").and_then(Value::as_str).unwrap_or("string");
            let mut options: Vec<(Value, bool)> = Vec::new();
            match ty {
                "string" => {
                    if name.ends_with("Arn") || name.ends_with("ARN") {
                        let region = if global { String::new() } else { self.region.to_owned() };
                        options.push((json!(format!("arn:aws:{service}:{region}:{ACCOUNT_ID}:{kind}/{base_name}")), true));
                        options.push((json!(format!("arn:aws:{service}:{region}:{ACCOUNT_ID}:{kind}/{}", self.rng.lower(12))), true));
                    } else if name.ends_with("Id") || name.ends_with("ID") {
                        let prefix: String = kind.chars().take(3).collect();
                        options.push((json!(format!("{prefix}-{}", self.rng.hex(17))), true));
                        options.push((json!(self.rng.uuid()), true));
                        options.push((json!(self.rng.lower(10)), true));
                        options.push((json!(self.rng.upper(20)), true));
                        options.push((json!(self.rng.hex(32)), true));
                    } else if name.ends_with("Name") {
                        options.push((json!(base_name.clone()), false));
                        options.push((json!(format!("{kind}-{}", self.rng.lower(12))), false));
                    } else if name.contains("Date") || name.contains("Time") {
                        options.push((json!(iso8601(self.cx.now_ms)), false));
                    } else if name.contains("Url") || name.contains("URL") || name.contains("Uri") {
                        options.push((json!(format!("https://{}.{service}.{}.amazonaws.com", base_name.to_ascii_lowercase(), self.region)), false));
                    } else if name.contains("Endpoint") || name.contains("DomainName") || name.contains("DnsName") || name.contains("Address") {
                        options.push((json!(format!("{}.{service}.{}.amazonaws.com", base_name.to_ascii_lowercase(), self.region)), false));
                    } else if name.contains("Status") || name.contains("State") {
                        options.push((json!("ACTIVE"), false));
                        options.push((json!("Active"), false));
                        options.push((json!("available"), false));
                    } else if name == "Version" || name.ends_with("Version") {
                        options.push((json!("1"), false));
                    }
                }
                "integer" | "number" => options.push((json!(0), false)),
                "boolean" => options.push((json!(false), false)),
                _ => {}
            }
            for (value, mint) in options {
                if schema.validator().validate_property(&name, &value).is_empty() {
                    if mint
                        && let Some(text) = value.as_str() {
                            self.minted.push(text.to_owned());
                        }
                    self.object.insert(name.clone(), value);
                    break;
                }
            }
        }
    }
}

fn make_arn(region: &str, service: &str, resource: &str) -> String {
    format!("arn:aws:{service}:{region}:{ACCOUNT_ID}:{resource}")
}

/// `us-east-1` → `use1`, `ap-southeast-2` → `apse2` (as in zone ids such as `use1-az1`).
#[must_use]
pub fn region_abbrev(region: &str) -> String {
    let parts: Vec<&str> = region.split('-').collect();
    let mut out = String::new();
    for (i, part) in parts.iter().enumerate() {
        if i == 0 {
            out.push_str(part);
            continue;
        }
        if part.chars().all(|c| c.is_ascii_digit()) {
            out.push_str(part);
            continue;
        }
        let abbrev = match *part {
            "northeast" => "ne",
            "southeast" => "se",
            "northwest" => "nw",
            "southwest" => "sw",
            "gov" => "g",
            "iso" => "i",
            other => &other[..1],
        };
        out.push_str(abbrev);
    }
    out
}

fn elb_zone(region: &str) -> &'static str {
    match region {
        "us-east-1" => "Z35SXDOTRQ7X7K",
        "us-west-2" => "Z1H1FL5HABSF5",
        "eu-west-1" => "Z32O12XQLNTSW2",
        "ap-southeast-2" => "Z1GM3OXH4ZPM65",
        "ap-northeast-1" => "Z14GRHDCWA56QT",
        "ap-southeast-1" => "Z1LMS91P8CMLE5",
        _ => "Z2P70J7HTTTPLU",
    }
}

fn apigw_zone(region: &str) -> &'static str {
    match region {
        "us-east-1" => "Z1UJRXOUMOOFQ8",
        "eu-west-1" => "ZLY8HYME6SFDD",
        "ap-southeast-2" => "Z2RPCDW04V8134",
        "ap-northeast-1" => "Z1YSHQZHG15GKL",
        _ => "Z2OJLYMUO9EFXC",
    }
}

#[cfg(test)]
mod tests {
    use engine_schema::Registry;
    use serde_json::json;

    use super::*;

    fn run(type_name: &str, mut model: Value) -> (Value, Vec<String>) {
        let schema = Registry::global().get(type_name).unwrap();
        let mut rng = Rng::new(3);
        crate::ids::autoname(&schema, &mut model, &mut rng);
        let find = |_: &str| None;
        let count = |_: &str, _: &str| 0;
        let cx = Context { region: "eu-west-1", now_ms: 1_700_000_000_000, find: &find, count_with: &count };
        let minted = generate(&schema, &mut model, &mut rng, &cx);
        (model, minted)
    }

    fn is_ec2_id(value: &Value, prefix: &str) -> bool {
        value.as_str().is_some_and(|s| {
            s.strip_prefix(prefix).and_then(|r| r.strip_prefix('-')).is_some_and(|h| {
                h.len() == 17 && h.chars().all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
            })
        })
    }

    #[test]
    fn ec2_ids_have_real_prefixes() {
        assert!(is_ec2_id(&run("AWS::EC2::VPC", json!({"CidrBlock": "10.0.0.0/16"})).0["VpcId"], "vpc"));
        let (subnet, _) = run("AWS::EC2::Subnet", json!({"VpcId": "vpc-1"}));
        assert!(is_ec2_id(&subnet["SubnetId"], "subnet"));
        assert_eq!(subnet["AvailabilityZone"], "eu-west-1a");
        assert_eq!(subnet["AvailabilityZoneId"], "euw1-az1");
        let (sg, minted) = run("AWS::EC2::SecurityGroup", json!({"GroupDescription": "d"}));
        assert!(is_ec2_id(&sg["GroupId"], "sg"));
        assert_eq!(sg["Id"], sg["GroupId"]);
        assert!(minted.contains(&sg["GroupId"].as_str().unwrap().to_owned()));
        assert!(is_ec2_id(&run("AWS::EC2::InternetGateway", json!({})).0["InternetGatewayId"], "igw"));
        assert!(is_ec2_id(&run("AWS::EC2::NatGateway", json!({"SubnetId": "subnet-1"})).0["NatGatewayId"], "nat"));
        assert!(is_ec2_id(&run("AWS::EC2::RouteTable", json!({"VpcId": "v"})).0["RouteTableId"], "rtb"));
        assert!(is_ec2_id(&run("AWS::EC2::EIP", json!({})).0["AllocationId"], "eipalloc"));
    }

    #[test]
    fn arns_and_endpoints() {
        let (bucket, _) = run("AWS::S3::Bucket", json!({}));
        let name = bucket["BucketName"].as_str().unwrap();
        assert_eq!(bucket["Arn"], format!("arn:aws:s3:::{name}"));
        assert_eq!(bucket["RegionalDomainName"], format!("{name}.s3.eu-west-1.amazonaws.com"));
        let (role, _) = run("AWS::IAM::Role", json!({"RoleName": "r", "Path": "/svc/", "AssumeRolePolicyDocument": {}}));
        assert_eq!(role["Arn"], "arn:aws:iam::123456789012:role/svc/r");
        assert!(role["RoleId"].as_str().unwrap().starts_with("AROA"));
        let (function, _) = run("AWS::Lambda::Function", json!({"FunctionName": "f"}));
        assert_eq!(function["Arn"], "arn:aws:lambda:eu-west-1:123456789012:function:f");
        let (db, _) = run("AWS::RDS::DBInstance", json!({"DBInstanceIdentifier": "Main", "Engine": "postgres"}));
        assert_eq!(db["DBInstanceArn"], "arn:aws:rds:eu-west-1:123456789012:db:main");
        assert_eq!(db["Endpoint"]["Port"], "5432");
        assert!(db["Endpoint"]["Address"].as_str().unwrap().ends_with(".eu-west-1.rds.amazonaws.com"));
        let (redis, _) = run("AWS::ElastiCache::ReplicationGroup", json!({"ReplicationGroupDescription": "d"}));
        assert!(redis["PrimaryEndPoint"]["Address"].as_str().unwrap().ends_with(".euw1.cache.amazonaws.com"));
        let (queue, _) = run("AWS::SQS::Queue", json!({"QueueName": "q"}));
        assert_eq!(queue["QueueUrl"], "https://sqs.eu-west-1.amazonaws.com/123456789012/q");
        assert_eq!(queue["Arn"], "arn:aws:sqs:eu-west-1:123456789012:q");
        let (zone, _) = run("AWS::Route53::HostedZone", json!({"Name": "example.com"}));
        assert!(zone["Id"].as_str().unwrap().starts_with('Z'));
        assert_eq!(zone["NameServers"].as_array().unwrap().len(), 4);
        let (lb, _) = run("AWS::ElasticLoadBalancingV2::LoadBalancer", json!({"Name": "web"}));
        assert!(lb["LoadBalancerArn"].as_str().unwrap().contains(":loadbalancer/app/web/"));
        assert!(lb["DNSName"].as_str().unwrap().starts_with("web-"));
    }

    #[test]
    fn every_reference_architecture_type_gets_its_read_only_properties() {
        let types = [
            "AWS::ApiGateway::Deployment", "AWS::ApiGateway::DomainName", "AWS::ApiGateway::Resource",
            "AWS::ApiGateway::RestApi", "AWS::ApplicationAutoScaling::ScalableTarget",
            "AWS::ApplicationAutoScaling::ScalingPolicy", "AWS::Backup::BackupPlan", "AWS::Backup::BackupSelection",
            "AWS::Backup::BackupVault", "AWS::Budgets::Budget", "AWS::CE::AnomalyMonitor",
            "AWS::CE::AnomalySubscription", "AWS::CertificateManager::Certificate", "AWS::CloudFront::Distribution",
            "AWS::CloudWatch::Alarm", "AWS::CodePipeline::Pipeline", "AWS::CodeStarConnections::Connection",
            "AWS::DynamoDB::Table", "AWS::EC2::EIP", "AWS::EC2::FlowLog", "AWS::EC2::InternetGateway",
            "AWS::EC2::NatGateway", "AWS::EC2::RouteTable", "AWS::EC2::SecurityGroup", "AWS::EC2::Subnet",
            "AWS::EC2::SubnetRouteTableAssociation", "AWS::EC2::VPC", "AWS::EC2::VPCEndpoint", "AWS::ECR::Repository",
            "AWS::ECS::Cluster", "AWS::ECS::Service", "AWS::ECS::TaskDefinition",
            "AWS::ElasticLoadBalancingV2::Listener", "AWS::ElasticLoadBalancingV2::LoadBalancer",
            "AWS::ElasticLoadBalancingV2::TargetGroup", "AWS::Events::Rule", "AWS::IAM::ManagedPolicy",
            "AWS::IAM::OIDCProvider", "AWS::IAM::Role", "AWS::IAM::User", "AWS::KMS::Key", "AWS::Lambda::Function",
            "AWS::Lambda::Permission", "AWS::Logs::LogGroup", "AWS::RDS::DBCluster", "AWS::RDS::DBInstance",
            "AWS::RDS::DBParameterGroup", "AWS::RDS::DBProxy", "AWS::RDS::DBProxyTargetGroup",
            "AWS::RDS::DBSubnetGroup", "AWS::Route53::HostedZone", "AWS::S3::Bucket", "AWS::SNS::Subscription",
            "AWS::SNS::Topic", "AWS::SQS::Queue", "AWS::SecretsManager::Secret",
            "AWS::SecretsManager::SecretTargetAttachment", "AWS::WAFv2::WebACL",
        ];
        for t in types {
            let schema = Registry::global().get(t).unwrap();
            let (model, _) = run(t, json!({"Name": "x", "PolicyName": "p", "TopicArn": "arn:aws:sns:eu-west-1:123456789012:t",
                "SecretId": "arn:aws:secretsmanager:eu-west-1:123456789012:secret:s-abcdef", "Url": "https://token.example.com",
                "LoadBalancerArn": "arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/w/0123456789abcdef",
                "DestinationCidrBlock": "0.0.0.0/0", "ScalableDimension": "ecs:service:DesiredCount", "ServiceNamespace": "ecs", "Scope": "REGIONAL", "Budget": {"BudgetType": "COST", "TimeUnit": "MONTHLY"}}));
            assert!(crate::ids::identifier_of(&schema, &model).is_some(), "{t}: no identifier in {model}");
        }
    }

    #[test]
    fn generic_rule_for_other_types() {
        let (model, minted) = run("AWS::Kinesis::Stream", json!({"Name": "s"}));
        assert!(model["Arn"].as_str().unwrap().starts_with("arn:aws:kinesis:eu-west-1:123456789012:"), "{model}");
        assert!(!minted.is_empty());
        assert_eq!(region_abbrev("ap-southeast-2"), "apse2");
        assert_eq!(region_abbrev("us-east-1"), "use1");
    }
}
