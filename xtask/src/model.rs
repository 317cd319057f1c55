//! The XSD turned into a small model of Rust types: structs, enums and aliases.
//!
//! Only the constructs the Tableau schema uses are accepted; anything else is an error that names
//! the construct and its line, so a new schema version cannot be half-understood silently.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::dom::Node;
use crate::fixups::Fixups;

/// A primitive value type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Prim {
    /// `xs:boolean`
    Bool,
    /// `xs:int`
    I32,
    /// `xs:integer`, `xs:long`
    I64,
    /// `xs:nonNegativeInteger`, `xs:positiveInteger`
    U64,
    /// `xs:dateTime`
    DateTime,
    /// Everything else that is text.
    String,
}

/// The type of a field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ty {
    /// A primitive.
    Prim(Prim),
    /// A named simple type that is a plain alias of a primitive.
    Alias(String, Prim),
    /// A generated enum.
    Enum(String),
    /// A generated struct.
    Struct(String),
}

impl Ty {
    /// The primitive behind an alias or primitive.
    pub fn prim(&self) -> Option<Prim> {
        match self {
            Ty::Prim(p) | Ty::Alias(_, p) => Some(*p),
            _ => None,
        }
    }
}

/// An XML attribute of a struct.
#[derive(Debug, Clone)]
pub struct Attr {
    /// XML name.
    pub xml: String,
    /// Rust field name.
    pub field: String,
    /// Field type.
    pub ty: Ty,
    /// The XSD type name as written (for docs).
    pub xsd_ty: String,
    /// `use="required"`.
    pub required: bool,
}

/// A child element of a struct.
#[derive(Debug, Clone)]
pub struct Child {
    /// XML name.
    pub xml: String,
    /// Rust field name.
    pub field: String,
    /// Field type.
    pub ty: Ty,
    /// The XSD type name as written (for docs).
    pub xsd_ty: String,
    /// `maxOccurs > 1` (on the element or an enclosing particle): a `Vec`.
    pub many: bool,
    /// Recursive: boxed.
    pub boxed: bool,
}

/// A generated struct.
#[derive(Debug, Clone)]
pub struct Struct {
    /// Where it comes from, e.g. `userType` or `flowRunSpecType/flowOutputSteps`.
    pub origin: String,
    /// Rust name.
    pub rust: String,
    /// Declared as a named `xs:complexType`.
    pub named: bool,
    /// Attributes.
    pub attrs: Vec<Attr>,
    /// Child elements.
    pub children: Vec<Child>,
    /// Simple content (`xs:simpleContent`).
    pub text: Option<Prim>,
    /// Schema documentation.
    pub doc: String,
    /// `abstract="true"`.
    pub is_abstract: bool,
    /// The XSD type this one extends (`xs:complexContent/xs:extension`).
    pub base: Option<String>,
}

/// A generated enum.
#[derive(Debug, Clone)]
pub struct EnumDef {
    /// Where it comes from, e.g. `siteRoleType` or `siteType@adminMode`.
    pub origin: String,
    /// Rust name.
    pub rust: String,
    /// Declared as a named `xs:simpleType`.
    pub named: bool,
    /// (XML value, Rust variant).
    pub values: Vec<(String, String)>,
}

/// A named simple type that is an alias of a primitive.
#[derive(Debug, Clone)]
pub struct AliasDef {
    /// XSD name.
    pub origin: String,
    /// Rust name.
    pub rust: String,
    /// The primitive.
    pub prim: Prim,
    /// Facets, for docs (`pattern`, ranges).
    pub facets: Vec<String>,
}

/// The whole schema as Rust types.
#[derive(Debug, Clone, Default)]
pub struct Model {
    /// Structs in schema order (roots first).
    pub structs: Vec<Struct>,
    /// Enums in schema order.
    pub enums: Vec<EnumDef>,
    /// Aliases in schema order.
    pub aliases: Vec<AliasDef>,
}

impl Model {
    /// The struct called `rust`.
    pub fn strukt(&self, rust: &str) -> Option<&Struct> {
        self.structs.iter().find(|s| s.rust == rust)
    }
}

/// PascalCase of an XML name: first letter upper-cased, non-alphanumerics dropped (each following
/// letter upper-cased).
pub fn pascal(name: &str) -> String {
    let mut out = String::new();
    let mut up = true;
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            if up {
                out.extend(c.to_uppercase());
            } else {
                out.push(c);
            }
            up = false;
        } else {
            up = true;
        }
    }
    out
}

const KEYWORDS: &[&str] = &[
    "as", "async", "await", "box", "break", "const", "continue", "crate", "dyn", "else", "enum",
    "extern", "false", "fn", "for", "gen", "if", "impl", "in", "let", "loop", "match", "mod",
    "move", "mut", "pub", "ref", "return", "self", "static", "struct", "super", "trait", "true",
    "try", "type", "unsafe", "use", "where", "while", "yield", "abstract", "become", "do", "final",
    "macro", "override", "priv", "typeof", "unsized", "virtual",
];

/// snake_case of an XML name; Rust keywords get a trailing underscore.
pub fn snake(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    let mut out = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if !c.is_ascii_alphanumeric() {
            if !out.ends_with('_') && !out.is_empty() {
                out.push('_');
            }
            continue;
        }
        if c.is_ascii_uppercase() && i > 0 {
            let prev = chars[i - 1];
            let next_lower = chars.get(i + 1).is_some_and(|n| n.is_ascii_lowercase());
            if (prev.is_ascii_lowercase()
                || prev.is_ascii_digit()
                || (prev.is_ascii_uppercase() && next_lower))
                && !out.ends_with('_')
            {
                out.push('_');
            }
        }
        out.push(c.to_ascii_lowercase());
    }
    if KEYWORDS.contains(&out.as_str()) {
        out.push('_');
    }
    out
}

/// The name an anonymous type gets from its parent: parent without a trailing `Type`, plus the
/// PascalCase attribute or element name. When that name is already taken (`extractType` with
/// an inline `type` enumeration would give `ExtractType` again), the parent keeps its `Type`:
/// `ExtractTypeType`.
fn anon_name(parent_rust: &str, xml: &str, taken: &dyn Fn(&str) -> bool) -> String {
    let base = parent_rust.strip_suffix("Type").unwrap_or(parent_rust);
    let short = format!("{base}{}", pascal(xml));
    if taken(&short) {
        format!("{parent_rust}{}", pascal(xml))
    } else {
        short
    }
}

fn is_many(n: &Node) -> Result<bool, String> {
    match n.attr("maxOccurs") {
        None => Ok(false),
        Some("unbounded") => Ok(true),
        Some(v) => v
            .parse::<u64>()
            .map(|m| m > 1)
            .map_err(|_| format!("line {}: bad maxOccurs {v:?}", n.line)),
    }
}

fn builtin(name: &str, line: usize) -> Result<Prim, String> {
    Ok(match name {
        "boolean" => Prim::Bool,
        "int" => Prim::I32,
        "integer" | "long" => Prim::I64,
        "nonNegativeInteger" | "positiveInteger" => Prim::U64,
        "dateTime" => Prim::DateTime,
        "string" | "anyURI" | "time" | "decimal" | "anySimpleType" => Prim::String,
        other => return Err(format!("line {line}: unsupported built-in type xs:{other}")),
    })
}

fn doc_of(n: &Node) -> String {
    let mut out = String::new();
    for a in n.kids("annotation") {
        for d in a.kids("documentation") {
            let t = d.text.split_whitespace().collect::<Vec<_>>().join(" ");
            if !t.is_empty() {
                out.push_str(&t);
            }
        }
    }
    out
}

fn unsupported(n: &Node, ctx: &str) -> String {
    format!(
        "line {}: unsupported XSD construct xs:{} in {ctx}",
        n.line, n.name
    )
}

/// What a simple type turned out to be.
enum Simple {
    Prim(Prim, Vec<String>),
    Enum(Vec<String>),
}

fn restriction(r: &Node) -> Result<Simple, String> {
    let base = r
        .attr("base")
        .ok_or_else(|| format!("line {}: restriction without base", r.line))?;
    let base = base
        .strip_prefix("xs:")
        .ok_or_else(|| format!("line {}: restriction of a non-built-in type {base}", r.line))?;
    let prim = builtin(base, r.line)?;
    let mut values = Vec::new();
    let mut facets = Vec::new();
    for f in &r.children {
        match f.name.as_str() {
            "enumeration" => values.push(f.attr("value").unwrap_or_default().to_string()),
            "pattern" | "minInclusive" | "maxInclusive" | "minLength" | "maxLength"
            | "whiteSpace" => {
                facets.push(format!(
                    "{}={}",
                    f.name,
                    f.attr("value").unwrap_or_default()
                ));
            }
            "annotation" => {}
            _ => return Err(unsupported(f, "xs:restriction")),
        }
    }
    if !values.is_empty() && prim == Prim::String {
        Ok(Simple::Enum(values))
    } else {
        Ok(Simple::Prim(prim, facets))
    }
}

fn simple_type(st: &Node) -> Result<Simple, String> {
    let mut found = None;
    for c in &st.children {
        match c.name.as_str() {
            "annotation" => {}
            "restriction" => found = Some(restriction(c)?),
            "union" => {
                if c.attr("memberTypes").is_some() {
                    return Err(format!(
                        "line {}: xs:union with memberTypes is not supported",
                        c.line
                    ));
                }
                let mut values = Vec::new();
                let mut prims = Vec::new();
                for m in &c.children {
                    if m.name != "simpleType" {
                        return Err(unsupported(m, "xs:union"));
                    }
                    match simple_type(m)? {
                        Simple::Enum(v) => values.extend(v),
                        Simple::Prim(p, f) => prims.push((p, f)),
                    }
                }
                found = Some(if !values.is_empty() {
                    Simple::Enum(values)
                } else if prims
                    .iter()
                    .all(|(p, _)| *p == Prim::I64 || *p == Prim::U64)
                {
                    Simple::Prim(Prim::I64, prims.into_iter().flat_map(|(_, f)| f).collect())
                } else {
                    Simple::Prim(Prim::String, Vec::new())
                });
            }
            _ => return Err(unsupported(c, "xs:simpleType")),
        }
    }
    found.ok_or_else(|| format!("line {}: empty xs:simpleType", st.line))
}

struct Ctx<'a> {
    simple: HashMap<String, &'a Node>,
    complex: HashMap<String, &'a Node>,
    groups: HashMap<String, &'a Node>,
    attr_groups: HashMap<String, &'a Node>,
    fixups: &'a mut Fixups,
    model: Model,
    /// Rust names taken, with their origin.
    taken: BTreeMap<String, String>,
    /// Rust names of all named types (taken or to be taken).
    reserved: BTreeSet<String>,
}

impl Ctx<'_> {
    fn anon(&self, parent_rust: &str, xml: &str) -> String {
        anon_name(parent_rust, xml, &|n: &str| {
            self.reserved.contains(n) || self.taken.contains_key(n)
        })
    }

    fn claim(&mut self, rust: &str, origin: &str) -> Result<(), String> {
        if let Some(prev) = self.taken.insert(rust.to_string(), origin.to_string()) {
            return Err(format!(
                "type name collision: {rust} is generated for both {prev} and {origin}; add a \
                 RenameType fixup in xtask/src/fixups.rs"
            ));
        }
        Ok(())
    }

    fn add_enum(
        &mut self,
        origin: &str,
        rust: String,
        named: bool,
        raw: Vec<String>,
    ) -> Result<String, String> {
        let rust = self.fixups.rename_type(origin, rust);
        self.claim(&rust, origin)?;
        let mut values: Vec<(String, String)> = Vec::new();
        let mut seen = BTreeSet::new();
        for v in raw {
            if values.iter().any(|(x, _)| *x == v) {
                continue;
            }
            let mut var = pascal(&v);
            if var.is_empty() {
                var = "Empty".into();
            }
            if var.starts_with(|c: char| c.is_ascii_digit()) {
                var = format!("V{var}");
            }
            if var == "Other" {
                var = "OtherValue".into();
            }
            if !seen.insert(var.clone()) {
                return Err(format!(
                    "enum {origin}: two values give the variant name {var}"
                ));
            }
            values.push((v, var));
        }
        self.model.enums.push(EnumDef {
            origin: origin.to_string(),
            rust: rust.clone(),
            named,
            values,
        });
        Ok(rust)
    }

    /// The type of a `type="..."` reference.
    fn type_ref(&self, name: &str, line: usize) -> Result<Ty, String> {
        if let Some(b) = name.strip_prefix("xs:") {
            return Ok(Ty::Prim(builtin(b, line)?));
        }
        let rust = self.fixups.renamed(name).unwrap_or_else(|| pascal(name));
        if let Some(e) = self.model.enums.iter().find(|e| e.origin == name) {
            return Ok(Ty::Enum(e.rust.clone()));
        }
        if let Some(a) = self.model.aliases.iter().find(|a| a.origin == name) {
            return Ok(Ty::Alias(a.rust.clone(), a.prim));
        }
        if self.complex.contains_key(name) {
            return Ok(Ty::Struct(rust));
        }
        Err(format!("line {line}: unknown type {name}"))
    }

    /// The type of an attribute or element with an inline `xs:simpleType`.
    fn inline_simple(
        &mut self,
        st: &Node,
        parent_rust: &str,
        parent_origin: &str,
        xml: &str,
    ) -> Result<Ty, String> {
        match simple_type(st)? {
            Simple::Prim(p, _) => Ok(Ty::Prim(p)),
            Simple::Enum(values) => {
                let origin = format!("{parent_origin}@{xml}");
                let rust = self.add_enum(&origin, self.anon(parent_rust, xml), false, values)?;
                Ok(Ty::Enum(rust))
            }
        }
    }

    fn attribute(&mut self, a: &Node, s: &mut Struct) -> Result<(), String> {
        for c in &a.children {
            if c.name != "simpleType" && c.name != "annotation" {
                return Err(unsupported(c, "xs:attribute"));
            }
        }
        if a.attr("ref").is_some() {
            return Err(format!(
                "line {}: xs:attribute ref= is not supported",
                a.line
            ));
        }
        let xml = a
            .attr("name")
            .ok_or_else(|| format!("line {}: attribute without name", a.line))?;
        let (ty, xsd_ty) = match (a.attr("type"), a.kids("simpleType").next()) {
            (Some(t), None) => (self.type_ref(t, a.line)?, t.to_string()),
            (None, Some(st)) => (
                self.inline_simple(st, &s.rust, &s.origin, xml)?,
                "anonymous".into(),
            ),
            (None, None) => (Ty::Prim(Prim::String), "xs:anySimpleType".into()),
            (Some(_), Some(_)) => {
                return Err(format!(
                    "line {}: attribute with type and simpleType",
                    a.line
                ));
            }
        };
        if let Ty::Struct(_) = ty {
            return Err(format!(
                "line {}: attribute {xml} has a complex type",
                a.line
            ));
        }
        if s.attrs.iter().any(|x| x.xml == xml) {
            return Err(format!(
                "line {}: attribute {xml} declared twice in {}",
                a.line, s.origin
            ));
        }
        s.attrs.push(Attr {
            xml: xml.to_string(),
            field: snake(xml),
            ty,
            xsd_ty,
            required: a.attr("use") == Some("required"),
        });
        Ok(())
    }

    fn element(&mut self, e: &Node, many: bool, s: &mut Struct) -> Result<(), String> {
        if e.attr("ref").is_some() {
            return Err(format!("line {}: xs:element ref= is not supported", e.line));
        }
        let xml = e
            .attr("name")
            .ok_or_else(|| format!("line {}: element without name", e.line))?;
        let many = many || is_many(e)?;
        let inline_ct = e.kids("complexType").next();
        let inline_st = e.kids("simpleType").next();
        for c in &e.children {
            if !matches!(c.name.as_str(), "complexType" | "simpleType" | "annotation") {
                return Err(unsupported(c, "xs:element"));
            }
        }
        let (ty, xsd_ty) = match (e.attr("type"), inline_ct, inline_st) {
            (Some(t), None, None) => (self.type_ref(t, e.line)?, t.to_string()),
            (None, Some(ct), None) => {
                let origin = format!("{}/{xml}", s.origin);
                let rust = self.fixups.rename_type(&origin, self.anon(&s.rust, xml));
                self.complex_type(ct, &origin, &rust, false)?;
                (Ty::Struct(rust), "anonymous".into())
            }
            (None, None, Some(st)) => (
                self.inline_simple(st, &s.rust, &s.origin, xml)?,
                "anonymous".into(),
            ),
            (None, None, None) => (Ty::Prim(Prim::String), "xs:anyType".into()),
            _ => {
                return Err(format!(
                    "line {}: element {xml} has more than one type",
                    e.line
                ));
            }
        };
        if let Some(prev) = s.children.iter_mut().find(|c| c.xml == xml) {
            if prev.ty != ty {
                return Err(format!(
                    "line {}: element {xml} appears twice in {} with different types",
                    e.line, s.origin
                ));
            }
            prev.many |= many;
            return Ok(());
        }
        s.children.push(Child {
            xml: xml.to_string(),
            field: snake(xml),
            ty,
            xsd_ty,
            many,
            boxed: false,
        });
        Ok(())
    }

    fn particle(&mut self, p: &Node, many: bool, s: &mut Struct) -> Result<(), String> {
        let many = many || is_many(p)?;
        match p.name.as_str() {
            "sequence" | "choice" => {
                for c in &p.children {
                    match c.name.as_str() {
                        "element" => self.element(c, many, s)?,
                        "sequence" | "choice" | "group" => self.particle(c, many, s)?,
                        "any" => {} // skipped on read, never written
                        "annotation" => {}
                        _ => return Err(unsupported(c, &format!("xs:{}", p.name))),
                    }
                }
            }
            "group" => {
                let r = p
                    .attr("ref")
                    .ok_or_else(|| format!("line {}: group without ref", p.line))?;
                let g = *self
                    .groups
                    .get(r)
                    .ok_or_else(|| format!("line {}: unknown group {r}", p.line))?;
                for c in &g.children {
                    match c.name.as_str() {
                        "sequence" | "choice" => self.particle(c, many, s)?,
                        "annotation" => {}
                        _ => return Err(unsupported(c, "xs:group")),
                    }
                }
            }
            _ => return Err(unsupported(p, "a content model")),
        }
        Ok(())
    }

    /// Attributes and particles of a complexType or an extension.
    fn content(&mut self, n: &Node, s: &mut Struct) -> Result<(), String> {
        for c in &n.children {
            match c.name.as_str() {
                "annotation" => {}
                "sequence" | "choice" | "group" => self.particle(c, false, s)?,
                "attribute" => self.attribute(c, s)?,
                "attributeGroup" => {
                    let r = c
                        .attr("ref")
                        .ok_or_else(|| format!("line {}: attributeGroup without ref", c.line))?;
                    let g = *self
                        .attr_groups
                        .get(r)
                        .ok_or_else(|| format!("line {}: unknown attributeGroup {r}", c.line))?;
                    for a in &g.children {
                        match a.name.as_str() {
                            "attribute" => self.attribute(a, s)?,
                            "annotation" => {}
                            _ => return Err(unsupported(a, "xs:attributeGroup")),
                        }
                    }
                }
                "complexContent" => {
                    for x in &c.children {
                        match x.name.as_str() {
                            "annotation" => {}
                            "extension" => {
                                let base = x.attr("base").ok_or_else(|| {
                                    format!("line {}: extension without base", x.line)
                                })?;
                                let bn = *self.complex.get(base).ok_or_else(|| {
                                    format!("line {}: extension of unknown type {base}", x.line)
                                })?;
                                s.base = Some(base.to_string());
                                self.content(bn, s)?;
                                self.content(x, s)?;
                            }
                            _ => return Err(unsupported(x, "xs:complexContent")),
                        }
                    }
                }
                "simpleContent" => {
                    for x in &c.children {
                        match x.name.as_str() {
                            "annotation" => {}
                            "extension" => {
                                let base = x.attr("base").unwrap_or_default();
                                let b = base.strip_prefix("xs:").ok_or_else(|| {
                                    format!(
                                        "line {}: simpleContent extension of non-built-in {base}",
                                        x.line
                                    )
                                })?;
                                s.text = Some(builtin(b, x.line)?);
                                self.content(x, s)?;
                            }
                            _ => return Err(unsupported(x, "xs:simpleContent")),
                        }
                    }
                }
                _ => return Err(unsupported(c, "xs:complexType")),
            }
        }
        Ok(())
    }

    fn complex_type(
        &mut self,
        ct: &Node,
        origin: &str,
        rust: &str,
        named: bool,
    ) -> Result<(), String> {
        if ct.attr("mixed") == Some("true") {
            return Err(format!("line {}: mixed content is not supported", ct.line));
        }
        self.claim(rust, origin)?;
        let mut s = Struct {
            origin: origin.to_string(),
            rust: rust.to_string(),
            named,
            attrs: Vec::new(),
            children: Vec::new(),
            text: None,
            doc: doc_of(ct),
            is_abstract: ct.attr("abstract") == Some("true"),
            base: None,
        };
        self.content(ct, &mut s)?;
        let mut fields = BTreeMap::new();
        let all = s
            .attrs
            .iter()
            .map(|a| (&a.field, &a.xml))
            .chain(s.children.iter().map(|c| (&c.field, &c.xml)));
        for (f, x) in all {
            if let Some(prev) = fields.insert(f.clone(), x.clone()) {
                return Err(format!(
                    "{origin}: attribute/element {prev} and {x} both give the field {f}"
                ));
            }
        }
        if s.text.is_some() && fields.contains_key("value") {
            return Err(format!("{origin}: simple content and a field called value"));
        }
        self.model.structs.push(s);
        Ok(())
    }
}

/// Builds the model from the XSD tree.
pub fn build(root: &Node, fixups: &mut Fixups) -> Result<Model, String> {
    if root.name != "schema" {
        return Err(format!(
            "root element is xs:{}, expected xs:schema",
            root.name
        ));
    }
    let mut ctx = Ctx {
        simple: HashMap::new(),
        complex: HashMap::new(),
        groups: HashMap::new(),
        attr_groups: HashMap::new(),
        fixups,
        model: Model::default(),
        taken: BTreeMap::new(),
        reserved: BTreeSet::new(),
    };
    let mut roots = Vec::new();
    for n in &root.children {
        let name = n.attr("name");
        let map = match n.name.as_str() {
            "element" => {
                roots.push(n);
                continue;
            }
            "annotation" => continue,
            "simpleType" => &mut ctx.simple,
            "complexType" => &mut ctx.complex,
            "group" => &mut ctx.groups,
            "attributeGroup" => &mut ctx.attr_groups,
            _ => return Err(unsupported(n, "xs:schema")),
        };
        let name =
            name.ok_or_else(|| format!("line {}: top-level xs:{} without name", n.line, n.name))?;
        if map.insert(name.to_string(), n).is_some() {
            return Err(format!("line {}: {name} declared twice", n.line));
        }
    }
    for n in &root.children {
        if let (Some(name), "simpleType" | "complexType") = (n.attr("name"), n.name.as_str()) {
            let rust = ctx.fixups.renamed(name).unwrap_or_else(|| pascal(name));
            ctx.reserved.insert(rust);
        }
    }
    ctx.reserved
        .extend(["TsRequest".to_string(), "TsResponse".to_string()]);
    // Named simple types first (in schema order), so references resolve.
    let simple_nodes: Vec<&Node> = root
        .children
        .iter()
        .filter(|n| n.name == "simpleType")
        .collect();
    for st in simple_nodes {
        let name = st.attr("name").unwrap_or_default();
        let rust = ctx.fixups.rename_type(name, pascal(name));
        match simple_type(st)? {
            Simple::Enum(values) => {
                ctx.add_enum(name, rust, true, values)?;
            }
            Simple::Prim(prim, facets) => {
                ctx.claim(&rust, name)?;
                ctx.model.aliases.push(AliasDef {
                    origin: name.to_string(),
                    rust,
                    prim,
                    facets,
                });
            }
        }
    }
    for r in roots {
        let name = r.attr("name").unwrap_or_default();
        let rust = match name {
            "tsRequest" => "TsRequest",
            "tsResponse" => "TsResponse",
            other => return Err(format!("line {}: unexpected root element {other}", r.line)),
        };
        let ct = r.kids("complexType").next().ok_or_else(|| {
            format!(
                "line {}: root element {name} without inline complexType",
                r.line
            )
        })?;
        ctx.complex_type(ct, name, rust, false)?;
    }
    let complex_nodes: Vec<&Node> = root
        .children
        .iter()
        .filter(|n| n.name == "complexType")
        .collect();
    for ct in complex_nodes {
        let name = ct.attr("name").unwrap_or_default();
        let rust = ctx.fixups.rename_type(name, pascal(name));
        ctx.complex_type(ct, name, &rust, true)?;
    }
    let mut model = ctx.model;
    merge_derived_into_abstract(&mut model);
    ctx.fixups.apply_to_model(&mut model)?;
    mark_boxed(&mut model);
    Ok(model)
}

/// An element typed with an abstract type carries `xsi:type` and the fields of a derived type:
/// the abstract struct gets the fields of all its derived types, so nothing is lost on reading.
fn merge_derived_into_abstract(model: &mut Model) {
    let derived: Vec<Struct> = model
        .structs
        .iter()
        .filter(|s| s.base.is_some())
        .cloned()
        .collect();
    for s in model.structs.iter_mut().filter(|s| s.is_abstract) {
        for d in derived
            .iter()
            .filter(|d| d.base.as_deref() == Some(s.origin.as_str()))
        {
            for a in &d.attrs {
                if !s.attrs.iter().any(|x| x.xml == a.xml) {
                    s.attrs.push(a.clone());
                }
            }
            for c in &d.children {
                if !s.children.iter().any(|x| x.xml == c.xml) {
                    s.children.push(c.clone());
                }
            }
        }
    }
}

/// Boxes every `Option` child whose type can reach the containing struct again through
/// `Option` children (a `Vec` already breaks the cycle), and every struct child of the roots.
fn mark_boxed(model: &mut Model) {
    let edges: HashMap<String, Vec<String>> = model
        .structs
        .iter()
        .map(|s| {
            let out = s
                .children
                .iter()
                .filter(|c| !c.many)
                .filter_map(|c| match &c.ty {
                    Ty::Struct(t) => Some(t.clone()),
                    _ => None,
                })
                .collect();
            (s.rust.clone(), out)
        })
        .collect();
    let reaches = |from: &str, to: &str| -> bool {
        let mut seen = BTreeSet::new();
        let mut stack = vec![from.to_string()];
        while let Some(n) = stack.pop() {
            if n == to {
                return true;
            }
            if seen.insert(n.clone())
                && let Some(next) = edges.get(&n)
            {
                stack.extend(next.iter().cloned());
            }
        }
        false
    };
    for s in &mut model.structs {
        for c in &mut s.children {
            if let (false, Ty::Struct(t)) = (c.many, &c.ty) {
                // The roots have a field for each of ~250 element types: boxing them keeps
                // `TsResponse` small (a few KB instead of ~170 KB on the stack).
                c.boxed = !s.named && (s.origin == "tsRequest" || s.origin == "tsResponse")
                    || reaches(t, &s.rust);
            }
        }
    }
}
