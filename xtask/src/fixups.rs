//! Every deviation from the schema as written lives here, and nowhere else.
//!
//! A fixup that no longer matches anything in the schema is an error: when a new XSD fixes what a
//! fixup worked around, the generator says so and the fixup is deleted.

use crate::model::{Child, Model, Prim, Ty, snake};

/// One correction of the schema.
#[derive(Debug, Clone)]
pub enum Fixup {
    /// Give the type generated for `origin` (an XSD name, `parent@attribute` for an anonymous
    /// enumeration or `parent/element` for an anonymous complex type) another Rust name.
    RenameType {
        /// The origin as the model names it.
        origin: &'static str,
        /// The Rust name to use.
        to: &'static str,
    },
    /// Make a declared single child element repeated (`Vec`), because servers send it more than
    /// once.
    Repeated {
        /// The struct's origin (XSD name, or `tsResponse`).
        parent: &'static str,
        /// The element name.
        xml: &'static str,
    },
    /// Add a child element that real servers send but the schema does not declare.
    AddChild {
        /// The struct's origin (XSD name).
        parent: &'static str,
        /// The element name.
        xml: &'static str,
        /// The element's XSD type (`xs:...` or a named type).
        xsd_ty: &'static str,
        /// Repeated (`Vec`).
        many: bool,
    },
}

/// The fixups of this generator, with a reason each.
pub const FIXUPS: &[(Fixup, &str)] = &[(
    Fixup::Repeated {
        parent: "tsResponse",
        xml: "metric",
    },
    "Query Metrics answers with several <metric> elements directly under <tsResponse> \
     (the Python TSC sample metrics_get.xml), where the schema allows one",
)];

/// Fixups with a record of which ones matched.
#[derive(Debug)]
pub struct Fixups {
    list: Vec<(Fixup, bool)>,
}

impl Fixups {
    /// The generator's fixups.
    pub fn standard() -> Self {
        Self::new(FIXUPS.iter().map(|(f, _)| f.clone()).collect())
    }

    /// A given list (tests).
    pub fn new(list: Vec<Fixup>) -> Self {
        Fixups {
            list: list.into_iter().map(|f| (f, false)).collect(),
        }
    }

    /// The Rust name for the type of `origin`, default `default`.
    pub fn rename_type(&mut self, origin: &str, default: String) -> String {
        for (f, used) in &mut self.list {
            if let Fixup::RenameType { origin: o, to } = f
                && *o == origin
            {
                *used = true;
                return (*to).to_string();
            }
        }
        default
    }

    /// The renamed Rust name of a named XSD type, if a fixup renames it.
    pub fn renamed(&self, origin: &str) -> Option<String> {
        self.list.iter().find_map(|(f, _)| match f {
            Fixup::RenameType { origin: o, to } if *o == origin => Some((*to).to_string()),
            _ => None,
        })
    }

    /// Applies the fixups that change the finished model, then fails on any fixup that matched
    /// nothing.
    pub fn apply_to_model(&mut self, model: &mut Model) -> Result<(), String> {
        for (f, used) in &mut self.list {
            if let Fixup::AddChild {
                parent,
                xml,
                xsd_ty,
                many,
            } = f
            {
                let ty = if let Some(b) = xsd_ty.strip_prefix("xs:") {
                    match b {
                        "string" => Ty::Prim(Prim::String),
                        other => {
                            return Err(format!("fixup AddChild: unsupported type xs:{other}"));
                        }
                    }
                } else if let Some(s) = model.structs.iter().find(|s| s.origin == *xsd_ty) {
                    Ty::Struct(s.rust.clone())
                } else {
                    return Err(format!(
                        "fixup AddChild {parent}/{xml}: unknown type {xsd_ty}"
                    ));
                };
                let Some(s) = model.structs.iter_mut().find(|s| s.origin == *parent) else {
                    continue;
                };
                if s.children.iter().any(|c| c.xml == *xml) {
                    continue; // the schema declares it now: the fixup no longer applies
                }
                s.children.push(Child {
                    xml: (*xml).to_string(),
                    field: snake(xml),
                    ty,
                    xsd_ty: (*xsd_ty).to_string(),
                    many: *many,
                    boxed: false,
                });
                *used = true;
            }
        }
        for (f, used) in &mut self.list {
            if let Fixup::Repeated { parent, xml } = f {
                let Some(s) = model.structs.iter_mut().find(|s| s.origin == *parent) else {
                    continue;
                };
                if let Some(c) = s.children.iter_mut().find(|c| c.xml == *xml && !c.many) {
                    c.many = true;
                    *used = true;
                }
            }
        }
        let stale: Vec<String> = self
            .list
            .iter()
            .filter(|(_, u)| !u)
            .map(|(f, _)| format!("{f:?}"))
            .collect();
        if stale.is_empty() {
            Ok(())
        } else {
            Err(format!(
                "schema fixups that no longer apply (delete them from xtask/src/fixups.rs): {}",
                stale.join("; ")
            ))
        }
    }
}
