//! Publish input checks done before anything is sent, and the publish query string.

use std::fmt;
use std::path::{Path, PathBuf};

use crate::error::InputError;

/// What happens when the published item already exists (TSC: `Server.PublishMode`).
///
/// | Mode | Workbooks | Data sources | Query parameter sent |
/// |---|---|---|---|
/// | `CreateNew` | yes | yes | none for workbooks, `createnew=true` for data sources (as the Python TSC) |
/// | `Overwrite` | yes | yes | `overwrite=true` |
/// | `Append` | **no** ("Workbooks cannot be appended") | yes (extracts) | `append=true` |
/// | `Replace` | **no** | yes | `replace=true` (as the Python TSC) |
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum PublishMode {
    /// Create a new item; fails if one with the same name exists in the project (Tableau answers
    /// HTTP 403, code 403007 "overwrite forbidden": [`Error::is_forbidden`](crate::Error::is_forbidden)).
    #[default]
    CreateNew,
    /// Replace an existing item of the same name (or create it).
    Overwrite,
    /// Append the extract's rows to an existing data source (data sources only).
    Append,
    /// Replace the data of an existing data source (data sources only).
    Replace,
}

impl PublishMode {
    /// The name the Python TSC uses (`"CreateNew"`, `"Overwrite"`, `"Append"`, `"Replace"`).
    pub fn as_str(&self) -> &'static str {
        match self {
            PublishMode::CreateNew => "CreateNew",
            PublishMode::Overwrite => "Overwrite",
            PublishMode::Append => "Append",
            PublishMode::Replace => "Replace",
        }
    }
}

impl fmt::Display for PublishMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for PublishMode {
    type Err = InputError;

    /// Parses the Python TSC names, case-insensitively. Anything else is "Invalid mode defined".
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "createnew" => Ok(PublishMode::CreateNew),
            "overwrite" => Ok(PublishMode::Overwrite),
            "append" => Ok(PublishMode::Append),
            "replace" => Ok(PublishMode::Replace),
            _ => Err(InputError::Invalid {
                what: "publish mode",
                reason: format!(
                    "invalid mode defined: {s:?}; use CreateNew, Overwrite, Append or Replace"
                ),
            }),
        }
    }
}

/// The kind of content being published.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PublishKind {
    /// `POST /sites/{site}/workbooks`, file part `tableau_workbook`.
    Workbook,
    /// `POST /sites/{site}/datasources`, file part `tableau_datasource`.
    Datasource,
}

impl PublishKind {
    /// Accepted file extensions (lower case, no dot).
    pub fn extensions(&self) -> &'static [&'static str] {
        match self {
            PublishKind::Workbook => &["twb", "twbx"],
            PublishKind::Datasource => &["tds", "tdsx", "tde", "hyper"],
        }
    }

    /// Name of the multipart part carrying the file.
    pub fn file_part_name(&self) -> &'static str {
        match self {
            PublishKind::Workbook => "tableau_workbook",
            PublishKind::Datasource => "tableau_datasource",
        }
    }

    /// Path segment of the endpoint (`workbooks`, `datasources`).
    pub fn endpoint(&self) -> &'static str {
        match self {
            PublishKind::Workbook => "workbooks",
            PublishKind::Datasource => "datasources",
        }
    }

    /// Query parameter naming the file type (`workbookType`, `datasourceType`).
    pub fn type_param(&self) -> &'static str {
        match self {
            PublishKind::Workbook => "workbookType",
            PublishKind::Datasource => "datasourceType",
        }
    }

    fn plural(&self) -> &'static str {
        match self {
            PublishKind::Workbook => "workbooks",
            PublishKind::Datasource => "datasources",
        }
    }

    fn expected(&self) -> &'static str {
        match self {
            PublishKind::Workbook => ".twb or .twbx",
            PublishKind::Datasource => ".tds, .tdsx, .tde or .hyper",
        }
    }

    /// Checks that `mode` is allowed for this kind.
    pub fn check_mode(&self, mode: PublishMode) -> Result<(), InputError> {
        match (self, mode) {
            (PublishKind::Workbook, PublishMode::Append) => {
                Err(InputError::PublishModeNotAllowed {
                    resource: "Workbooks",
                    mode: mode.to_string(),
                    hint: "workbooks cannot be appended; use CreateNew or Overwrite",
                })
            }
            (PublishKind::Workbook, PublishMode::Replace) => {
                Err(InputError::PublishModeNotAllowed {
                    resource: "Workbooks",
                    mode: mode.to_string(),
                    hint: "Replace applies to data sources only; use Overwrite to replace a workbook",
                })
            }
            _ => Ok(()),
        }
    }

    /// The query parameter a mode adds to the publish URL, if any.
    pub fn mode_param(&self, mode: PublishMode) -> Option<&'static str> {
        match (self, mode) {
            (_, PublishMode::Overwrite) => Some("overwrite"),
            (_, PublishMode::Append) => Some("append"),
            (_, PublishMode::Replace) => Some("replace"),
            (PublishKind::Workbook, PublishMode::CreateNew) => None,
            (PublishKind::Datasource, PublishMode::CreateNew) => Some("createnew"),
        }
    }
}

/// A file checked for publishing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublishFile {
    /// The path as given.
    pub path: PathBuf,
    /// The file name sent in the multipart part (`Sales.twbx`).
    pub file_name: String,
    /// The file name without extension: the default item name.
    pub stem: String,
    /// The lower-cased extension (`twbx`), sent as `workbookType`/`datasourceType`.
    pub extension: String,
    /// Size in bytes when checked.
    pub size: u64,
}

/// Checks a file and mode before anything is sent: the mode is valid for the kind, the file
/// exists and is a regular file, and its extension is accepted. Reads only metadata.
pub async fn check_publish_input(
    kind: PublishKind,
    path: &Path,
    mode: PublishMode,
) -> Result<PublishFile, crate::Error> {
    kind.check_mode(mode)?;
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let (stem, extension) = match file_name.rsplit_once('.') {
        Some((s, e)) if !s.is_empty() => (s.to_string(), e.to_ascii_lowercase()),
        _ => (file_name.clone(), String::new()),
    };
    if !kind.extensions().contains(&extension.as_str()) {
        return Err(InputError::UnsupportedFileType {
            path: path.to_path_buf(),
            expected: kind.expected(),
            resource: kind.plural(),
        }
        .into());
    }
    let meta = match tokio::fs::metadata(path).await {
        Ok(m) if m.is_file() => m,
        _ => {
            return Err(InputError::FileNotFound {
                path: path.to_path_buf(),
            }
            .into());
        }
    };
    Ok(PublishFile {
        path: path.to_path_buf(),
        file_name,
        stem,
        extension,
        size: meta.len(),
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn modes_parse_like_tsc() {
        assert_eq!(
            "Overwrite".parse::<PublishMode>().ok(),
            Some(PublishMode::Overwrite)
        );
        assert_eq!(
            "createnew".parse::<PublishMode>().ok(),
            Some(PublishMode::CreateNew)
        );
        assert!("Upsert".parse::<PublishMode>().is_err());
    }

    #[test]
    fn mode_rules() {
        assert!(
            PublishKind::Workbook
                .check_mode(PublishMode::Append)
                .is_err()
        );
        assert!(
            PublishKind::Workbook
                .check_mode(PublishMode::Replace)
                .is_err()
        );
        assert!(
            PublishKind::Workbook
                .check_mode(PublishMode::Overwrite)
                .is_ok()
        );
        for m in [
            PublishMode::CreateNew,
            PublishMode::Overwrite,
            PublishMode::Append,
            PublishMode::Replace,
        ] {
            assert!(PublishKind::Datasource.check_mode(m).is_ok());
        }
        assert_eq!(
            PublishKind::Workbook.mode_param(PublishMode::CreateNew),
            None
        );
        assert_eq!(
            PublishKind::Datasource.mode_param(PublishMode::CreateNew),
            Some("createnew")
        );
    }
}
