"""Deploy the three reference architectures (shared/docs/reference-architectures.md) against the
local cloud through boto3, resource by resource in dependency order, wiring attributes the way the
engine will. Skipped when the research notes are not present next to the repository."""

import json
import pathlib
import re
import urllib.request

import pytest
import yaml

from conftest import LocalCloud, create, get, wait

DOCS = pathlib.Path(__file__).resolve().parents[5] / "shared" / "docs"
INPUTS = {
    "AlertEmail": "ops@example.com",
    "ApiHostName": "api.example.com",
    "AppSecretValue": "s3cr3t-value",
    "DbMasterPassword": "Passw0rd-Passw0rd",
    "PgSuperuserPassword": "Passw0rd-Super",
    "GitHubRepo": "example/crm",
    "LambdaCodeS3Key": "code/lambda.zip",
    "ZoneName": "example.com",
    "RoutesHash": "abc123",
}
GLOBAL_REGION = "us-east-1"
DEFAULT_REGION = "eu-west-1"


LETTERS = {"serverless-api": "A", "fargate-crm": "B", "ingest": "C"}


def sections(program):
    text = (DOCS / "reference-architectures.md").read_text()
    found = {}
    letter = LETTERS[program]
    for match in re.finditer(r"^#### " + letter + r"\d+\. `(\w+)` — `([\w:]+)`(.*?)(?=^#### |^### |^## |\Z)", text, re.S | re.M):
        name, type_name, body = match.group(1), match.group(2), match.group(3)
        block = re.search(r"\* Desired state:\s*\n```yaml\n(.*?)```", body, re.S)
        found.setdefault(name, []).append((type_name, yaml.safe_load(block.group(1)) if block else {}))
    return found


def programs():
    return json.loads((DOCS / "reference-architectures.json").read_text())["programs"]


def order(resources):
    done, out = set(), []
    by_name = {r["name"]: r for r in resources}

    def visit(name):
        if name in done or name not in by_name:
            return
        done.add(name)
        for dep in by_name[name]["depends_on"]:
            visit(dep)
        out.append(by_name[name])

    for r in resources:
        visit(r["name"])
    return out


class Deployer:
    def __init__(self, cloud):
        self.cloud = cloud
        self.clients = {}
        self.created = {}  # name -> (type, region, identifier)

    def client(self, region):
        if region not in self.clients:
            self.clients[region] = self.cloud.client("cloudcontrol", region=region)
        return self.clients[region]

    def attr(self, reference, region):
        name, _, path = reference.partition(".")
        type_name, res_region, identifier = self.created[name]
        value = get(self.client(res_region), type_name, identifier)
        for step in path.split("."):
            value = value[int(step)] if isinstance(value, list) else value[step]
        return value

    def substitute(self, value, region):
        if isinstance(value, dict):
            return {k: self.substitute(v, region) for k, v in value.items()}
        if isinstance(value, list):
            return [self.substitute(v, region) for v in value]
        if not isinstance(value, str):
            return value
        whole = re.fullmatch(r"<input:(\w+)>", value)
        if whole:
            return INPUTS[whole.group(1)]
        whole = re.fullmatch(r"<(\w+\.[\w.]+)>", value)
        if whole:
            return self.attr(whole.group(1), region)
        if value.startswith("sub:"):
            def repl(m):
                key = m.group(1)
                if key == "AWS::Region":
                    return region
                if key == "AWS::AccountId":
                    return "123456789012"
                if key == "AWS::Partition":
                    return "aws"
                if key.startswith("input:"):
                    return INPUTS[key[6:]]
                return str(self.attr(key, region))

            return re.sub(r"\$\{([^}]+)\}", repl, value[4:])
        return value

    def deploy(self, resource, type_name, desired):
        region = resource["region"]
        region = GLOBAL_REGION if region == "global" else DEFAULT_REGION if region.startswith("<") else region
        desired = self.substitute(desired, region)
        client = self.client(region)
        if type_name == "AWS::Lambda::Function" and "S3Bucket" in desired.get("Code", {}):
            code = desired["Code"]
            request = urllib.request.Request(f"{self.cloud.endpoint}/{code['S3Bucket']}/{code['S3Key']}", data=b"PK\x03\x04", method="PUT")
            urllib.request.urlopen(request).read()
        event = create(client, type_name, desired)
        assert event["OperationStatus"] == "SUCCESS", (resource["name"], type_name, event.get("StatusMessage"), desired)
        self.created[resource["name"]] = (type_name, region, event["Identifier"])
        self.uploads = getattr(self, "uploads", [])
        if type_name == "AWS::Lambda::Function" and "S3Bucket" in desired.get("Code", {}):
            self.uploads.append((desired["Code"]["S3Bucket"], desired["Code"]["S3Key"]))

    def destroy(self):
        """Delete everything in reverse creation order; buckets are emptied first, as on AWS."""
        for bucket, key in getattr(self, "uploads", []):
            urllib.request.urlopen(urllib.request.Request(f"{self.cloud.endpoint}/{bucket}/{key}", method="DELETE")).read()
        for name, (type_name, region, identifier) in reversed(list(self.created.items())):
            client = self.client(region)
            token = client.delete_resource(TypeName=type_name, Identifier=identifier)["ProgressEvent"]["RequestToken"]
            event = wait(client, token)
            assert event["OperationStatus"] == "SUCCESS", (name, type_name, event.get("StatusMessage"))


@pytest.mark.skipif(not (DOCS / "reference-architectures.json").exists(), reason="research notes not present")
@pytest.mark.parametrize("program", ["serverless-api", "fargate-crm", "ingest"])
def test_reference_architecture_deploys(tmp_path, program):
    cloud = LocalCloud(tmp_path / program)
    try:
        deployer = Deployer(cloud)
        docs = sections(program)
        for resource in order(programs()[program]):
            candidates = docs[resource["name"]]
            matching = [d for d in candidates if d[0] == resource["type"]]
            type_name, desired = matching[0] if matching else candidates[0]
            deployer.deploy(resource, type_name, desired)
        assert len(deployer.created) == len(programs()[program])
        listed = cloud.client("cloudcontrol", region=GLOBAL_REGION).list_resources(TypeName="AWS::IAM::Role")["ResourceDescriptions"]
        assert listed, "global roles are listed"
        deployer.destroy()
    finally:
        cloud.stop()
