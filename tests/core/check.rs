//! The whole chain as one report: what `check --json` prints.

use crate::{profile, run, secret};
use lookalike::{Directory, Lookalike, RECIPIENT};
use smtp_oauth_core::checks::Status;

#[tokio::test]
async fn a_token_failure_stops_before_smtp() {
    lookalike::needs!(Node);
    let mut dir = Directory::healthy();
    dir.app().secret = "another-secret".into();
    let rig = Lookalike::start(&dir);
    let report = run(&profile(&rig), &secret(), Some(RECIPIENT)).await;
    assert_eq!(report.outcome, Status::Fail);
    assert!(report.smtp.is_none());
    assert_eq!(report.diagnosis[0].code, "AADSTS7000215");
    let token = report.token.as_ref().unwrap();
    assert!(token.error.as_deref().unwrap().contains("Invalid client secret"));
    assert!(token.claims.is_none());
}

#[tokio::test]
async fn the_report_serialises_with_the_documented_fields() {
    lookalike::needs!(Node);
    let rig = Lookalike::start(&Directory::healthy());
    let report = run(&profile(&rig), &secret(), Some(RECIPIENT)).await;
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(json["token"]["claims"]["aud"], "https://outlook.office365.com");
    assert_eq!(json["token"]["claims"]["roles"][0], "SMTP.SendAsApp");
    assert_eq!(json["token"]["decoded_not_verified"], true);
    for check in json["checks"].as_array().unwrap() {
        assert!(check["id"].is_string() && check["status"].is_string() && check["message"].is_string());
    }
    assert!(json["smtp"]["transcript"].as_array().unwrap().len() > 10);
    assert_eq!(json["smtp"]["outcome"]["kind"], "delivered");
    assert_eq!(json["smtp"]["outcome"]["reply"]["code"], 250);
    assert_eq!(json["diagnosis"], serde_json::json!([]));
    assert_eq!(json["outcome"], "ok");
}
