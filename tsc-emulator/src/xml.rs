//! A minimal XML element tree: enough to read `tsRequest` bodies and write `tsResponse` bodies.

use quick_xml::Reader;
use quick_xml::events::Event;

/// One XML element with its attributes (in insertion order), children and text.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct El {
    pub name: String,
    pub attrs: Vec<(String, String)>,
    pub children: Vec<El>,
    pub text: Option<String>,
}

impl El {
    pub fn new(name: &str) -> Self {
        El {
            name: name.to_string(),
            ..Default::default()
        }
    }

    /// Adds an attribute (builder style).
    pub fn attr(mut self, name: &str, value: impl Into<String>) -> Self {
        self.attrs.push((name.to_string(), value.into()));
        self
    }

    /// Adds an attribute when the value is present.
    pub fn attr_opt(self, name: &str, value: Option<impl Into<String>>) -> Self {
        match value {
            Some(v) => self.attr(name, v),
            None => self,
        }
    }

    pub fn child(mut self, child: El) -> Self {
        self.children.push(child);
        self
    }

    pub fn child_opt(mut self, child: Option<El>) -> Self {
        if let Some(c) = child {
            self.children.push(c);
        }
        self
    }

    pub fn children(mut self, children: impl IntoIterator<Item = El>) -> Self {
        self.children.extend(children);
        self
    }

    pub fn text(mut self, text: impl Into<String>) -> Self {
        self.text = Some(text.into());
        self
    }

    /// Attribute value by local name (any namespace prefix ignored).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Attribute value, `None` when absent or empty.
    pub fn get_nonempty(&self, name: &str) -> Option<&str> {
        self.get(name).filter(|v| !v.is_empty())
    }

    /// First child with the given local name.
    pub fn find(&self, name: &str) -> Option<&El> {
        self.children.iter().find(|c| c.name == name)
    }

    /// All children with the given local name.
    pub fn find_all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a El> + 'a {
        self.children.iter().filter(move |c| c.name == name)
    }

    /// Writes this element as the document root with the Tableau namespace.
    pub fn to_document(&self) -> String {
        let mut out = String::with_capacity(256);
        out.push_str("<?xml version='1.0' encoding='UTF-8'?>");
        self.write(&mut out, true);
        out
    }

    fn write(&self, out: &mut String, root: bool) {
        out.push('<');
        out.push_str(&self.name);
        if root {
            out.push_str(" xmlns=\"http://tableau.com/api\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xsi:schemaLocation=\"http://tableau.com/api https://help.tableau.com/samples/en-us/rest_api/ts-api_3_28.xsd\"");
        }
        for (k, v) in &self.attrs {
            out.push(' ');
            out.push_str(k);
            out.push_str("=\"");
            escape_into(out, v);
            out.push('"');
        }
        if self.children.is_empty() && self.text.is_none() {
            out.push_str("/>");
            return;
        }
        out.push('>');
        if let Some(t) = &self.text {
            for c in t.chars() {
                match c {
                    '<' => out.push_str("&lt;"),
                    '>' => out.push_str("&gt;"),
                    '&' => out.push_str("&amp;"),
                    c => out.push(c),
                }
            }
        }
        for c in &self.children {
            c.write(out, false);
        }
        out.push_str("</");
        out.push_str(&self.name);
        out.push('>');
    }

    /// Parses a document and returns its root element. Namespace prefixes are dropped.
    pub fn parse(input: &str) -> Result<El, String> {
        let mut reader = Reader::from_str(input);
        let mut stack: Vec<El> = Vec::new();
        let mut root: Option<El> = None;
        loop {
            let ev = reader
                .read_event()
                .map_err(|e| format!("malformed XML: {e}"))?;
            match ev {
                Event::Start(s) => {
                    stack.push(start_el(&s)?);
                }
                Event::Empty(s) => {
                    let el = start_el(&s)?;
                    match stack.last_mut() {
                        Some(parent) => parent.children.push(el),
                        None => {
                            root.get_or_insert(el);
                        }
                    }
                }
                Event::End(_) => {
                    let mut el = stack.pop().ok_or("unbalanced end tag")?;
                    if el.text.as_deref().is_some_and(|t| t.trim().is_empty()) {
                        el.text = None;
                    }
                    match stack.last_mut() {
                        Some(parent) => parent.children.push(el),
                        None => {
                            root.get_or_insert(el);
                        }
                    }
                }
                Event::Text(t) => {
                    if let Some(cur) = stack.last_mut() {
                        let s = t.xml10_content();
                        cur.text.get_or_insert_with(String::new).push_str(&s);
                    }
                }
                Event::CData(t) => {
                    if let Some(cur) = stack.last_mut() {
                        let s: &str = &t;
                        cur.text.get_or_insert_with(String::new).push_str(&s);
                    }
                }
                Event::GeneralRef(r) => {
                    if let Some(cur) = stack.last_mut() {
                        let resolved = match r.resolve_char_ref() {
                            Ok(Some(c)) => c.to_string(),
                            _ => {
                                let name: &str = &r;
                                quick_xml::escape::unescape(&format!("&{name};"))
                                    .map_err(|e| format!("bad entity: {e}"))?
                                    .into_owned()
                            }
                        };
                        cur.text.get_or_insert_with(String::new).push_str(&resolved);
                    }
                }
                Event::Eof => break,
                _ => {}
            }
        }
        if !stack.is_empty() {
            return Err("unexpected end of document".into());
        }
        root.ok_or_else(|| "empty document".to_string())
    }
}

fn local(name: &str) -> String {
    match name.rsplit_once(':') {
        Some((_, l)) => l.to_string(),
        None => name.to_string(),
    }
}

fn start_el(s: &quick_xml::events::BytesStart<'_>) -> Result<El, String> {
    let mut el = El::new(&local(s.name().as_ref()));
    for a in s.attributes() {
        let a = a.map_err(|e| format!("bad attribute: {e}"))?;
        let key = a.key.as_ref();
        if key.starts_with("xmlns") {
            continue;
        }
        let v = a
            .normalized_value(quick_xml::XmlVersion::Implicit1_0)
            .map_err(|e| format!("bad attribute value: {e}"))?;
        el.attrs.push((local(key), v.into_owned()));
    }
    Ok(el)
}

fn escape_into(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            '\t' => out.push_str("&#9;"),
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_with_prefixes_and_escapes() {
        let el = El::parse(
            r#"<?xml version="1.0"?><ts:tsRequest xmlns:ts="http://tableau.com/api"><user name="a&amp;b" siteRole="Viewer"><x>t &lt; u</x></user></ts:tsRequest>"#,
        )
        .unwrap();
        assert_eq!(el.name, "tsRequest");
        let user = el.find("user").unwrap();
        assert_eq!(user.get("name"), Some("a&b"));
        assert_eq!(user.find("x").unwrap().text.as_deref(), Some("t < u"));
        let doc = El::new("tsResponse")
            .child(El::new("user").attr("name", "a\"<b"))
            .to_document();
        assert!(doc.contains(r#"<user name="a&quot;&lt;b"/>"#));
        assert!(doc.contains(r#"xmlns="http://tableau.com/api""#));
    }

    #[test]
    fn malformed_is_an_error() {
        assert!(El::parse("<tsRequest><user></tsRequest>").is_err());
        assert!(El::parse("").is_err());
    }
}
