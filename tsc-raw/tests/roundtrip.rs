//! Every fixture re-serialises without losing an attribute or element the XSD declares.
//!
//! Both documents are walked along the schema model (from `xtask`): every declared element
//! (by path) and every declared attribute and text value (normalised by its schema type:
//! booleans and integers canonical, empty non-string values dropped) goes into a multiset, and the
//! two multisets must be equal.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests"
)]

mod common;

use std::collections::BTreeMap;

use quick_xml::events::Event;
use xtask::model::{Model, Prim, Struct, Ty};

fn normalise(ty: &Ty, raw: &str) -> Option<String> {
    match ty.prim() {
        Some(Prim::String) => Some(raw.to_string()),
        Some(Prim::Bool) => match raw.trim() {
            "true" | "True" | "TRUE" | "1" => Some("true".into()),
            "false" | "False" | "FALSE" | "0" => Some("false".into()),
            _ => None,
        },
        Some(Prim::I32 | Prim::I64 | Prim::U64) => {
            raw.trim().parse::<i128>().ok().map(|v| v.to_string())
        }
        Some(Prim::DateTime) | None => (!raw.trim().is_empty()).then(|| raw.to_string()),
    }
}

enum Frame<'m> {
    Struct(&'m Struct),
    Value(Ty, String),
    Unknown,
}

fn local(n: &str) -> &str {
    n.rsplit(':').next().unwrap_or(n)
}

/// (path, attribute or `<>` for the element or `#text`, value) -> count
fn facts(model: &Model, xml: &str) -> BTreeMap<(String, String, String), usize> {
    let mut out = BTreeMap::new();
    let mut rd = quick_xml::Reader::from_str(xml);
    let mut stack: Vec<(Frame<'_>, String)> = Vec::new();
    loop {
        let ev = rd.read_event().unwrap();
        let (e, empty) = match ev {
            Event::Start(e) => (e, false),
            Event::Empty(e) => (e, true),
            Event::Text(t) => {
                if let Some((Frame::Value(_, buf), _)) = stack.last_mut() {
                    buf.push_str(&t.xml10_content());
                }
                continue;
            }
            Event::GeneralRef(r) => {
                if let Some((Frame::Value(_, buf), _)) = stack.last_mut() {
                    let name = r.xml10_content();
                    match r.resolve_char_ref().ok().flatten() {
                        Some(c) => buf.push(c),
                        None => buf.push_str(
                            quick_xml::escape::resolve_predefined_entity(&name).unwrap_or("?"),
                        ),
                    }
                }
                continue;
            }
            Event::End(_) => {
                if let Some((Frame::Value(ty, buf), path)) = stack.pop()
                    && let Some(v) = normalise(&ty, &buf)
                {
                    *out.entry((path, "#text".into(), v)).or_default() += 1;
                }
                continue;
            }
            Event::Eof => break,
            _ => continue,
        };
        let name = local(e.name().0).to_string();
        let frame = match stack.last() {
            None => match name.as_str() {
                "tsResponse" => Frame::Struct(model.strukt("TsResponse").unwrap()),
                "tsRequest" => Frame::Struct(model.strukt("TsRequest").unwrap()),
                _ => Frame::Unknown,
            },
            Some((Frame::Struct(s), _)) => match s.children.iter().find(|c| c.xml == name) {
                Some(c) => match &c.ty {
                    Ty::Struct(t) => Frame::Struct(model.strukt(t).unwrap()),
                    other => Frame::Value(other.clone(), String::new()),
                },
                None => Frame::Unknown,
            },
            Some(_) => Frame::Unknown,
        };
        let path = match stack.last() {
            Some((_, p)) => format!("{p}/{name}"),
            None => name.clone(),
        };
        if let Frame::Struct(s) = &frame {
            *out.entry((path.clone(), "<>".into(), String::new()))
                .or_default() += 1;
            for a in e.attributes().with_checks(false) {
                let a = a.unwrap();
                let key = local(a.key.0);
                if let Some(decl) = s.attrs.iter().find(|d| d.xml == key) {
                    let v = a
                        .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                        .unwrap();
                    if let Some(v) = normalise(&decl.ty, &v) {
                        *out.entry((path.clone(), key.to_string(), v)).or_default() += 1;
                    }
                }
            }
        }
        if let Frame::Value(ty, _) = &frame {
            if empty {
                if let Some(v) = normalise(ty, "") {
                    *out.entry((path.clone(), "#text".into(), v)).or_default() += 1;
                }
                continue;
            }
        } else if empty {
            continue;
        }
        stack.push((frame, path));
    }
    out
}

fn diff(
    a: &BTreeMap<(String, String, String), usize>,
    b: &BTreeMap<(String, String, String), usize>,
) -> Vec<String> {
    let mut d = Vec::new();
    for (k, n) in a {
        let m = b.get(k).copied().unwrap_or(0);
        if m != *n {
            d.push(format!("{k:?}: {n} in the fixture, {m} written"));
        }
    }
    for (k, m) in b {
        if !a.contains_key(k) {
            d.push(format!("{k:?}: 0 in the fixture, {m} written"));
        }
    }
    d
}

#[test]
fn every_fixture_roundtrips_without_loss() {
    let fixtures = common::xml_fixtures();
    if fixtures.is_empty() {
        return;
    }
    let model = xtask::load_model(&xtask::default_schema().unwrap()).unwrap();
    let mut failures = Vec::new();
    let mut checked = 0;
    for (name, text) in &fixtures {
        let written = if text.contains("tsResponse") {
            tsc_raw::TsResponse::from_xml(text)
                .unwrap()
                .to_xml()
                .unwrap()
        } else if text.contains("tsRequest") {
            tsc_raw::TsRequest::from_xml(text)
                .unwrap()
                .to_xml()
                .unwrap()
        } else {
            continue;
        };
        checked += 1;
        let before = facts(&model, text);
        let after = facts(&model, &written);
        let d = diff(&before, &after);
        if !d.is_empty() {
            failures.push(format!("{name}:\n  {}", d.join("\n  ")));
        }
    }
    assert!(
        failures.is_empty(),
        "{} fixtures lose data:\n{}",
        failures.len(),
        failures.join("\n")
    );
    eprintln!("{checked} fixtures round-tripped");
}
