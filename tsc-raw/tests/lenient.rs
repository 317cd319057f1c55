//! Reading is lenient, writing strict, errors say where, secrets stay out of `Debug`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests"
)]

mod common;

use tsc_raw::*;

#[test]
fn error_response_parses_into_the_error_type() {
    let xml = r#"<?xml version='1.0' encoding='UTF-8'?>
<tsResponse xmlns="http://tableau.com/api"><error code="401002"><summary>Unauthorized Access</summary><detail>Invalid authentication credentials were provided.</detail></error></tsResponse>"#;
    let r = TsResponse::from_xml(xml).unwrap();
    let e = r.api_error().unwrap();
    assert_eq!(e.code, Some(401002));
    assert_eq!(e.summary.as_deref(), Some("Unauthorized Access"));
    assert_eq!(
        e.detail.as_deref(),
        Some("Invalid authentication credentials were provided.")
    );
    assert_eq!(e.callstack, None);
}

#[test]
fn error_fixture_parses_into_the_error_type() {
    let Some(dir) = common::fixtures_dir() else {
        return;
    };
    let xml = std::fs::read_to_string(dir.join("auth_sign_in_error.xml")).unwrap();
    let e = TsResponse::from_xml(&xml).unwrap().error.unwrap();
    assert_eq!(e.code, Some(401001));
    assert_eq!(e.summary.as_deref(), Some("Signin Error"));
    assert_eq!(
        e.detail.as_deref(),
        Some("Error signing in to Tableau Server")
    );
}

#[test]
fn prefixed_elements_any_order_and_unknown_content_are_read() {
    let xml = r#"<ns0:tsResponse xmlns:ns0="http://tableau.com/api">
  <ns0:users>
    <ns0:user name="a" futureAttribute="x" siteRole="Publisher" lastLogin="">
      <ns0:futureElement><ns0:user name="not me"/><deeper><user/></deeper></ns0:futureElement>
      <ns0:domain name="local"/>
    </ns0:user>
  </ns0:users>
  <ns0:pagination pageNumber="2" pageSize="1" totalAvailable="5"/>
  <ns0:views><ns0:view id="v1" name="Sheet &amp; 1"/></ns0:views>
</ns0:tsResponse>"#;
    let r = TsResponse::from_xml(xml).unwrap();
    let users = &r.users.as_ref().unwrap().user;
    assert_eq!(users.len(), 1);
    assert_eq!(users[0].name.as_deref(), Some("a"));
    assert_eq!(
        users[0].site_role,
        Some(SiteRoleType::Other("Publisher".into()))
    );
    assert_eq!(users[0].last_login, None);
    assert_eq!(
        users[0].domain.as_ref().unwrap().name.as_deref(),
        Some("local")
    );
    assert_eq!(r.pagination.as_ref().unwrap().page_number, Some(2));
    assert_eq!(
        r.views.as_ref().unwrap().view[0].name.as_deref(),
        Some("Sheet & 1")
    );
}

#[test]
fn booleans_integers_and_dates_are_read_leniently() {
    let xml = r#"<tsResponse><datasources>
  <datasource id="1" isCertified="True" hasExtracts="1" size="12" createdAt="2016-06-31T10:00:00Z"/>
  <datasource id="2" isCertified="FALSE" hasExtracts="0" size="" updatedAt=""/>
  <datasource id="3" isCertified="maybe" size="lots" createdAt="2024-01-02T03:04:05Z"/>
</datasources></tsResponse>"#;
    let r = TsResponse::from_xml(xml).unwrap();
    let d = &r.datasources.as_ref().unwrap().datasource;
    assert_eq!(
        (d[0].is_certified, d[0].has_extracts, d[0].size),
        (Some(true), Some(true), Some(12))
    );
    let bad_date = d[0].created_at.as_ref().unwrap();
    assert_eq!(bad_date.as_str(), "2016-06-31T10:00:00Z"); // kept raw
    assert_eq!(bad_date.to_offset_date_time(), None);
    assert_eq!(
        (
            d[1].is_certified,
            d[1].has_extracts,
            d[1].size,
            &d[1].updated_at
        ),
        (Some(false), Some(false), None, &None)
    );
    assert_eq!((d[2].is_certified, d[2].size), (None, None));
    assert_eq!(
        d[2].created_at
            .as_ref()
            .unwrap()
            .to_offset_date_time()
            .unwrap()
            .hour(),
        3
    );
}

#[test]
fn unknown_enum_values_are_kept() {
    let xml = r#"<tsResponse><job id="j" mode="Asynchronous" type="SomeNewJobType"/></tsResponse>"#;
    let r = TsResponse::from_xml(xml).unwrap();
    let job = r.job.as_ref().unwrap();
    assert_eq!(job.type_, Some(JobTypeType::Other("SomeNewJobType".into())));
    assert_eq!(job.type_.as_ref().unwrap().as_str(), "SomeNewJobType");
    assert_eq!(job.mode, Some(JobMode::Asynchronous));
    assert!(r.to_xml().unwrap().contains(r#"type="SomeNewJobType""#));
    assert_eq!(
        "Creator".parse::<SiteRoleType>().unwrap(),
        SiteRoleType::Creator
    );
    assert_eq!(SiteRoleType::Creator.to_string(), "Creator");
}

#[test]
fn string_attributes_keep_empty_values() {
    let r =
        TsResponse::from_xml(r#"<tsResponse><site id="s" contentUrl=""/></tsResponse>"#).unwrap();
    assert_eq!(r.site.as_ref().unwrap().content_url.as_deref(), Some(""));
    assert!(r.to_xml().unwrap().contains(r#"contentUrl="""#));
}

#[test]
fn attribute_values_are_unescaped_and_normalized_in_any_quoting() {
    let xml = "<tsResponse><user name = 'it&apos;s &amp; \u{e9}&#233;&#xE9;&quot;' fullName=\"a\tb\nc\" \
               email=\"&lt;x&gt;\" locale=\"a &unknown; b\" siteRole=\"Viewer\" \
               language=\"a&#10;b&#x9;\"/></tsResponse>";
    let u = TsResponse::from_xml(xml).unwrap().user.unwrap();
    assert_eq!(u.name.as_deref(), Some("it's & \u{e9}\u{e9}\u{e9}\""));
    assert_eq!(u.full_name.as_deref(), Some("a b c"));
    assert_eq!(u.email.as_deref(), Some("<x>"));
    // an entity XML does not define: the raw text is kept rather than failing the response
    assert_eq!(u.locale.as_deref(), Some("a &unknown; b"));
    assert_eq!(u.site_role, Some(SiteRoleType::Viewer));
    // character references are not white-space normalized
    assert_eq!(u.language.as_deref(), Some("a\nb\t"));
}

#[test]
fn a_malformed_attribute_keeps_the_attributes_before_it() {
    let xml = r#"<tsResponse><user name="a" id="b" broken email="c"/></tsResponse>"#;
    let u = TsResponse::from_xml(xml).unwrap().user.unwrap();
    assert_eq!(u.name.as_deref(), Some("a"));
    assert_eq!(u.id.as_deref(), Some("b"));
    assert_eq!(u.email, None);
}

#[test]
fn text_with_entities_cdata_and_char_refs_is_read() {
    let xml = "<tsResponse><error code=\"400000\"><summary>a &lt;b&gt; &#233;</summary><detail><![CDATA[x < y]]> &amp; z</detail></error></tsResponse>";
    let e = TsResponse::from_xml(xml).unwrap().error.unwrap();
    assert_eq!(e.summary.as_deref(), Some("a <b> \u{e9}"));
    assert_eq!(e.detail.as_deref(), Some("x < y & z"));
}

#[test]
fn responses_are_written_with_the_namespace_requests_without() {
    let r = TsResponse {
        pagination: Some(Box::new(PaginationType {
            page_number: Some(1),
            page_size: Some(100),
            total_available: Some(0),
        })),
        ..Default::default()
    };
    assert_eq!(
        r.to_xml().unwrap(),
        r#"<tsResponse xmlns="http://tableau.com/api"><pagination pageNumber="1" pageSize="100" totalAvailable="0"/></tsResponse>"#
    );
    assert_eq!(TsRequest::default().to_xml().unwrap(), "<tsRequest/>");
}

#[test]
fn writing_escapes_and_rejects_characters_xml_cannot_carry() {
    let mut r = TsRequest {
        user: Some(Box::new(UserType {
            name: Some("a\u{1}b".into()),
            ..Default::default()
        })),
        ..Default::default()
    };
    let err = r.to_xml().unwrap_err();
    assert!(
        matches!(&err, Error::Write { element, .. } if element == "tsRequest/user@name"),
        "{err:?}"
    );
    assert!(err.to_string().contains("U+0001"));
    r.user = Some(Box::new(UserType {
        name: Some("tab\there\r\n<&>\"'".into()),
        ..Default::default()
    }));
    let xml = r.to_xml().unwrap();
    assert_eq!(
        xml,
        r#"<tsRequest><user name="tab&#9;here&#13;&#10;&lt;&amp;&gt;&quot;'"/></tsRequest>"#
    );
    assert_eq!(TsRequest::from_xml(&xml).unwrap(), r);
}

#[test]
fn read_errors_say_where() {
    let err = TsResponse::from_xml(
        "<tsResponse>\n  <users>\n    <user name=\"a\">\n  </users>\n</tsResponse>",
    )
    .unwrap_err();
    // an unclosed <user> inside <users>: the document ends early
    match &err {
        Error::Read { element, line, .. } => {
            assert!(element.is_some(), "{err}");
            assert!(*line >= 1);
        }
        other => panic!("{other:?}"),
    }
    let err = TsResponse::from_xml("<tsResponse><users><user name=\"a></users></tsResponse>")
        .unwrap_err();
    assert!(matches!(err, Error::Read { .. }), "{err:?}");
    let err = TsResponse::from_xml("<html><body>502 Bad Gateway</body></html>").unwrap_err();
    assert_eq!(
        err,
        Error::UnexpectedRoot {
            expected: "tsResponse",
            found: "html".into()
        }
    );
    let err = TsResponse::from_xml("").unwrap_err();
    assert_eq!(
        err,
        Error::UnexpectedRoot {
            expected: "tsResponse",
            found: String::new()
        }
    );
    let err = TsRequest::from_xml("<tsResponse/>").unwrap_err();
    assert!(
        err.to_string()
            .contains("expected the root element <tsRequest>, found <tsResponse>"),
        "{err}"
    );
}

#[test]
fn secrets_are_redacted_in_debug() {
    let c = TableauCredentialsType {
        name: Some("admin".into()),
        password: Some("hunter2".into()),
        personal_access_token_secret: Some("pat-secret".into()),
        jwt: Some("jwt-value".into()),
        token: Some("auth-token".into()),
        ..Default::default()
    };
    let d = format!(
        "{c:?} {:?}",
        TsRequest {
            credentials: Some(Box::new(c.clone())),
            ..Default::default()
        }
    );
    for secret in ["hunter2", "pat-secret", "jwt-value", "auth-token"] {
        assert!(!d.contains(secret), "{secret} in {d}");
    }
    assert!(d.contains("admin") && d.contains("<redacted>"));
    let conn = ConnectionCredentialsType {
        password: Some("pw-123".into()),
        ..Default::default()
    };
    assert!(!format!("{conn:?}").contains("pw-123"));
    let app = ConnectedApplicationSecretType {
        value: Some("app-secret-value".into()),
        ..Default::default()
    };
    let keys = EncryptedKeychainListType {
        encrypted_keychain: vec!["keychain-blob".into()],
    };
    let svc = ServiceTokenType {
        token_secret: Some("svc-secret".into()),
        token_name: Some("svc".into()),
        ..Default::default()
    };
    let d = format!("{app:?} {keys:?} {svc:?}");
    for secret in ["app-secret-value", "keychain-blob", "svc-secret"] {
        assert!(!d.contains(secret), "{secret} in {d}");
    }
    let u = UserType {
        password: Some("pw-456".into()),
        ..Default::default()
    };
    assert!(!format!("{u:?}").contains("pw-456"));
}

#[test]
fn datetime_converts() {
    let t = time::macros::datetime!(2024-01-02 03:04:05 UTC);
    let d = DateTime::from(t);
    assert_eq!(d.as_str(), "2024-01-02T03:04:05Z");
    assert_eq!(d.to_offset_date_time(), Some(t));
    assert_eq!(
        DateTime::new("2024-01-02T03:04:05").to_offset_date_time(),
        Some(t)
    );
}

#[test]
fn read_error_message_is_readable() {
    let err = TsResponse::from_xml("<tsResponse>\n  <users>\n    <user name=\"a\">\n  </users>\n")
        .unwrap_err();
    eprintln!("{err}");
    let msg = err.to_string();
    assert!(msg.starts_with("unreadable XML at line "), "{msg}");
    assert!(msg.contains(" in <"), "{msg}");
}

#[test]
fn hostile_nesting_is_an_error_not_a_crash() {
    let depth = 100_000;
    let mut xml = String::from("<tsRequest><actions><condition>");
    xml.push_str(&"<args>".repeat(depth));
    xml.push_str(&"</args>".repeat(depth));
    xml.push_str("</condition></actions></tsRequest>");
    let err = TsRequest::from_xml(&xml).unwrap_err();
    assert!(err.to_string().contains("nested deeper than"), "{err}");
    // a sane recursive document reads
    let ok = "<tsRequest><actions><condition><op>and</op><args><op>eq</op><source-col>a</source-col></args></condition></actions></tsRequest>";
    let r = TsRequest::from_xml(ok).unwrap();
    assert_eq!(
        r.actions[0].condition.as_ref().unwrap().args[0]
            .source_col
            .as_deref(),
        Some("a")
    );
    // unknown subtrees are skipped without recursion, however deep
    let mut deep = String::from("<tsResponse>");
    deep.push_str(&"<unknown>".repeat(depth));
    deep.push_str(&"</unknown>".repeat(depth));
    deep.push_str("</tsResponse>");
    assert!(TsResponse::from_xml(&deep).is_ok());
}

#[test]
fn pages_of_any_size_read_whole() {
    for (number, size, total, items) in [
        (1, 100, 3, 3),
        (3, 2, 5, 1),
        (1, 1000, 1000, 1000),
        (2, 5, 1, 7),
        (1, 0, 0, 2),
    ] {
        let mut xml = format!(
            r#"<tsResponse><pagination pageNumber="{number}" pageSize="{size}" totalAvailable="{total}"/><users>"#
        );
        for i in 0..items {
            xml.push_str(&format!(r#"<user id="{i}"/>"#));
        }
        xml.push_str("</users></tsResponse>");
        let r = TsResponse::from_xml(&xml).unwrap();
        assert_eq!(r.users.unwrap().user.len(), items);
    }
}
