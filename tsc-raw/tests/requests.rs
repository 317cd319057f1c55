//! `to_xml` of representative requests (insta snapshots), and every snapshot is valid against
//! the XSD (xmllint).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests"
)]

use tsc_raw::*;

/// Snapshot of the written XML (the snapshot shows the XML, not the building code).
macro_rules! snap {
    ($e:expr) => {{
        let xml = $e;
        insta::assert_snapshot!(xml);
    }};
}

fn req(f: impl FnOnce(&mut TsRequest)) -> String {
    let mut r = TsRequest::default();
    f(&mut r);
    let xml = r.to_xml().unwrap();
    // what is written reads back the same
    assert_eq!(TsRequest::from_xml(&xml).unwrap(), r, "{xml}");
    xml
}

fn site(content_url: &str) -> SiteType {
    SiteType {
        content_url: Some(content_url.into()),
        ..Default::default()
    }
}

#[test]
fn sign_in_with_password() {
    snap!(req(|r| {
        r.credentials = Some(Box::new(TableauCredentialsType {
            name: Some("admin".into()),
            password: Some("p@ss<&>\"word".into()),
            site: Some(site("")),
            ..Default::default()
        }))
    }));
}

#[test]
fn sign_in_with_personal_access_token() {
    snap!(req(|r| {
        r.credentials = Some(Box::new(TableauCredentialsType {
            personal_access_token_name: Some("my-token".into()),
            personal_access_token_secret: Some("s3cr3t".into()),
            site: Some(site("marketing")),
            ..Default::default()
        }))
    }));
}

#[test]
fn sign_in_with_jwt() {
    snap!(req(|r| {
        r.credentials = Some(Box::new(TableauCredentialsType {
            jwt: Some("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhIn0.sig".into()),
            site: Some(site("marketing")),
            ..Default::default()
        }))
    }));
}

#[test]
fn sign_in_impersonating_a_user() {
    snap!(req(|r| {
        r.credentials = Some(Box::new(TableauCredentialsType {
            name: Some("admin".into()),
            password: Some("pw".into()),
            site: Some(site("")),
            user: Some(UserType {
                id: Some("9f9e9d9c-8b8a-8f8e-7d7c-7b7a6f6d6e6d".into()),
                ..Default::default()
            }),
            ..Default::default()
        }))
    }));
}

#[test]
fn switch_site() {
    snap!(req(|r| r.site = Some(Box::new(site("finance")))));
}

#[test]
fn add_user_to_site() {
    snap!(req(|r| {
        r.user = Some(Box::new(UserType {
            name: Some("alice@example.com".into()),
            site_role: Some(SiteRoleType::ExplorerCanPublish),
            auth_setting: Some(SiteUserAuthSettingType::ServerDefault),
            ..Default::default()
        }))
    }));
}

#[test]
fn update_user() {
    snap!(req(|r| {
        r.user = Some(Box::new(UserType {
            full_name: Some("Alice O'Neil & Co".into()),
            email: Some("alice@example.com".into()),
            password: Some("new-password".into()),
            site_role: Some(SiteRoleType::Viewer),
            ..Default::default()
        }))
    }));
}

#[test]
fn create_site() {
    snap!(req(|r| {
        r.site = Some(Box::new(SiteType {
            name: Some("Finance".into()),
            content_url: Some("finance".into()),
            admin_mode: Some(SiteAdminMode::ContentAndUsers),
            user_quota: Some("100".into()),
            storage_quota: Some("1024".into()),
            disable_subscriptions: Some(false),
            revision_history_enabled: Some(true),
            revision_limit: Some(25),
            ..Default::default()
        }))
    }));
}

#[test]
fn update_site() {
    snap!(req(|r| {
        r.site = Some(Box::new(SiteType {
            name: Some("Finance (EMEA)".into()),
            state: Some("Suspended".into()),
            commenting_enabled: Some(false),
            ..Default::default()
        }))
    }));
}

#[test]
fn create_project_with_parent() {
    snap!(req(|r| {
        r.project = Some(Box::new(ProjectType {
            name: Some("Quarterly <Reports>".into()),
            description: Some("Numbers\nby quarter".into()),
            parent_project_id: Some("1f2f3f4f-5f6f-7f8f-9fa0-b1c2d3e4f5a6".into()),
            content_permissions: Some(ProjectContentPermissions::LockedToProject),
            ..Default::default()
        }))
    }));
}

#[test]
fn create_group() {
    snap!(req(|r| {
        r.group = Some(Box::new(GroupType {
            name: Some("Analysts".into()),
            minimum_site_role: Some(SiteRoleType::Explorer),
            ..Default::default()
        }))
    }));
}

#[test]
fn create_group_with_active_directory_import() {
    snap!(req(|r| {
        r.group = Some(Box::new(GroupType {
            name: Some("AD Analysts".into()),
            import: Some(ImportDirectiveType {
                source: Some(ImportSourceType::ActiveDirectory),
                domain_name: Some("example.local".into()),
                grant_license_mode: Some(ImportDirectiveGrantLicenseMode::OnLogin),
                site_role: Some(SiteRoleType::Viewer),
            }),
            ..Default::default()
        }))
    }));
}

#[test]
fn add_user_to_group() {
    snap!(req(|r| {
        r.user = Some(Box::new(UserType {
            id: Some("5de011f8-4aa9-4d5b-b991-f464c8dd6bb7".into()),
            ..Default::default()
        }))
    }));
}

#[test]
fn publish_workbook_with_connections_and_embedded_credentials() {
    snap!(req(|r| {
        r.workbook = Some(Box::new(WorkbookType {
            name: Some("Sales".into()),
            show_tabs: Some("true".into()),
            project: Some(ProjectType {
                id: Some("ee8c6e70-43b6-11e6-af4f-f7b0d8e20760".into()),
                ..Default::default()
            }),
            connections: Some(ConnectionListType {
                connection: vec![
                    ConnectionType {
                        server_address: Some("db.example.com".into()),
                        server_port: Some(5432),
                        connection_credentials: Some(ConnectionCredentialsType {
                            name: Some("reader".into()),
                            password: Some("secret&pw".into()),
                            embed: Some("true".into()),
                            ..Default::default()
                        }),
                        ..Default::default()
                    },
                    ConnectionType {
                        server_address: Some("files.example.com".into()),
                        ..Default::default()
                    },
                ],
            }),
            ..Default::default()
        }))
    }));
}

#[test]
fn publish_workbook_with_single_credentials() {
    snap!(req(|r| {
        r.workbook = Some(Box::new(WorkbookType {
            name: Some("Ops".into()),
            project: Some(ProjectType {
                id: Some("ee8c6e70-43b6-11e6-af4f-f7b0d8e20760".into()),
                ..Default::default()
            }),
            connection_credentials: Some(ConnectionCredentialsType {
                name: Some("svc".into()),
                password: Some("pw".into()),
                embed: Some("true".into()),
                o_auth: Some("false".into()),
            }),
            ..Default::default()
        }))
    }));
}

#[test]
fn publish_data_source() {
    snap!(req(|r| {
        r.datasource = Some(Box::new(DataSourceType {
            name: Some("Orders".into()),
            description: Some("All orders".into()),
            use_remote_query_agent: Some(false),
            project: Some(ProjectType {
                id: Some("ee8c6e70-43b6-11e6-af4f-f7b0d8e20760".into()),
                ..Default::default()
            }),
            connection_credentials: Some(ConnectionCredentialsType {
                name: Some("u".into()),
                password: Some("p".into()),
                embed: Some("true".into()),
                ..Default::default()
            }),
            ..Default::default()
        }))
    }));
}

#[test]
fn update_data_source_certification() {
    snap!(req(|r| {
        r.datasource = Some(Box::new(DataSourceType {
            is_certified: Some(true),
            certification_note: Some("Checked by data team".into()),
            owner: Some(UserType {
                id: Some("dd2239f6-ddf1-4107-981a-4cf94e415794".into()),
                ..Default::default()
            }),
            ..Default::default()
        }))
    }));
}

#[test]
fn update_connection() {
    snap!(req(|r| {
        r.connection = Some(Box::new(ConnectionType {
            server_address: Some("db2.example.com".into()),
            server_port: Some(1433),
            user_name: Some("reader".into()),
            password: Some("pw\"quoted\"".into()),
            embed_password: Some(true),
            query_tagging_enabled: Some(false),
            ..Default::default()
        }))
    }));
}

#[test]
fn create_daily_schedule() {
    snap!(req(|r| {
        r.schedule = Some(Box::new(ScheduleType {
            name: Some("Nightly".into()),
            priority: Some(50),
            type_: Some(ScheduleTypeType::Extract),
            frequency: Some(ScheduleFrequency::Daily),
            execution_order: Some(ScheduleExecutionOrder::Parallel),
            frequency_details: Some(FrequencyDetailsType {
                start: Some("02:00:00".into()),
                intervals: Some(FrequencyDetailsIntervals {
                    interval: vec![IntervalType {
                        hours: Some(12),
                        ..Default::default()
                    }],
                }),
                ..Default::default()
            }),
            ..Default::default()
        }))
    }));
}

#[test]
fn create_weekly_schedule() {
    snap!(req(|r| {
        r.schedule = Some(Box::new(ScheduleType {
            name: Some("Weekly".into()),
            type_: Some(ScheduleTypeType::Subscription),
            frequency: Some(ScheduleFrequency::Weekly),
            frequency_details: Some(FrequencyDetailsType {
                start: Some("18:30:00".into()),
                intervals: Some(FrequencyDetailsIntervals {
                    interval: vec![
                        IntervalType {
                            week_day: Some(IntervalWeekDay::Monday),
                            ..Default::default()
                        },
                        IntervalType {
                            week_day: Some(IntervalWeekDay::Friday),
                            ..Default::default()
                        },
                    ],
                }),
                ..Default::default()
            }),
            ..Default::default()
        }))
    }));
}

#[test]
fn add_tags() {
    snap!(req(|r| {
        r.tags = Some(Box::new(TagListType {
            tag: vec![
                TagType {
                    label: Some("finance".into()),
                },
                TagType {
                    label: Some("q3 & q4".into()),
                },
            ],
        }))
    }));
}

#[test]
fn update_workbook_owner_and_project() {
    snap!(req(|r| {
        r.workbook = Some(Box::new(WorkbookType {
            show_tabs: Some("false".into()),
            owner: Some(UserType {
                id: Some("dd2239f6-ddf1-4107-981a-4cf94e415794".into()),
                ..Default::default()
            }),
            project: Some(ProjectType {
                id: Some("ee8c6e70-43b6-11e6-af4f-f7b0d8e20760".into()),
                ..Default::default()
            }),
            ..Default::default()
        }))
    }));
}

#[test]
fn empty_request() {
    snap!(req(|_| {}));
}

/// Every request snapshot, put into the Tableau namespace (requests are sent without one;
/// the schema's elements are qualified), validates against the XSD.
#[test]
fn every_request_snapshot_is_valid_against_the_xsd() {
    let xmllint = std::process::Command::new("xmllint")
        .arg("--version")
        .output();
    if xmllint.is_err() {
        if std::env::var("CI").as_deref() == Ok("true") {
            panic!("xmllint is missing (apt-get install libxml2-utils)");
        }
        eprintln!("skipping: xmllint is not installed (apt-get install libxml2-utils)");
        return;
    }
    let schema = xtask::default_schema().unwrap();
    let snaps = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("snapshots");
    let dir = tempfile::tempdir().unwrap();
    let mut checked = 0;
    let mut failures = Vec::new();
    let mut entries: Vec<_> = std::fs::read_dir(&snaps)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for p in entries {
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        if !name.starts_with("requests__")
            || !name.ends_with(".snap")
            || name.contains("empty_request")
        {
            continue;
        }
        let text = std::fs::read_to_string(&p).unwrap();
        let body = text.splitn(3, "---\n").nth(2).unwrap().trim();
        let namespaced = body.replacen(
            "<tsRequest",
            "<tsRequest xmlns=\"http://tableau.com/api\"",
            1,
        );
        let file = dir.path().join(name.replace(".snap", ".xml"));
        std::fs::write(&file, namespaced).unwrap();
        let out = std::process::Command::new("xmllint")
            .arg("--noout")
            .arg("--schema")
            .arg(&schema)
            .arg(&file)
            .output()
            .unwrap();
        if !out.status.success() {
            failures.push(format!("{name}: {}", String::from_utf8_lossy(&out.stderr)));
        }
        checked += 1;
    }
    assert!(checked >= 20, "only {checked} request snapshots");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
