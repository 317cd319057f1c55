//! Typed parse speed against a raw quick-xml event scan of the same bytes (the ceiling).
//!
//! `cargo bench -p tsc-raw --bench parse` prints MB/s for a 1000-user page (attributes taken from
//! the Python TSC sample `user_get_all_fields.xml` when it is there) and a 1000-workbook page.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "benchmark"
)]

use std::hint::black_box;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use quick_xml::events::Event;

/// The attributes of the first `<user>` of `user_get_all_fields.xml`, or a stand-in with the same
/// kind of attributes when the fixture folder is missing.
fn user_attributes() -> String {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/fixtures/tsc-assets");
    if let Ok(text) = std::fs::read_to_string(dir.join("user_get_all_fields.xml"))
        && let Some(start) = text.find("<ns0:user ")
    {
        let rest = &text[start + "<ns0:user ".len()..];
        let end = rest.find('>').unwrap();
        return rest[..end].trim_end_matches('/').trim().to_string();
    }
    eprintln!("note: user_get_all_fields.xml not found; using built-in user attributes");
    r#"authSetting="TableauIDWithMFA" email="user@example.com" externalAuthUserId="0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef" fullName="Some User" id="00000000-0000-0000-0000-000000000000" lastLogin="2025-02-04T06:39:20Z" name="user@example.com" siteRole="SiteAdministratorCreator" locale="" language="en" idpConfigurationId="22222222-2222-2222-2222-222222222222""#.to_string()
}

fn users_page(n: usize) -> String {
    let attrs = user_attributes();
    let mut s = String::from(
        r#"<?xml version='1.0' encoding='UTF-8'?><tsResponse xmlns="http://tableau.com/api"><pagination pageNumber="1" pageSize="1000" totalAvailable="1000"/><users>"#,
    );
    for i in 0..n {
        let a = attrs.replacen("id=\"", &format!("id=\"{i:08}"), 1);
        s.push_str(&format!("\n  <user {a}><domain name=\"local\"/></user>"));
    }
    s.push_str("\n</users></tsResponse>");
    s
}

fn workbooks_page(n: usize) -> String {
    let mut s = String::from(
        r#"<?xml version='1.0' encoding='UTF-8'?><tsResponse xmlns="http://tableau.com/api"><pagination pageNumber="1" pageSize="1000" totalAvailable="1000"/><workbooks>"#,
    );
    for i in 0..n {
        s.push_str(&format!(
            r#"
  <workbook id="6d13b0ca-043d-4d42-8c9d-3f3313e{i:05}" name="Superstore &amp; Co {i}" description="Sales &lt;by region&gt;" contentUrl="Superstore{i}" webpageUrl="https://tableau.example.com/#/site/s/workbooks/{i}" showTabs="false" size="26" createdAt="2016-08-03T20:34:04Z" updatedAt="2016-08-04T17:56:41Z" encryptExtracts="false" defaultViewId="9a5c1b0e-0000-4000-8000-{i:012}">
    <project id="ee8c6e70-43b6-11e6-af4f-f7b0d8e20760" name="default"/>
    <owner id="5de011f8-5aa9-4d5b-b991-f462c8dd6bb7" name="admin"/>
    <tags><tag label="Safari"/><tag label="Sample"/></tags>
    <dataAccelerationConfig accelerationEnabled="false"/>
  </workbook>"#
        ));
    }
    s.push_str("\n</workbooks></tsResponse>");
    s
}

/// Every event read, every attribute unescaped, every text unescaped: the work any reader must do.
fn raw_scan(xml: &str) -> usize {
    let mut r = quick_xml::Reader::from_str(xml);
    let mut n = 0usize;
    loop {
        match r.read_event().unwrap() {
            Event::Start(e) | Event::Empty(e) => {
                n += e.name().0.len();
                for a in e.attributes().with_checks(false) {
                    let a = a.unwrap();
                    n += a
                        .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                        .unwrap()
                        .len();
                }
            }
            Event::Text(t) => n += t.xml10_content().len(),
            Event::Eof => break,
            _ => {}
        }
    }
    n
}

/// MB/s of `f` over one round of at least 40 ms.
fn round(bytes: usize, f: &mut impl FnMut()) -> f64 {
    let t = Instant::now();
    let mut iters = 0u32;
    while t.elapsed() < Duration::from_millis(40) {
        f();
        iters += 1;
    }
    bytes as f64 * f64::from(iters) / t.elapsed().as_secs_f64() / 1e6
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Alternating rounds of `a` and `b` for about `total`, so both see the same machine load:
/// (median MB/s of a, median MB/s of b, median of the per-pair ratios b/a).
fn paired(
    bytes: usize,
    total: Duration,
    mut a: impl FnMut(),
    mut b: impl FnMut(),
) -> (f64, f64, f64) {
    let (mut ra, mut rb, mut ratio) = (Vec::new(), Vec::new(), Vec::new());
    let start = Instant::now();
    while start.elapsed() < total || ra.len() < 5 {
        let x = round(bytes, &mut a);
        let y = round(bytes, &mut b);
        ra.push(x);
        rb.push(y);
        ratio.push(y / x);
    }
    (median(ra), median(rb), median(ratio))
}

fn main() {
    // TSC_BENCH_PROFILE=N: only the typed parse, N times (for a profiler), of the users page or,
    // with TSC_BENCH_PAGE=workbooks, the workbooks page; with TSC_BENCH_SCAN=raw the raw scan instead
    if let Some(n) = std::env::var("TSC_BENCH_PROFILE")
        .ok()
        .and_then(|v| v.parse::<u32>().ok())
    {
        let xml = if std::env::var("TSC_BENCH_PAGE").as_deref() == Ok("workbooks") {
            workbooks_page(1000)
        } else {
            users_page(1000)
        };
        let raw = std::env::var("TSC_BENCH_SCAN").as_deref() == Ok("raw");
        for _ in 0..n {
            if raw {
                black_box(raw_scan(black_box(&xml)));
            } else {
                black_box(tsc_raw::TsResponse::from_xml(black_box(&xml)).unwrap());
            }
        }
        return;
    }
    // `cargo bench` passes `--bench`; anything else (`cargo test --all-targets`) is a smoke run
    let full = std::env::args().any(|a| a == "--bench");
    let total = if full {
        Duration::from_secs(4)
    } else {
        Duration::from_millis(100)
    };
    println!(
        "{:<16} {:>10} {:>14} {:>14} {:>8}",
        "page", "bytes", "raw scan MB/s", "typed MB/s", "ratio"
    );
    for (name, xml, check) in [
        ("1000 users", users_page(1000), "user" as &str),
        ("1000 workbooks", workbooks_page(1000), "workbook"),
    ] {
        let parsed = tsc_raw::TsResponse::from_xml(&xml).unwrap();
        let count = match check {
            "user" => parsed.users.as_ref().unwrap().user.len(),
            _ => parsed.workbooks.as_ref().unwrap().workbook.len(),
        };
        assert_eq!(count, 1000);
        let (raw, typed, ratio) = paired(
            xml.len(),
            total,
            || {
                black_box(raw_scan(black_box(&xml)));
            },
            || {
                black_box(tsc_raw::TsResponse::from_xml(black_box(&xml)).unwrap());
            },
        );
        println!(
            "{name:<16} {:>10} {raw:>14.1} {typed:>14.1} {ratio:>7.2}x",
            xml.len()
        );
    }
}
