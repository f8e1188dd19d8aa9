//! The document camera at the workstation (issue 7): the pages captured for the material
//! being photographed, and their assembly into one PDF attached like an imported file.

use std::sync::Arc;

use crate::devices::camera::{turn_page, PageInfo};
use crate::domain::intake::Attachment;
use crate::UserError;
use yichuang_drivers::camera::Frame;

use super::{lock, Workstation};

impl Workstation {
    /// Starts (`on`) or stops the live preview.
    pub fn camera_preview(&self, on: bool) -> Result<(), UserError> {
        let svc = self.devices.camera()?;
        if on {
            svc.start_preview()
        } else {
            svc.stop_preview()
        }
        Ok(())
    }

    /// Starts or stops reading QR codes from the preview.
    pub fn camera_scan(&self, on: bool) -> Result<(), UserError> {
        let svc = self.devices.camera()?;
        if on {
            svc.start_scan()
        } else {
            svc.stop_scan()
        }
        Ok(())
    }

    /// The newest preview frame (the `yccam` scheme's long poll).
    pub fn camera_frame(&self) -> Result<Frame, UserError> {
        self.devices.camera()?.latest_frame()
    }

    /// Captures the newest full-resolution frame as a page, turned by `quarter_turns` × 90°.
    pub fn camera_capture(&self, quarter_turns: u8) -> Result<Vec<PageInfo>, UserError> {
        let page = self.devices.camera()?.capture(quarter_turns % 4)?;
        Ok(lock(&self.pages).add(page))
    }

    /// The pages for `material`; pages left from another material are dropped.
    pub fn camera_pages(&self, material: &str) -> Vec<PageInfo> {
        lock(&self.pages).for_material(material)
    }

    /// One captured page's JPEG.
    pub fn camera_page(&self, id: u32) -> Result<Arc<[u8]>, UserError> {
        lock(&self.pages).jpeg(id)
    }

    /// Turns one page by 90° clockwise (decoded and encoded outside the lock).
    pub fn camera_page_turn(&self, id: u32) -> Result<Vec<PageInfo>, UserError> {
        let jpeg = self.camera_page(id)?;
        let turned = turn_page(&jpeg)?;
        Ok(lock(&self.pages).replace(id, turned))
    }

    pub fn camera_page_delete(&self, id: u32) -> Vec<PageInfo> {
        lock(&self.pages).remove(id)
    }

    /// Assembles the pages into one PDF for material `name`, attaches it, clears the pages.
    pub fn camera_attach(&self, name: &str) -> Result<Attachment, UserError> {
        let (file, pdf) = {
            let mut pages = lock(&self.pages);
            pages.for_material(name);
            pages.pdf()?
        };
        let att = self.attach_file(&file, &pdf)?;
        lock(&self.pages).clear();
        Ok(att)
    }
}
