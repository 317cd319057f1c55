//! The `request_payload` XML of a publish request, and the chunk reader of the upload session.

use std::fmt::Write as _;
use std::io;
use std::path::Path;

use bytes::{Bytes, BytesMut};

use super::validate::PublishKind;

/// Credentials of a connection, as sent in `<connectionCredentials>`.
#[derive(Clone, PartialEq, Eq, Default)]
pub(crate) struct PayloadCredentials {
    pub name: String,
    pub password: String,
    pub embed: bool,
    pub oauth: bool,
}

impl std::fmt::Debug for PayloadCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PayloadCredentials")
            .field("name", &self.name)
            .field("password", &"<redacted>")
            .field("embed", &self.embed)
            .field("oauth", &self.oauth)
            .finish()
    }
}

/// One `<connection>` of a publish request.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct PayloadConnection {
    pub server_address: String,
    pub server_port: Option<String>,
    pub database_name: Option<String>,
    pub credentials: Option<PayloadCredentials>,
}

/// Everything the `request_payload` part says about the published item.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Payload {
    pub name: String,
    pub project_id: Option<String>,
    pub description: Option<String>,
    pub show_tabs: Option<bool>,
    pub hidden_views: Vec<String>,
    pub credentials: Option<PayloadCredentials>,
    pub connections: Vec<PayloadConnection>,
    pub thumbnails_user_id: Option<String>,
    pub thumbnails_group_id: Option<String>,
}

/// Escapes text for an XML attribute value.
fn attr(out: &mut String, name: &str, value: &str) {
    let _ = write!(out, " {name}=\"");
    for c in value.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            '\t' => out.push_str("&#9;"),
            c => out.push(c),
        }
    }
    out.push('"');
}

fn credentials_xml(out: &mut String, c: &PayloadCredentials) {
    out.push_str("<connectionCredentials");
    attr(out, "name", &c.name);
    attr(out, "password", &c.password);
    attr(out, "embed", if c.embed { "true" } else { "false" });
    if c.oauth {
        attr(out, "oAuth", "true");
    }
    out.push_str(" />");
}

fn connections_xml(out: &mut String, conns: &[PayloadConnection]) {
    if conns.is_empty() {
        return;
    }
    out.push_str("<connections>");
    for c in conns {
        out.push_str("<connection");
        attr(out, "serverAddress", &c.server_address);
        if let Some(p) = &c.server_port {
            attr(out, "serverPort", p);
        }
        if let Some(d) = &c.database_name {
            attr(out, "databaseName", d);
        }
        match &c.credentials {
            Some(cred) => {
                out.push('>');
                credentials_xml(out, cred);
                out.push_str("</connection>");
            }
            None => out.push_str(" />"),
        }
    }
    out.push_str("</connections>");
}

/// Writes the `<tsRequest>` of a publish call, with the same elements and attribute order as the
/// Python TSC (no namespace, no XML declaration).
pub(crate) fn payload_xml(kind: PublishKind, p: &Payload) -> String {
    let mut out = String::with_capacity(256);
    out.push_str("<tsRequest>");
    match kind {
        PublishKind::Workbook => {
            out.push_str("<workbook");
            attr(&mut out, "name", &p.name);
            if p.show_tabs == Some(true) {
                attr(&mut out, "showTabs", "true");
            }
            if let Some(d) = &p.description {
                attr(&mut out, "description", d);
            }
            if let Some(u) = &p.thumbnails_user_id {
                attr(&mut out, "thumbnailsUserId", u);
            } else if let Some(g) = &p.thumbnails_group_id {
                attr(&mut out, "thumbnailsGroupId", g);
            }
            out.push('>');
            out.push_str("<project");
            attr(&mut out, "id", p.project_id.as_deref().unwrap_or(""));
            out.push_str(" />");
            connections_xml(&mut out, &p.connections);
            if !p.hidden_views.is_empty() {
                out.push_str("<views>");
                for v in &p.hidden_views {
                    out.push_str("<view");
                    attr(&mut out, "name", v);
                    attr(&mut out, "hidden", "true");
                    out.push_str(" />");
                }
                out.push_str("</views>");
            }
            out.push_str("</workbook>");
        }
        PublishKind::Datasource => {
            out.push_str("<datasource");
            attr(&mut out, "name", &p.name);
            if let Some(d) = &p.description {
                attr(&mut out, "description", d);
            }
            out.push('>');
            if let Some(id) = &p.project_id {
                out.push_str("<project");
                attr(&mut out, "id", id);
                out.push_str(" />");
            }
            if let Some(c) = &p.credentials {
                credentials_xml(&mut out, c);
            }
            connections_xml(&mut out, &p.connections);
            out.push_str("</datasource>");
        }
    }
    out.push_str("</tsRequest>");
    out
}

/// Reads a file in chunks of a fixed size, holding at most one chunk in memory.
///
/// Each chunk is read with a blocking read on tokio's blocking pool straight into its own buffer
/// (no intermediate copy), and handed out as [`Bytes`] so retries can resend it without copying.
#[derive(Debug)]
pub struct ChunkReader {
    file: Option<std::fs::File>,
    chunk_size: usize,
    total: u64,
    offset: u64,
    spare: Option<BytesMut>,
}

impl ChunkReader {
    /// Opens `path` for chunked reading. `chunk_size` of 0 is treated as 1.
    pub async fn open(path: &Path, chunk_size: usize) -> io::Result<Self> {
        let path = path.to_path_buf();
        let file = tokio::task::spawn_blocking(move || std::fs::File::open(path))
            .await
            .map_err(io::Error::other)??;
        let total = file.metadata()?.len();
        Ok(Self {
            file: Some(file),
            chunk_size: chunk_size.max(1),
            total,
            offset: 0,
            spare: None,
        })
    }

    /// The file's size when opened.
    pub fn total_len(&self) -> u64 {
        self.total
    }

    /// Bytes handed out so far.
    pub fn offset(&self) -> u64 {
        self.offset
    }

    /// The next chunk: `chunk_size` bytes, fewer for the last one, `None` at the end of the file.
    pub async fn next_chunk(&mut self) -> io::Result<Option<Bytes>> {
        let Some(mut file) = self.file.take() else {
            return Ok(None);
        };
        let want = self.chunk_size;
        // Reuse a returned buffer when there is one (no allocation churn: with chunks below
        // glibc's mmap threshold, freed buffers would otherwise pile up in malloc arenas).
        let mut buf = self.spare.take().unwrap_or_default();
        buf.clear();
        buf.resize(want, 0);
        let (file, buf) = tokio::task::spawn_blocking(move || -> io::Result<_> {
            use std::io::Read;
            let mut filled = 0;
            while filled < want {
                match file.read(&mut buf[filled..]) {
                    Ok(0) => break,
                    Ok(n) => filled += n,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(e) => return Err(e),
                }
            }
            buf.truncate(filled);
            Ok((file, buf))
        })
        .await
        .map_err(io::Error::other)??;
        if buf.is_empty() {
            return Ok(None);
        }
        self.offset += buf.len() as u64;
        self.file = Some(file);
        Ok(Some(buf.freeze()))
    }

    /// Gives a chunk back once nothing else holds it, so the next read reuses its memory.
    pub fn recycle(&mut self, chunk: Bytes) {
        if let Ok(buf) = chunk.try_into_mut() {
            if buf.capacity() >= self.chunk_size {
                self.spare = Some(buf);
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn chunks_cover_the_file_exactly() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f.hyper");
        let data: Vec<u8> = (0..10_007u32).map(|i| (i % 251) as u8).collect();
        std::fs::write(&path, &data).unwrap();
        for size in [1usize, 7, 1000, 10_007, 20_000] {
            let mut r = ChunkReader::open(&path, size).await.unwrap();
            assert_eq!(r.total_len(), data.len() as u64);
            let mut got = Vec::new();
            let mut n = 0;
            while let Some(c) = r.next_chunk().await.unwrap() {
                assert!(c.len() <= size);
                got.extend_from_slice(&c);
                n += 1;
            }
            assert_eq!(got, data);
            assert_eq!(n, data.len().div_ceil(size));
            assert!(r.next_chunk().await.unwrap().is_none());
        }
    }

    #[tokio::test]
    async fn empty_file_has_no_chunks() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("e.tds");
        std::fs::write(&path, b"").unwrap();
        let mut r = ChunkReader::open(&path, 4).await.unwrap();
        assert!(r.next_chunk().await.unwrap().is_none());
    }

    #[test]
    fn workbook_xml_matches_tsc_shape() {
        let p = Payload {
            name: "Sales & <Co>".into(),
            project_id: Some("p1".into()),
            description: Some("d".into()),
            show_tabs: Some(true),
            hidden_views: vec!["Sheet 1".into()],
            connections: vec![PayloadConnection {
                server_address: "db.example.com".into(),
                server_port: Some("5432".into()),
                database_name: None,
                credentials: Some(PayloadCredentials {
                    name: "u".into(),
                    password: "pw".into(),
                    embed: true,
                    oauth: false,
                }),
            }],
            ..Default::default()
        };
        // Same as the Python TSC 0.42 for the same item.
        assert_eq!(
            payload_xml(PublishKind::Workbook, &p),
            "<tsRequest><workbook name=\"Sales &amp; &lt;Co&gt;\" showTabs=\"true\" description=\"d\">\
             <project id=\"p1\" /><connections><connection serverAddress=\"db.example.com\" serverPort=\"5432\">\
             <connectionCredentials name=\"u\" password=\"pw\" embed=\"true\" /></connection></connections>\
             <views><view name=\"Sheet 1\" hidden=\"true\" /></views></workbook></tsRequest>"
        );
        assert!(!format!("{p:?}").contains("pw\""));
    }
}
