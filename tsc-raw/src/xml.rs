//! The hand-written plumbing the generated readers and writers stand on.
//!
//! Reading is lenient: namespace prefixes are ignored, children may come in any order, unknown
//! elements and attributes are skipped, and a value that does not parse is treated as absent.
//! Writing is strict: only what is set, canonical values, escaped for XML 1.0.

use std::borrow::Cow;

use quick_xml::events::attributes::Attribute;
use quick_xml::events::{BytesStart, Event};

use crate::{DateTime, Error};

/// The local part of a qualified name (`ns0:user` -> `user`).
#[inline]
pub(crate) fn local(name: &str) -> &str {
    match name.as_bytes().iter().position(|b| *b == b':') {
        Some(i) => &name[i + 1..],
        None => name,
    }
}

/// A value that lives in an attribute or in a text-only element.
pub(crate) trait XmlValue: Sized {
    /// Lenient parse; `None` means "treat as absent".
    fn parse_xml(s: Cow<'_, str>) -> Option<Self>;
    /// Canonical text (not escaped).
    fn xml_text(&self) -> Cow<'_, str>;
}

impl XmlValue for String {
    fn parse_xml(s: Cow<'_, str>) -> Option<Self> {
        Some(s.into_owned())
    }
    fn xml_text(&self) -> Cow<'_, str> {
        Cow::Borrowed(self)
    }
}

impl XmlValue for bool {
    fn parse_xml(s: Cow<'_, str>) -> Option<Self> {
        match s.trim() {
            "true" | "True" | "TRUE" | "1" => Some(true),
            "false" | "False" | "FALSE" | "0" => Some(false),
            _ => None,
        }
    }
    fn xml_text(&self) -> Cow<'_, str> {
        Cow::Borrowed(if *self { "true" } else { "false" })
    }
}

macro_rules! int_value {
    ($($t:ty),*) => {$(
        impl XmlValue for $t {
            fn parse_xml(s: Cow<'_, str>) -> Option<Self> {
                let t = s.trim();
                t.strip_prefix('+').unwrap_or(t).parse().ok()
            }
            fn xml_text(&self) -> Cow<'_, str> {
                Cow::Owned(self.to_string())
            }
        }
    )*};
}
int_value!(i32, i64, u64);

impl XmlValue for DateTime {
    fn parse_xml(s: Cow<'_, str>) -> Option<Self> {
        if s.trim().is_empty() {
            None
        } else {
            Some(DateTime::new(s.into_owned()))
        }
    }
    fn xml_text(&self) -> Cow<'_, str> {
        Cow::Borrowed(self.as_str())
    }
}

/// The value of an attribute from its raw (escaped) text, unescaped and parsed leniently.
///
/// Text without `&` or control characters needs no normalization and is used as it is.
#[inline]
pub(crate) fn attr_value<T: XmlValue>(raw: &str) -> Option<T> {
    let plain = raw
        .as_bytes()
        .iter()
        .fold(true, |ok, b| ok & (*b != b'&') & (*b >= 0x20));
    if plain {
        return T::parse_xml(Cow::Borrowed(raw));
    }
    let a = Attribute {
        key: quick_xml::name::QName(""),
        value: Cow::Borrowed(raw),
    };
    let v = match a.normalized_value(quick_xml::XmlVersion::Implicit1_0) {
        Ok(v) => v,
        Err(_) => Cow::Borrowed(raw), // a stray `&`: keep the raw text rather than fail
    };
    T::parse_xml(v)
}

/// XML white space.
#[inline]
fn is_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r')
}

/// Calls `f(local name, raw value)` for every attribute of a start tag's attribute text, in
/// order; stops at the first malformed attribute (keeping what came before).
#[inline]
fn for_each_attr(raw: &str, mut f: impl FnMut(&str, &str)) {
    let b = raw.as_bytes();
    let mut i = 0;
    loop {
        while i < b.len() && is_ws(b[i]) {
            i += 1;
        }
        let key_start = i;
        while i < b.len() && !is_ws(b[i]) && b[i] != b'=' {
            i += 1;
        }
        let key_end = i;
        while i < b.len() && is_ws(b[i]) {
            i += 1;
        }
        if key_start == key_end || i >= b.len() || b[i] != b'=' {
            return;
        }
        i += 1;
        while i < b.len() && is_ws(b[i]) {
            i += 1;
        }
        let Some(&quote) = b.get(i) else { return };
        if quote != b'"' && quote != b'\'' {
            return;
        }
        let value_start = i + 1;
        let Some(len) = b[value_start..].iter().position(|c| *c == quote) else {
            return;
        };
        i = value_start + len + 1;
        // every boundary is next to an ASCII byte, so these slices are on char boundaries
        let (Some(key), Some(value)) = (
            raw.get(key_start..key_end),
            raw.get(value_start..value_start + len),
        ) else {
            return;
        };
        f(local(key), value);
    }
}

/// The event reader over a whole document.
pub(crate) struct XmlReader<'a> {
    inner: quick_xml::Reader<&'a [u8]>,
    src: &'a str,
    at_eof: bool,
    depth: u32,
    /// Items expected in the page's list, from `<pagination>` (0 when unknown).
    list_hint: usize,
}

/// Deeper nesting of known elements than this is refused (recursive schema types would
/// otherwise let a hostile document exhaust the stack).
const MAX_DEPTH: u32 = 200;

impl<'a> XmlReader<'a> {
    pub(crate) fn new(src: &'a str) -> Self {
        let mut inner = quick_xml::Reader::from_str(src);
        inner.config_mut().check_end_names = false;
        XmlReader {
            inner,
            src,
            at_eof: false,
            depth: 0,
            list_hint: 0,
        }
    }

    fn error(&self, offset: u64, message: String) -> Error {
        let end = usize::try_from(offset)
            .unwrap_or(usize::MAX)
            .min(self.src.len());
        let line = self.src.as_bytes()[..end]
            .iter()
            .filter(|b| **b == b'\n')
            .count() as u64
            + 1;
        Error::Read {
            offset,
            line,
            element: None,
            message,
        }
    }

    #[inline]
    pub(crate) fn next(&mut self) -> Result<Event<'a>, Error> {
        match self.inner.read_event() {
            Ok(Event::Eof) => {
                self.at_eof = true;
                Err(self.error(
                    self.inner.buffer_position(),
                    "unexpected end of document".into(),
                ))
            }
            Ok(e) => Ok(e),
            Err(e) => Err(self.error(self.inner.error_position(), e.to_string())),
        }
    }

    /// Skips the rest of an element whose start tag was just read.
    fn skip(&mut self) -> Result<(), Error> {
        let mut depth = 0usize;
        loop {
            match self.next()? {
                Event::Start(_) => depth += 1,
                Event::End(_) => {
                    if depth == 0 {
                        return Ok(());
                    }
                    depth -= 1;
                }
                _ => {}
            }
        }
    }

    /// The text of an element whose start tag was just read, up to its end tag; nested
    /// elements are skipped.
    fn text(&mut self) -> Result<String, Error> {
        let mut out = String::new();
        loop {
            match self.next()? {
                Event::Text(t) => out.push_str(&t.xml10_content()),
                Event::CData(t) => out.push_str(&t.xml10_content()),
                Event::GeneralRef(r) => push_ref(&mut out, &r),
                Event::Start(_) => self.skip()?,
                Event::End(_) => return Ok(out),
                _ => {}
            }
        }
    }
}

fn push_ref(out: &mut String, r: &quick_xml::events::BytesRef<'_>) {
    if let Ok(Some(c)) = r.resolve_char_ref() {
        out.push(c);
        return;
    }
    let name = r.xml10_content();
    match quick_xml::escape::resolve_predefined_entity(&name) {
        Some(s) => out.push_str(s),
        None => {
            out.push('&');
            out.push_str(&name);
            out.push(';');
        }
    }
}

/// A type with a generated reader.
pub(crate) trait ReadXml: Default {
    /// Whether the type has simple content (text).
    const HAS_TEXT: bool = false;
    /// One attribute, by local name, with its raw (still escaped) value.
    fn read_attr(&mut self, _name: &str, _raw: &str) {}
    /// One child element, by local name; `false` if unknown (the caller skips it).
    fn read_child(
        &mut self,
        _name: &str,
        _rd: &mut XmlReader<'_>,
        _e: &BytesStart<'_>,
        _empty: bool,
    ) -> Result<bool, Error> {
        Ok(false)
    }
    /// The text content.
    fn read_text(&mut self, _text: String) {}
}

/// Reads an element whose start tag `start` was just read (`empty` for `<x/>`).
pub(crate) fn read<T: ReadXml>(
    rd: &mut XmlReader<'_>,
    start: &BytesStart<'_>,
    empty: bool,
) -> Result<T, Error> {
    let mut v = T::default();
    read_into(&mut v, rd, start, empty)?;
    Ok(v)
}

/// Reads into a (default) value in place: large structs are not moved around.
#[inline]
pub(crate) fn read_into<T: ReadXml>(
    v: &mut T,
    rd: &mut XmlReader<'_>,
    start: &BytesStart<'_>,
    empty: bool,
) -> Result<(), Error> {
    if rd.depth >= MAX_DEPTH {
        let at = rd.inner.buffer_position();
        return Err(rd.error(
            at,
            format!("elements nested deeper than {MAX_DEPTH} levels"),
        ));
    }
    if rd.depth == 1 && local(start.name().0) == "pagination" {
        rd.list_hint = page_items(start);
    }
    rd.depth += 1;
    let r = read_inner(v, rd, start, empty);
    rd.depth -= 1;
    r.map_err(|e| e.in_element(local(start.name().0)))
}

/// Reads a repeated child straight into its place at the end of `list`.
#[inline]
pub(crate) fn read_push<T: ReadXml>(
    list: &mut Vec<T>,
    rd: &mut XmlReader<'_>,
    start: &BytesStart<'_>,
    empty: bool,
) -> Result<(), Error> {
    // the list of a page (`<tsResponse><users><user>`): allocate once for the whole page
    if list.capacity() == 0 && rd.depth == 2 && rd.list_hint > 1 {
        list.reserve_exact(rd.list_hint);
    }
    list.resize_with(list.len() + 1, T::default);
    match list.last_mut() {
        Some(v) => read_into(v, rd, start, empty),
        None => Ok(()),
    }
}

/// How many items a `<pagination>` says the page holds (0 when it does not say): the page size,
/// or what is left of the total on the last page; at most 1000.
fn page_items(start: &BytesStart<'_>) -> usize {
    let (mut number, mut size, mut total) = (1usize, 0usize, usize::MAX);
    for a in start.attributes().with_checks(false).flatten() {
        let v = a.value.trim().parse::<usize>().ok();
        match local(a.key.0) {
            "pageNumber" => number = v.unwrap_or(1).max(1),
            "pageSize" => size = v.unwrap_or(0),
            "totalAvailable" => total = v.unwrap_or(usize::MAX),
            _ => {}
        }
    }
    let before = (number - 1).saturating_mul(size);
    size.min(total.saturating_sub(before)).min(1000)
}

/// Reads a single child into `slot` (replacing an earlier one).
#[inline]
pub(crate) fn read_opt<T: ReadXml>(
    slot: &mut Option<T>,
    rd: &mut XmlReader<'_>,
    start: &BytesStart<'_>,
    empty: bool,
) -> Result<(), Error> {
    *slot = None; // a repeated element replaces the earlier one
    read_into(slot.get_or_insert_with(T::default), rd, start, empty)
}

/// Reads a single boxed child into `slot` (replacing an earlier one).
#[inline]
pub(crate) fn read_box<T: ReadXml>(
    slot: &mut Option<Box<T>>,
    rd: &mut XmlReader<'_>,
    start: &BytesStart<'_>,
    empty: bool,
) -> Result<(), Error> {
    read_into(&mut **slot.insert(Box::default()), rd, start, empty)
}

#[inline]
fn read_inner<T: ReadXml>(
    v: &mut T,
    rd: &mut XmlReader<'_>,
    start: &BytesStart<'_>,
    empty: bool,
) -> Result<(), Error> {
    for_each_attr(start.attributes_raw(), |name, raw| v.read_attr(name, raw));
    if empty {
        return Ok(());
    }
    let mut text = String::new();
    loop {
        match rd.next()? {
            Event::Start(e) if !v.read_child(local(e.name().0), rd, &e, false)? => rd.skip()?,
            Event::Empty(e) => {
                v.read_child(local(e.name().0), rd, &e, true)?;
            }
            Event::End(_) => break,
            Event::Text(t) if T::HAS_TEXT => text.push_str(&t.xml10_content()),
            Event::CData(t) if T::HAS_TEXT => text.push_str(&t.xml10_content()),
            Event::GeneralRef(r) if T::HAS_TEXT => push_ref(&mut text, &r),
            _ => {}
        }
    }
    if T::HAS_TEXT {
        v.read_text(text);
    }
    Ok(())
}

/// Reads a text-only child element as a value.
pub(crate) fn read_value_element<T: XmlValue>(
    rd: &mut XmlReader<'_>,
    start: &BytesStart<'_>,
    empty: bool,
) -> Result<Option<T>, Error> {
    if empty {
        return Ok(T::parse_xml(Cow::Borrowed("")));
    }
    let t = rd.text().map_err(|e| e.in_element(local(start.name().0)))?;
    Ok(T::parse_xml(Cow::Owned(t)))
}

/// Reads a whole document whose root element must be `root` (any prefix).
pub(crate) fn from_xml_root<T: ReadXml>(src: &str, root: &'static str) -> Result<T, Error> {
    let src = src.strip_prefix('\u{feff}').unwrap_or(src);
    let mut rd = XmlReader::new(src);
    loop {
        let (e, empty) = match rd.next() {
            Ok(Event::Start(e)) => (e, false),
            Ok(Event::Empty(e)) => (e, true),
            Ok(Event::End(e)) => {
                return Err(rd.error(
                    rd.inner.buffer_position(),
                    format!("unexpected end tag </{}>", e.name().0),
                ));
            }
            Ok(_) => continue,
            Err(_) if rd.at_eof => {
                return Err(Error::UnexpectedRoot {
                    expected: root,
                    found: String::new(),
                });
            }
            Err(e) => return Err(e),
        };
        let name = local(e.name().0);
        if name != root {
            return Err(Error::UnexpectedRoot {
                expected: root,
                found: name.to_string(),
            });
        }
        return read(&mut rd, &e, empty);
    }
}

/// A type with a generated writer.
pub(crate) trait WriteXml {
    /// Writes ` name="value"` for every set attribute.
    fn write_attrs(&self, _w: &mut XmlWriter) -> Result<(), Error> {
        Ok(())
    }
    /// Whether any child or text is set.
    fn has_content(&self) -> bool {
        false
    }
    /// Writes the set children (and text).
    fn write_content(&self, _w: &mut XmlWriter) -> Result<(), Error> {
        Ok(())
    }
}

impl<T: WriteXml> WriteXml for Box<T> {
    fn write_attrs(&self, w: &mut XmlWriter) -> Result<(), Error> {
        (**self).write_attrs(w)
    }
    fn has_content(&self) -> bool {
        (**self).has_content()
    }
    fn write_content(&self, w: &mut XmlWriter) -> Result<(), Error> {
        (**self).write_content(w)
    }
}

/// Builds the output document.
pub(crate) struct XmlWriter {
    out: String,
}

fn bad_char(c: char) -> bool {
    matches!(c, '\u{0}'..='\u{8}' | '\u{b}' | '\u{c}' | '\u{e}'..='\u{1f}' | '\u{fffe}' | '\u{ffff}')
}

impl XmlWriter {
    pub(crate) fn new() -> Self {
        XmlWriter {
            out: String::with_capacity(256),
        }
    }

    pub(crate) fn finish(self) -> String {
        self.out
    }

    fn escape(&mut self, s: &str, in_attr: bool, ctx: &str) -> Result<(), Error> {
        let mut last = 0;
        for (i, c) in s.char_indices() {
            let rep = match c {
                '&' => "&amp;",
                '<' => "&lt;",
                '>' => "&gt;",
                '"' if in_attr => "&quot;",
                '\n' if in_attr => "&#10;",
                '\t' if in_attr => "&#9;",
                '\r' => "&#13;",
                c if bad_char(c) => {
                    return Err(Error::Write {
                        element: if in_attr {
                            format!("@{ctx}")
                        } else {
                            ctx.to_string()
                        },
                        message: format!(
                            "the character U+{:04X} is not allowed in XML 1.0",
                            c as u32
                        ),
                    });
                }
                _ => continue,
            };
            self.out.push_str(&s[last..i]);
            self.out.push_str(rep);
            last = i + c.len_utf8();
        }
        self.out.push_str(&s[last..]);
        Ok(())
    }

    /// ` name="value"` when set.
    pub(crate) fn attr<T: XmlValue>(&mut self, name: &str, v: &Option<T>) -> Result<(), Error> {
        if let Some(v) = v {
            self.out.push(' ');
            self.out.push_str(name);
            self.out.push_str("=\"");
            self.escape(&v.xml_text(), true, name)?;
            self.out.push('"');
        }
        Ok(())
    }

    /// A complex child when set.
    pub(crate) fn child<T: WriteXml>(&mut self, name: &str, v: Option<&T>) -> Result<(), Error> {
        if let Some(v) = v {
            write_element(self, name, v, None)?;
        }
        Ok(())
    }

    /// Repeated complex children.
    pub(crate) fn children<T: WriteXml>(&mut self, name: &str, v: &[T]) -> Result<(), Error> {
        for x in v {
            write_element(self, name, x, None)?;
        }
        Ok(())
    }

    /// A text-only child when set.
    pub(crate) fn value_child<T: XmlValue>(
        &mut self,
        name: &str,
        v: Option<&T>,
    ) -> Result<(), Error> {
        if let Some(v) = v {
            self.out.push('<');
            self.out.push_str(name);
            self.out.push('>');
            self.escape(&v.xml_text(), false, name)?;
            self.out.push_str("</");
            self.out.push_str(name);
            self.out.push('>');
        }
        Ok(())
    }

    /// Repeated text-only children.
    pub(crate) fn value_children<T: XmlValue>(&mut self, name: &str, v: &[T]) -> Result<(), Error> {
        for x in v {
            self.value_child(name, Some(x))?;
        }
        Ok(())
    }

    /// Simple content when set.
    pub(crate) fn text<T: XmlValue>(&mut self, v: Option<&T>) -> Result<(), Error> {
        if let Some(v) = v {
            self.escape(&v.xml_text(), false, "text")?;
        }
        Ok(())
    }
}

/// Writes `<name attrs>content</name>` or `<name attrs/>`.
pub(crate) fn write_element<T: WriteXml>(
    w: &mut XmlWriter,
    name: &str,
    v: &T,
    ns: Option<&str>,
) -> Result<(), Error> {
    w.out.push('<');
    w.out.push_str(name);
    if let Some(ns) = ns {
        w.out.push_str(" xmlns=\"");
        w.out.push_str(ns);
        w.out.push('"');
    }
    v.write_attrs(w).map_err(|e| in_write(e, name))?;
    if v.has_content() {
        w.out.push('>');
        v.write_content(w).map_err(|e| in_write(e, name))?;
        w.out.push_str("</");
        w.out.push_str(name);
        w.out.push('>');
    } else {
        w.out.push_str("/>");
    }
    Ok(())
}

fn in_write(e: Error, parent: &str) -> Error {
    match e {
        Error::Write { element, message } if element.starts_with('@') => Error::Write {
            element: format!("{parent}{element}"),
            message,
        },
        Error::Write { element, message } => Error::Write {
            element: format!("{parent}/{element}"),
            message,
        },
        other => other,
    }
}

/// The namespace of Tableau REST API documents.
pub const NAMESPACE: &str = "http://tableau.com/api";
