//! The two query-protocol calls the engine makes besides Cloud Control: STS
//! `GetCallerIdentity` and EC2 `DescribeAvailabilityZones`.

use crate::generate::region_abbrev;
use crate::http::{Reply, Scope, parse_form, reply};
use crate::model::ACCOUNT_ID;

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// An error in the service's query-protocol shape.
pub fn error(service: &str, code: &str, message: &str) -> Reply {
    let id = uuid::Uuid::new_v4();
    let (code, message) = (escape(code), escape(message));
    if service == "ec2" {
        let body = format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response><Errors><Error><Code>{code}</Code><Message>{message}</Message></Error></Errors><RequestID>{id}</RequestID></Response>"
        );
        return reply(400, "text/xml", body);
    }
    let body = format!(
        "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message></Error><RequestId>{id}</RequestId></ErrorResponse>"
    );
    reply(400, "text/xml", body)
}

pub fn handle(scope: &Scope, body: &str) -> Reply {
    let form = parse_form(body);
    let action = form.iter().find(|(k, _)| k == "Action").map(|(_, v)| v.as_str()).unwrap_or("");
    let service = scope.service.as_deref().unwrap_or(match action {
        "DescribeAvailabilityZones" => "ec2",
        _ => "sts",
    });
    match (service, action) {
        ("sts", "GetCallerIdentity") => caller_identity(),
        ("ec2", "DescribeAvailabilityZones") => availability_zones(&scope.region, &form),
        (_, "") => error(service, "MissingAction", "The request must contain the parameter Action"),
        (service, action) => error(
            service,
            "InvalidAction",
            &format!("The action {action} is not valid for this web service (the local cloud serves sts:GetCallerIdentity and ec2:DescribeAvailabilityZones)"),
        ),
    }
}

fn caller_identity() -> Reply {
    let id = uuid::Uuid::new_v4();
    let body = format!(
        "<GetCallerIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\n  <GetCallerIdentityResult>\n    <Arn>arn:aws:iam::{ACCOUNT_ID}:user/local</Arn>\n    <UserId>AIDALOCALCLOUDUSER01</UserId>\n    <Account>{ACCOUNT_ID}</Account>\n  </GetCallerIdentityResult>\n  <ResponseMetadata>\n    <RequestId>{id}</RequestId>\n  </ResponseMetadata>\n</GetCallerIdentityResponse>\n"
    );
    reply(200, "text/xml", body)
}

fn availability_zones(region: &str, form: &[(String, String)]) -> Reply {
    let abbrev = region_abbrev(region);
    // ZoneName.N filters (and Filter.N.Name=zone-name) narrow the list.
    let mut wanted: Vec<&str> = form.iter().filter(|(k, _)| k.starts_with("ZoneName.")).map(|(_, v)| v.as_str()).collect();
    for (key, value) in form {
        if key.starts_with("Filter.") && key.ends_with(".Name") && (value == "zone-name" || value == "zone-id") {
            let prefix = key.trim_end_matches(".Name");
            wanted.extend(form.iter().filter(|(k, _)| k.starts_with(&format!("{prefix}.Value."))).map(|(_, v)| v.as_str()));
        }
    }
    let mut items = String::new();
    for (index, letter) in ['a', 'b', 'c'].iter().enumerate() {
        let name = format!("{region}{letter}");
        let zone_id = format!("{abbrev}-az{}", index + 1);
        if !wanted.is_empty() && !wanted.contains(&name.as_str()) && !wanted.contains(&zone_id.as_str()) {
            continue;
        }
        items.push_str(&format!(
            "<item><zoneName>{name}</zoneName><zoneState>available</zoneState><regionName>{region}</regionName><zoneId>{zone_id}</zoneId><zoneType>availability-zone</zoneType><optInStatus>opt-in-not-required</optInStatus><groupName>{region}-zg-1</groupName><networkBorderGroup>{region}</networkBorderGroup><messageSet/></item>"
        ));
    }
    let body = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<DescribeAvailabilityZonesResponse xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\"><requestId>{}</requestId><availabilityZoneInfo>{items}</availabilityZoneInfo></DescribeAvailabilityZonesResponse>",
        uuid::Uuid::new_v4()
    );
    reply(200, "text/xml;charset=UTF-8", body)
}
