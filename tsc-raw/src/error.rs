//! The error of reading and writing XML.

/// What went wrong reading or writing a Tableau XML document.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The document is not well-formed XML (or ends early). Where it failed is given as a byte
    /// offset, a 1-based line, and the innermost element being read.
    #[error(
        "unreadable XML at line {line} (byte {offset}){}: {message}; the document is not well-formed",
        in_element(element)
    )]
    Read {
        /// Byte offset into the document.
        offset: u64,
        /// 1-based line number.
        line: u64,
        /// The innermost element being read, if any.
        element: Option<String>,
        /// What the XML reader reported.
        message: String,
    },
    /// The root element is not the one expected (e.g. a `tsRequest` given to
    /// `TsResponse::from_xml`, or an HTML error page).
    #[error(
        "expected the root element <{expected}>, found <{found}>; is this a Tableau REST API document?"
    )]
    UnexpectedRoot {
        /// The expected root element.
        expected: &'static str,
        /// The root element found (empty when the document has none).
        found: String,
    },
    /// A value cannot be written as XML 1.0 (e.g. it contains a control character).
    #[error("cannot write <{element}>: {message}; remove the character from the value")]
    Write {
        /// The element (or `element@attribute`) being written.
        element: String,
        /// What is wrong.
        message: String,
    },
}

fn in_element(e: &Option<String>) -> String {
    match e {
        Some(e) => format!(" in <{e}>"),
        None => String::new(),
    }
}

impl Error {
    /// Fills in the element being read, if no inner element did already.
    pub(crate) fn in_element(mut self, name: &str) -> Self {
        if let Error::Read { element, .. } = &mut self {
            if element.is_none() {
                *element = Some(name.to_string());
            }
        }
        self
    }
}
