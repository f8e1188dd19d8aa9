//! Captured pages: a frame cropped, deskewed and turned into a JPEG page, and the pages of one
//! material kept in order until they are attached as its PDF (E3).

use super::camera_error;
use crate::error::{ErrorCode, UserError};
use serde::Serialize;
use std::sync::Arc;
use yichuang_drivers::camera::{self, CameraError, Frame};

/// A captured, cropped page.
#[derive(Debug, Clone)]
pub struct CapturedPage {
    pub jpeg: Vec<u8>,
    pub width: u32,
    pub height: u32,
    /// A document was found and deskewed (otherwise the whole frame is kept).
    pub cropped: bool,
}

/// A frame → a cropped, turned JPEG page.
pub fn capture_page(frame: &Frame, quarter_turns: u8) -> Result<CapturedPage, UserError> {
    let rgb = frame.to_rgb().map_err(|e| camera_error(&e))?;
    let (page, quad) = camera::auto_crop(&rgb);
    let page = page.rotated(quarter_turns);
    let jpeg =
        camera::jpeg::encode_rgb(&page, 90).map_err(|e| camera_error(&CameraError::Decode(e)))?;
    Ok(CapturedPage {
        jpeg,
        width: page.width,
        height: page.height,
        cropped: quad.is_some(),
    })
}

/// One captured page, as the window lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct PageInfo {
    /// Unique per page version: a turned page gets a new id.
    pub id: u32,
    pub width: u32,
    pub height: u32,
    /// The document was found, cropped and deskewed (else the whole frame was kept).
    pub cropped: bool,
}

/// The pages captured for one material, in order, until they are attached as its PDF.
#[derive(Debug, Default)]
pub struct PageSet {
    material: String,
    pages: Vec<(PageInfo, Arc<[u8]>)>,
    last_id: u32,
}

impl PageSet {
    pub fn infos(&self) -> Vec<PageInfo> {
        self.pages.iter().map(|(i, _)| i.clone()).collect()
    }

    /// Switches to `material`: pages left over from another material (its panel closed
    /// without attaching) are dropped.
    pub fn for_material(&mut self, material: &str) -> Vec<PageInfo> {
        if self.material != material {
            self.pages.clear();
            self.material = material.to_string();
        }
        self.infos()
    }

    fn next_id(&mut self) -> u32 {
        self.last_id += 1;
        self.last_id
    }

    pub fn add(&mut self, page: CapturedPage) -> Vec<PageInfo> {
        let info = PageInfo {
            id: self.next_id(),
            width: page.width,
            height: page.height,
            cropped: page.cropped,
        };
        self.pages.push((info, page.jpeg.into()));
        self.infos()
    }

    /// A page's JPEG.
    pub fn jpeg(&self, id: u32) -> Result<Arc<[u8]>, UserError> {
        self.pages
            .iter()
            .find(|(i, _)| i.id == id)
            .map(|(_, j)| j.clone())
            .ok_or_else(|| {
                UserError::new(ErrorCode::CameraNoPage, format!("no captured page {id}"))
            })
    }

    /// Puts a turned page (from [`turn_page`]) in place of page `id`, under a new id.
    pub fn replace(&mut self, id: u32, page: CapturedPage) -> Vec<PageInfo> {
        let new_id = self.next_id();
        if let Some((info, jpeg)) = self.pages.iter_mut().find(|(i, _)| i.id == id) {
            *info = PageInfo {
                id: new_id,
                width: page.width,
                height: page.height,
                cropped: info.cropped,
            };
            *jpeg = page.jpeg.into();
        }
        self.infos()
    }

    pub fn remove(&mut self, id: u32) -> Vec<PageInfo> {
        self.pages.retain(|(i, _)| i.id != id);
        self.infos()
    }

    /// The pages as one PDF named after the material: (file name, bytes).
    pub fn pdf(&self) -> Result<(String, Vec<u8>), UserError> {
        if self.pages.is_empty() {
            return Err(UserError::new(
                ErrorCode::CameraNoPages,
                "no captured pages to attach",
            ));
        }
        let title: String = self.material.trim().chars().take(60).collect();
        let refs: Vec<&[u8]> = self.pages.iter().map(|(_, j)| &j[..]).collect();
        let pdf = crate::domain::document::jpeg_pages_to_pdf(&title, &refs)
            .map_err(|e| UserError::new(ErrorCode::CameraPdf, e.to_string()))?;
        let name = if title.is_empty() {
            crate::labels::files::CAMERA_CAPTURE
        } else {
            &title
        };
        Ok((format!("{name}.pdf"), pdf))
    }

    pub fn clear(&mut self) {
        self.pages.clear();
    }
}

/// A captured page's JPEG turned 90° clockwise (heavy: decode and encode; call it off the UI
/// thread and outside any lock).
pub fn turn_page(jpeg: &[u8]) -> Result<CapturedPage, UserError> {
    let bad = |e: camera::JpegError| UserError::new(ErrorCode::CameraPage, e.to_string());
    let turned = camera::jpeg::decode_rgb(jpeg).map_err(bad)?.rotated(1);
    Ok(CapturedPage {
        jpeg: camera::jpeg::encode_rgb(&turned, 90).map_err(bad)?,
        width: turned.width,
        height: turned.height,
        cropped: true,
    })
}
