//! `download` and preview images on the workbook, data source and view endpoints.

use super::*;

impl crate::workbooks::WorkbooksEndpoint {
    /// Downloads a workbook's file (TSC: `workbooks.download`) into a folder or to a file path
    /// (see [`DownloadTarget`]); `.send().await` returns the final path. Options:
    /// [`Download::include_extract`] (TSC's `include_extract`), [`Download::overwrite`],
    /// [`Download::on_progress`].
    pub fn download(&self, id: impl Into<String>, target: impl Into<DownloadTarget>) -> Download {
        Download::new(
            self.server.clone(),
            ContentKind::Workbook,
            id.into(),
            target.into(),
        )
    }

    /// Downloads a workbook's file into any [`AsyncWrite`] (TSC: `workbooks.download` with a
    /// file object).
    pub fn download_to_writer<W: AsyncWrite + Unpin + Send>(
        &self,
        id: impl Into<String>,
        writer: W,
    ) -> DownloadToWriter<W> {
        DownloadToWriter::new(
            self.server.clone(),
            ContentKind::Workbook,
            id.into(),
            writer,
        )
    }

    /// The workbook's preview image (thumbnail) as PNG bytes (TSC:
    /// `workbooks.populate_preview_image`, which stores them in `workbook_item.preview_image`).
    /// Fails with [`InputError::MissingId`] before sending when the item has no id.
    pub async fn populate_preview_image(&self, item: &crate::WorkbookItem) -> Result<bytes::Bytes> {
        let id = crate::error::item_id("Workbook", &item.id)?;
        let path = self
            .server
            .site_path(&format!("workbooks/{id}/previewImage"))?;
        fetch_bytes(&self.server, ApiRequest::get(path)).await
    }
}

impl crate::datasources::DatasourcesEndpoint {
    /// Downloads a data source's file (TSC: `datasources.download`) into a folder or to a file
    /// path (see [`DownloadTarget`]); `.send().await` returns the final path.
    pub fn download(&self, id: impl Into<String>, target: impl Into<DownloadTarget>) -> Download {
        Download::new(
            self.server.clone(),
            ContentKind::Datasource,
            id.into(),
            target.into(),
        )
    }

    /// Downloads a data source's file into any [`AsyncWrite`].
    pub fn download_to_writer<W: AsyncWrite + Unpin + Send>(
        &self,
        id: impl Into<String>,
        writer: W,
    ) -> DownloadToWriter<W> {
        DownloadToWriter::new(
            self.server.clone(),
            ContentKind::Datasource,
            id.into(),
            writer,
        )
    }
}

impl crate::views::ViewsEndpoint {
    /// The view's preview image (thumbnail) as PNG bytes (TSC: `views.populate_preview_image`).
    /// Needs the view's `id` and `workbook_id` (TSC: "View item missing ID or workbook ID"),
    /// checked before sending.
    pub async fn populate_preview_image(&self, item: &crate::ViewItem) -> Result<bytes::Bytes> {
        let id = crate::error::item_id("View", &item.id)?;
        let wb = match item.workbook_id.as_deref() {
            Some(w) if !w.trim().is_empty() => crate::convert::seg(w),
            _ => {
                return Err(InputError::Invalid {
                    what: "view item",
                    reason: "view item missing workbook ID: get the view from the server \
                             (views().list() or populate_views) or set workbook_id"
                        .into(),
                }
                .into());
            }
        };
        let path = self
            .server
            .site_path(&format!("workbooks/{wb}/views/{id}/previewImage"))?;
        fetch_bytes(&self.server, ApiRequest::get(path)).await
    }
}
