//! Every response and request sample of the Python TSC test suite parses.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests"
)]

mod common;

#[test]
fn every_fixture_parses() {
    let fixtures = common::xml_fixtures();
    let mut failures = Vec::new();
    for (name, text) in &fixtures {
        let root = if text.contains("tsResponse") {
            "resp"
        } else if text.contains("tsRequest") {
            "req"
        } else {
            eprintln!("{name}: not a tsRequest/tsResponse document, not read");
            continue;
        };
        let r = if root == "req" {
            tsc_raw::TsRequest::from_xml(text).map(|_| ())
        } else {
            tsc_raw::TsResponse::from_xml(text).map(|_| ())
        };
        if let Err(e) = r {
            failures.push(format!("{name}: {e}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} fixtures failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    eprintln!("{} fixtures parsed", fixtures.len());
}

#[test]
fn users_fixture_values() {
    let Some(dir) = common::fixtures_dir() else {
        return;
    };
    let text = std::fs::read_to_string(dir.join("user_get_all_fields.xml")).unwrap();
    let r = tsc_raw::TsResponse::from_xml(&text).unwrap();
    let users = &r.users.as_ref().unwrap().user;
    assert_eq!(users.len(), 2);
    assert_eq!(r.pagination.as_ref().unwrap().total_available, Some(2));
    let bob = &users[0];
    assert_eq!(bob.email.as_deref(), Some("bob@example.com"));
    assert_eq!(
        bob.site_role,
        Some(tsc_raw::SiteRoleType::SiteAdministratorCreator)
    );
    assert_eq!(
        bob.last_login
            .as_ref()
            .unwrap()
            .to_offset_date_time()
            .unwrap()
            .year(),
        2025
    );
    assert_eq!(
        bob.domain.as_ref().unwrap().name.as_deref(),
        Some("TABID_WITH_MFA")
    );
    assert_eq!(users[1].last_login, None);
}
