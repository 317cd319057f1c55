//! Every request and response type of the Tableau Server REST API (schema 3.29), generated from
//! Tableau's XSD by `cargo xtask codegen`, with a lenient reader and a strict writer.
//!
//! Use it directly for endpoints the `tsc` client does not wrap yet:
//!
//! ```
//! use tsc_raw::{TsRequest, TsResponse, UserType, SiteRoleType};
//!
//! let xml = r#"<tsResponse xmlns="http://tableau.com/api">
//!   <pagination pageNumber="1" pageSize="100" totalAvailable="1"/>
//!   <users><user id="u1" name="alice" siteRole="Creator" lastLogin=""/></users>
//! </tsResponse>"#;
//! let resp = TsResponse::from_xml(xml)?;
//! let users = resp.users.as_ref().map(|u| u.user.as_slice()).unwrap_or_default();
//! assert_eq!(users[0].name.as_deref(), Some("alice"));
//! assert_eq!(users[0].site_role, Some(SiteRoleType::Creator));
//! assert_eq!(users[0].last_login, None); // empty means absent
//!
//! let req = TsRequest {
//!     user: Some(Box::new(UserType { name: Some("bob".into()), site_role: Some(SiteRoleType::Viewer), ..Default::default() })),
//!     ..Default::default()
//! };
//! assert_eq!(req.to_xml()?, r#"<tsRequest><user name="bob" siteRole="Viewer"/></tsRequest>"#);
//! # Ok::<(), tsc_raw::Error>(())
//! ```
//!
//! # Naming
//! XSD type names in PascalCase (`userType` -> [`UserType`]), fields in snake_case of the XML
//! name (`type` -> `type_`). Attributes and single child elements are `Option`, repeated child
//! elements `Vec`, list wrappers keep the schema's shape ([`UserListType`] has `user: Vec<UserType>`).
//! An inline enumeration or complex type is named from its parent type without the trailing
//! `Type`, plus the attribute or element name ([`SiteAdminMode`]); when that name is taken, the
//! parent keeps its `Type` ([`ExtractTypeType`]). An element with simple content keeps its text
//! in a `value` field.
//!
//! # Reading and writing
//! [`TsResponse::from_xml`] and [`TsRequest::from_xml`] read leniently: namespace prefixes are
//! ignored, children may come in any order, unknown elements and attributes are skipped,
//! booleans may be `true`/`false`/`True`/`False`/`1`/`0`, an empty or unparsable value of a
//! non-string type is treated as absent, dates are kept raw ([`DateTime`]) and enumerations keep
//! unknown values (`Other(String)`). String attributes keep an empty value (`contentUrl=""` is
//! the default site). `to_xml` writes only what is set, with canonical values, escaped;
//! responses carry `xmlns="http://tableau.com/api"`, requests no namespace.

mod datetime;
mod error;
#[rustfmt::skip]
mod generated;
mod xml;

pub use datetime::DateTime;
pub use error::Error;
pub use generated::*;
pub use xml::NAMESPACE;

impl TsResponse {
    /// Reads a `<tsResponse>` document leniently (see the crate docs).
    ///
    /// # Errors
    /// [`Error::Read`] when the text is not well-formed XML, [`Error::UnexpectedRoot`] when the
    /// root element is not `tsResponse`.
    pub fn from_xml(xml: &str) -> Result<TsResponse, Error> {
        xml::from_xml_root(xml, "tsResponse")
    }

    /// Writes the response with `xmlns="http://tableau.com/api"`, as Tableau Server does.
    ///
    /// # Errors
    /// [`Error::Write`] when a value holds a character XML 1.0 cannot carry.
    pub fn to_xml(&self) -> Result<String, Error> {
        let mut w = xml::XmlWriter::new();
        xml::write_element(&mut w, "tsResponse", self, Some(NAMESPACE))?;
        Ok(w.finish())
    }

    /// The `<error>` of an error response, if this is one.
    pub fn api_error(&self) -> Option<&ErrorType> {
        self.error.as_deref()
    }
}

impl TsRequest {
    /// Reads a `<tsRequest>` document leniently (see the crate docs).
    ///
    /// # Errors
    /// [`Error::Read`] when the text is not well-formed XML, [`Error::UnexpectedRoot`] when the
    /// root element is not `tsRequest`.
    pub fn from_xml(xml: &str) -> Result<TsRequest, Error> {
        xml::from_xml_root(xml, "tsRequest")
    }

    /// Writes the request without a namespace, as Tableau Server accepts it.
    ///
    /// # Errors
    /// [`Error::Write`] when a value holds a character XML 1.0 cannot carry.
    pub fn to_xml(&self) -> Result<String, Error> {
        let mut w = xml::XmlWriter::new();
        xml::write_element(&mut w, "tsRequest", self, None)?;
        Ok(w.finish())
    }
}
