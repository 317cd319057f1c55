//! A tiny element tree of the XSD, read with quick-xml.

use quick_xml::events::{BytesStart, Event};

/// One XSD element: local name (the `xs:` prefix stripped), attributes and child elements.
#[derive(Debug, Clone)]
pub struct Node {
    /// Local name, e.g. `complexType`.
    pub name: String,
    /// Attributes in document order.
    pub attrs: Vec<(String, String)>,
    /// Child elements.
    pub children: Vec<Node>,
    /// Text directly inside (used by `xs:documentation`).
    pub text: String,
    /// 1-based line of the start tag, for error messages.
    pub line: usize,
}

impl Node {
    /// The value of attribute `name`.
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Children called `name`.
    pub fn kids<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Node> + 'a {
        self.children.iter().filter(move |c| c.name == name)
    }
}

fn line_of(src: &str, pos: u64) -> usize {
    let pos = usize::try_from(pos).unwrap_or(usize::MAX).min(src.len());
    src.as_bytes()[..pos]
        .iter()
        .filter(|b| **b == b'\n')
        .count()
        + 1
}

fn node_from(e: &BytesStart<'_>, src: &str, pos: u64) -> Result<Node, String> {
    let qname = e.name();
    let name = qname.local_name().as_ref().to_string();
    let mut attrs = Vec::new();
    for a in e.attributes() {
        let a = a.map_err(|err| format!("line {}: bad attribute: {err}", line_of(src, pos)))?;
        let key = a.key.as_ref().to_string();
        let value = a
            .normalized_value(quick_xml::XmlVersion::Implicit1_0)
            .map_err(|err| format!("line {}: bad attribute value: {err}", line_of(src, pos)))?;
        attrs.push((key, value.into_owned()));
    }
    Ok(Node {
        name,
        attrs,
        children: Vec::new(),
        text: String::new(),
        line: line_of(src, pos),
    })
}

/// Parses `src` into the tree of its root element.
pub fn parse(src: &str) -> Result<Node, String> {
    let mut reader = quick_xml::Reader::from_str(src);
    let mut stack: Vec<Node> = Vec::new();
    loop {
        let pos = reader.buffer_position();
        let ev = reader.read_event().map_err(|e| {
            format!(
                "line {}: XML error: {e}",
                line_of(src, reader.error_position())
            )
        })?;
        match ev {
            Event::Start(e) => stack.push(node_from(&e, src, pos)?),
            Event::Empty(e) => {
                let n = node_from(&e, src, pos)?;
                match stack.last_mut() {
                    Some(parent) => parent.children.push(n),
                    None => return Ok(n),
                }
            }
            Event::End(_) => {
                let n = stack.pop().ok_or("unbalanced end tag")?;
                match stack.last_mut() {
                    Some(parent) => parent.children.push(n),
                    None => return Ok(n),
                }
            }
            Event::Text(t) => {
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&t.xml10_content());
                }
            }
            Event::Eof => return Err("unexpected end of the XSD".into()),
            _ => {}
        }
    }
}
