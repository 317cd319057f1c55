//! Rust source from the model: tokens with `quote`, formatted in-process with `prettyplease`.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use crate::model::{Model, Prim, Struct, Ty};

/// One generated file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct File {
    /// File name inside the output folder.
    pub name: &'static str,
    /// Full contents.
    pub contents: String,
}

fn prim_tokens(p: Prim) -> TokenStream {
    match p {
        Prim::Bool => quote!(bool),
        Prim::I32 => quote!(i32),
        Prim::I64 => quote!(i64),
        Prim::U64 => quote!(u64),
        Prim::DateTime => quote!(crate::DateTime),
        Prim::String => quote!(String),
    }
}

fn ty_tokens(t: &Ty) -> TokenStream {
    match t {
        Ty::Prim(p) => prim_tokens(*p),
        Ty::Alias(n, _) | Ty::Enum(n) | Ty::Struct(n) => {
            let i = format_ident!("{}", n);
            quote!(#i)
        }
    }
}

/// Doc attributes, one per line, each starting with a space (`/// text`).
fn docs(s: &str) -> TokenStream {
    let lines = s.lines().map(|l| {
        if l.is_empty() {
            String::new()
        } else {
            format!(" {l}")
        }
    });
    quote! { #( #[doc = #lines] )* }
}

fn field_ident(f: &str) -> proc_macro2::Ident {
    format_ident!("{}", f)
}

/// String-typed fields whose names say they hold a credential: names with `password`, `secret`,
/// `jwt` or `keychain`, names ending in `token` (not `pageToken`), and the `value` of a type
/// whose name says it is a secret.
pub fn is_secret(owner: &str, xml: &str, ty: &Ty) -> bool {
    if ty.prim() != Some(Prim::String) {
        return false;
    }
    if xml == "value" && owner.to_ascii_lowercase().contains("secret") {
        return true;
    }
    let l = xml.to_ascii_lowercase();
    ["password", "secret", "jwt", "keychain"]
        .iter()
        .any(|w| l.contains(w))
        || (l.ends_with("token") && !l.ends_with("pagetoken"))
}

fn ty_doc(xsd_ty: &str) -> String {
    if xsd_ty == "anonymous" {
        "an inline type".to_string()
    } else {
        format!("`{xsd_ty}`")
    }
}

fn struct_doc(s: &Struct) -> String {
    let mut d = if s.origin == "tsRequest" || s.origin == "tsResponse" {
        format!("The `<{}>` root element.", s.origin)
    } else if s.named {
        format!("The schema's complex type `{}`.", s.origin)
    } else {
        let (parent, el) = s.origin.rsplit_once('/').unwrap_or(("", &s.origin));
        format!("The inline type of the `<{el}>` element of `{parent}`.")
    };
    if !s.doc.is_empty() {
        d.push_str("\n\n");
        d.push_str(&s.doc);
    }
    if s.is_abstract {
        d.push_str(
            "\n\nAbstract in the schema: elements of this type carry an `xsi:type`; the fields of \
             every derived type are read into this one.",
        );
    }
    d
}

fn enums_file(model: &Model) -> TokenStream {
    let mut items = Vec::new();
    for a in &model.aliases {
        let name = format_ident!("{}", a.rust);
        let t = prim_tokens(a.prim);
        let mut doc = format!("The schema's simple type `{}`.", a.origin);
        if !a.facets.is_empty() {
            doc.push_str(&format!(
                " Facets (not enforced): `{}`.",
                a.facets.join("`, `")
            ));
        }
        let doc = docs(&doc);
        items.push(quote! {
            #doc
            pub type #name = #t;
        });
    }
    for e in &model.enums {
        let name = format_ident!("{}", e.rust);
        let doc = if e.named {
            format!("The schema's enumeration `{}`.", e.origin)
        } else {
            let (parent, field) = e.origin.rsplit_once('@').unwrap_or(("", &e.origin));
            format!("The values of `{field}` in `{parent}` (an inline enumeration of the schema).")
        };
        let doc = docs(&doc);
        let variants: Vec<_> = e
            .values
            .iter()
            .map(|(_, v)| format_ident!("{}", v))
            .collect();
        let values: Vec<_> = e.values.iter().map(|(x, _)| x.clone()).collect();
        let vdocs: Vec<_> = values.iter().map(|v| docs(&format!("`{v}`"))).collect();
        items.push(quote! {
            #doc
            #[derive(Debug, Clone, PartialEq, Eq, Hash)]
            pub enum #name {
                #( #vdocs #variants, )*
                /// A value this schema version does not list, kept as sent.
                Other(String),
            }

            impl #name {
                /// The value as written in XML.
                pub fn as_str(&self) -> &str {
                    match self {
                        #( Self::#variants => #values, )*
                        Self::Other(s) => s,
                    }
                }
            }

            impl std::str::FromStr for #name {
                type Err = std::convert::Infallible;
                fn from_str(s: &str) -> Result<Self, Self::Err> {
                    Ok(match s {
                        #( #values => Self::#variants, )*
                        other => Self::Other(other.to_owned()),
                    })
                }
            }

            impl std::fmt::Display for #name {
                fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                    f.write_str(self.as_str())
                }
            }

            impl crate::xml::XmlValue for #name {
                fn parse_xml(s: std::borrow::Cow<'_, str>) -> Option<Self> {
                    if s.is_empty() {
                        return None;
                    }
                    let Ok(v) = s.parse::<Self>();
                    Some(v)
                }
                fn xml_text(&self) -> std::borrow::Cow<'_, str> {
                    std::borrow::Cow::Borrowed(self.as_str())
                }
            }
        });
    }
    quote! {
        //! Enumerations and simple-type aliases of the schema.
        #![allow(
            clippy::enum_variant_names,
            clippy::upper_case_acronyms,
            reason = "variant names mirror the schema's values"
        )]
        #(#items)*
    }
}

fn structs_file(model: &Model) -> TokenStream {
    let mut items = Vec::new();
    for s in &model.structs {
        let name = format_ident!("{}", s.rust);
        let doc = docs(&struct_doc(s));
        let mut fields = Vec::new();
        let mut debug_fields = Vec::new();
        let mut has_secret = false;
        for a in &s.attrs {
            let f = field_ident(&a.field);
            let t = ty_tokens(&a.ty);
            let mut d = format!("The `{}` attribute ({}).", a.xml, ty_doc(&a.xsd_ty));
            if a.required {
                d.push_str(" Required by the schema in responses.");
            }
            let secret = is_secret(&s.origin, &a.xml, &a.ty);
            if secret {
                d.push_str(" A secret: redacted in `Debug`.");
                has_secret = true;
            }
            let d = docs(&d);
            fields.push(quote! { #d pub #f: Option<#t>, });
            let fname = a.field.clone();
            debug_fields.push(if secret {
                quote! { .field(#fname, &self.#f.as_ref().map(|_| "<redacted>")) }
            } else {
                quote! { .field(#fname, &self.#f) }
            });
        }
        for c in &s.children {
            let f = field_ident(&c.field);
            let t = ty_tokens(&c.ty);
            let mut d = if c.many {
                format!(
                    "The repeated `<{}>` child elements ({}).",
                    c.xml,
                    ty_doc(&c.xsd_ty)
                )
            } else {
                format!("The `<{}>` child element ({}).", c.xml, ty_doc(&c.xsd_ty))
            };
            let secret = is_secret(&s.origin, &c.xml, &c.ty);
            if secret {
                d.push_str(" A secret: redacted in `Debug`.");
                has_secret = true;
            }
            let ft = if c.many {
                quote!(Vec<#t>)
            } else if c.boxed {
                quote!(Option<Box<#t>>)
            } else {
                quote!(Option<#t>)
            };
            let d = docs(&d);
            fields.push(quote! { #d pub #f: #ft, });
            let fname = c.field.clone();
            debug_fields.push(match (secret, c.many) {
                (true, true) => quote! { .field(#fname, &self.#f.iter().map(|_| "<redacted>").collect::<Vec<_>>()) },
                (true, false) => quote! { .field(#fname, &self.#f.as_ref().map(|_| "<redacted>")) },
                _ => quote! { .field(#fname, &self.#f) },
            });
        }
        if let Some(p) = s.text {
            let t = prim_tokens(p);
            fields.push(quote! { #[doc = " The element's text content."] pub value: Option<#t>, });
            debug_fields.push(quote! { .field("value", &self.value) });
        }
        let sname = s.rust.clone();
        if has_secret {
            items.push(quote! {
                #doc
                #[derive(Clone, Default, PartialEq)]
                pub struct #name { #(#fields)* }

                impl std::fmt::Debug for #name {
                    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        f.debug_struct(#sname) #(#debug_fields)* .finish()
                    }
                }
            });
        } else {
            items.push(quote! {
                #doc
                #[derive(Debug, Clone, Default, PartialEq)]
                pub struct #name { #(#fields)* }
            });
        }
    }
    quote! {
        //! Structs of the schema's complex types and root elements.
        #[allow(unused_imports, reason = "not every schema version uses an enumeration")]
        use super::enums::*;
        #(#items)*
    }
}

fn read_file(model: &Model) -> TokenStream {
    let mut items = Vec::new();
    for s in &model.structs {
        let name = format_ident!("{}", s.rust);
        let mut methods = Vec::new();
        if !s.attrs.is_empty() {
            let arms = s.attrs.iter().map(|a| {
                let x = &a.xml;
                let f = field_ident(&a.field);
                quote! { #x => self.#f = attr_value(raw), }
            });
            methods.push(quote! {
                fn read_attr(&mut self, name: &str, raw: &str) {
                    match name {
                        #(#arms)*
                        _ => {}
                    }
                }
            });
        }
        if !s.children.is_empty() {
            let arms = s.children.iter().map(|c| {
                let x = &c.xml;
                let f = field_ident(&c.field);
                match (&c.ty, c.many, c.boxed) {
                    (Ty::Struct(_), true, _) => {
                        quote! { #x => read_push(&mut self.#f, rd, e, empty)?, }
                    }
                    (Ty::Struct(_), false, true) => {
                        quote! { #x => read_box(&mut self.#f, rd, e, empty)?, }
                    }
                    (Ty::Struct(_), false, false) => {
                        quote! { #x => read_opt(&mut self.#f, rd, e, empty)?, }
                    }
                    (_, true, _) => quote! {
                        #x => {
                            if let Some(v) = read_value_element(rd, e, empty)? {
                                self.#f.push(v);
                            }
                        }
                    },
                    (_, false, _) => quote! { #x => self.#f = read_value_element(rd, e, empty)?, },
                }
            });
            methods.push(quote! {
                fn read_child(
                    &mut self,
                    name: &str,
                    rd: &mut XmlReader<'_>,
                    e: &BytesStart<'_>,
                    empty: bool,
                ) -> Result<bool, Error> {
                    match name {
                        #(#arms)*
                        _ => return Ok(false),
                    }
                    Ok(true)
                }
            });
        }
        if s.text.is_some() {
            methods.push(quote! {
                const HAS_TEXT: bool = true;
                fn read_text(&mut self, text: String) {
                    self.value = XmlValue::parse_xml(std::borrow::Cow::Owned(text));
                }
            });
        }
        items.push(quote! {
            impl ReadXml for #name { #(#methods)* }
        });
    }
    quote! {
        //! Readers: one match on local element and attribute names per type.
        #![allow(clippy::single_match, reason = "every type gets the same match shape")]
        #[allow(unused_imports, reason = "not every import is used by every schema version")]
        use crate::xml::{ReadXml, XmlReader, XmlValue, attr_value, read_box, read_opt, read_push, read_value_element};
        #[allow(unused_imports, reason = "not every import is used by every schema version")]
        use crate::Error;
        #[allow(unused_imports, reason = "not every import is used by every schema version")]
        use quick_xml::events::BytesStart;
        use super::*;
        #(#items)*
    }
}

fn write_file(model: &Model) -> TokenStream {
    let mut items = Vec::new();
    for s in &model.structs {
        let name = format_ident!("{}", s.rust);
        let mut methods = Vec::new();
        if !s.attrs.is_empty() {
            let lines = s.attrs.iter().map(|a| {
                let x = &a.xml;
                let f = field_ident(&a.field);
                quote! { w.attr(#x, &self.#f)?; }
            });
            methods.push(quote! {
                fn write_attrs(&self, w: &mut XmlWriter) -> Result<(), Error> {
                    #(#lines)*
                    Ok(())
                }
            });
        }
        if !s.children.is_empty() || s.text.is_some() {
            let mut checks: Vec<TokenStream> = s
                .children
                .iter()
                .map(|c| {
                    let f = field_ident(&c.field);
                    if c.many {
                        quote!(!self.#f.is_empty())
                    } else {
                        quote!(self.#f.is_some())
                    }
                })
                .collect();
            let mut lines: Vec<TokenStream> = s
                .children
                .iter()
                .map(|c| {
                    let x = &c.xml;
                    let f = field_ident(&c.field);
                    match (&c.ty, c.many) {
                        (Ty::Struct(_), true) => quote! { w.children(#x, &self.#f)?; },
                        (Ty::Struct(_), false) => quote! { w.child(#x, self.#f.as_ref())?; },
                        (_, true) => quote! { w.value_children(#x, &self.#f)?; },
                        (_, false) => quote! { w.value_child(#x, self.#f.as_ref())?; },
                    }
                })
                .collect();
            if s.text.is_some() {
                checks.push(quote!(self.value.is_some()));
                lines.push(quote! { w.text(self.value.as_ref())?; });
            }
            methods.push(quote! {
                fn has_content(&self) -> bool {
                    #(#checks)||*
                }
                fn write_content(&self, w: &mut XmlWriter) -> Result<(), Error> {
                    #(#lines)*
                    Ok(())
                }
            });
        }
        items.push(quote! {
            impl WriteXml for #name { #(#methods)* }
        });
    }
    quote! {
        //! Writers: attributes and children in schema order, only what is set.
        #[allow(unused_imports, reason = "not every import is used by every schema version")]
        use crate::xml::{WriteXml, XmlWriter};
        use crate::Error;
        use super::*;
        #(#items)*
    }
}

fn mod_file() -> TokenStream {
    quote! {
        //! Every type of the Tableau REST API schema, generated from the XSD.
        //!
        //! Names: XSD type names in PascalCase (`userType` -> [`UserType`]); an inline
        //! enumeration or complex type is named from its parent type (trailing `Type` dropped)
        //! plus the attribute or element name (`siteType`/`adminMode` -> [`SiteAdminMode`]).
        //! Fields are the snake_case XML names; attributes and single children are `Option`,
        //! repeated children `Vec`.
        mod enums;
        mod read;
        mod structs;
        mod write;
        pub use enums::*;
        pub use structs::*;
    }
}

/// Formats tokens and puts the preamble in front.
fn render(tokens: TokenStream, preamble: &str) -> Result<String, String> {
    let file: syn::File =
        syn::parse2(tokens).map_err(|e| format!("generated code does not parse: {e}"))?;
    let code = prettyplease::unparse(&file);
    // a blank line between top-level items, for reading and reviewing diffs
    let mut out = String::with_capacity(code.len() + code.len() / 20);
    let mut prev_closed_item = false;
    for line in code.lines() {
        if prev_closed_item && !line.is_empty() {
            out.push('\n');
        }
        out.push_str(line);
        out.push('\n');
        prev_closed_item = line == "}" || (line.starts_with("pub type ") && line.ends_with(';'));
    }
    Ok(format!("{preamble}{out}"))
}

/// All generated files for `model`.
pub fn files(model: &Model, xsd_name: &str, sha256: &str) -> Result<Vec<File>, String> {
    let preamble = format!(
        "// @generated by `cargo xtask codegen` from schema/{xsd_name}; do not edit by hand.\n\
         // XSD: {xsd_name}\n\
         // XSD sha256: {sha256}\n\n"
    );
    let mod_src = render(mod_file(), &preamble)?;
    let mod_src = mod_src.replace(
        "SiteAdminMode`]",
        if model.enums.iter().any(|e| e.rust == "SiteAdminMode") {
            "SiteAdminMode`]"
        } else {
            "SiteAdminMode`"
        },
    );
    Ok(vec![
        File {
            name: "mod.rs",
            contents: mod_src,
        },
        File {
            name: "enums.rs",
            contents: render(enums_file(model), &preamble)?,
        },
        File {
            name: "structs.rs",
            contents: render(structs_file(model), &preamble)?,
        },
        File {
            name: "read.rs",
            contents: render(read_file(model), &preamble)?,
        },
        File {
            name: "write.rs",
            contents: render(write_file(model), &preamble)?,
        },
    ])
}
