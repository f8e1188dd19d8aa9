//! The simulated document camera: a [`CameraBackend`] that streams MJPEG frames of a
//! synthetic scene — an empty desk, a queue ticket sliding into view, an A4 page — or plays
//! a directory of JPEG files in a loop. It stands in for the device only: frames are real
//! JPEG bytes that go through the same decoding, QR and crop code as a real camera's.
//!
//! [`CameraSimulator`] is also the tester's hand: [`unplug`](CameraSimulator::unplug) makes
//! the open stream fail with [`CameraError::Unplugged`] and opening fail with
//! [`CameraError::NotFound`] until [`plug`](CameraSimulator::plug);
//! [`show_ticket`](CameraSimulator::show_ticket) and
//! [`show_document`](CameraSimulator::show_document) change the scene.

use super::frame::{Frame, PixelFormat};
use super::image::{GrayImage, RgbImage};
use super::jpeg;
use super::scene::{self, Placement};
use super::source::{CameraBackend, CameraInfo, Capture, StreamMode};
use super::CameraError;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// What is under the simulated camera.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scene {
    /// The bare desk.
    Empty,
    /// A queue ticket carrying `text` as a QR code, sliding in from the right over
    /// [`SimConfig::slide_frames`] frames.
    Ticket { text: String },
    /// An A4 page, slightly turned.
    Document,
}

/// Settings of the simulated camera.
#[derive(Debug, Clone)]
pub struct SimConfig {
    pub width: u32,
    pub height: u32,
    pub fps: u32,
    /// Frames a ticket takes to slide into place.
    pub slide_frames: u32,
    /// JPEG quality of the frames (document cameras stream ~q85–95).
    pub quality: u8,
    /// Play these JPEG files in a loop instead of the synthetic scene.
    pub sequence: Option<PathBuf>,
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            width: 1920,
            height: 1080,
            fps: 15,
            slide_frames: 12,
            quality: 90,
            sequence: None,
        }
    }
}

#[derive(Debug)]
struct State {
    plugged: bool,
    /// Bumped on every unplug: a stream opened before it is dead.
    generation: u64,
    scene: Scene,
    /// Bumped on every scene change.
    scene_version: u64,
}

/// The simulated camera and its control handle (clones share the device).
#[derive(Debug, Clone)]
pub struct CameraSimulator {
    config: Arc<SimConfig>,
    state: Arc<Mutex<State>>,
}

const SIM_NAME: &str = crate::messages::device::SIMULATED_CAMERA;

impl CameraSimulator {
    pub fn new(config: SimConfig) -> Self {
        CameraSimulator {
            config: Arc::new(config),
            state: Arc::new(Mutex::new(State {
                plugged: true,
                generation: 0,
                scene: Scene::Empty,
                scene_version: 0,
            })),
        }
    }

    fn with<R>(&self, f: impl FnOnce(&mut State) -> R) -> R {
        let mut s = self.state.lock().unwrap_or_else(|p| p.into_inner());
        f(&mut s)
    }

    /// Pulls the USB cable.
    pub fn unplug(&self) {
        self.with(|s| {
            s.plugged = false;
            s.generation += 1;
        });
    }

    /// Plugs the camera back in.
    pub fn plug(&self) {
        self.with(|s| s.plugged = true);
    }

    pub fn is_plugged(&self) -> bool {
        self.with(|s| s.plugged)
    }

    pub fn set_scene(&self, scene: Scene) {
        self.with(|s| {
            s.scene = scene;
            s.scene_version += 1;
        });
    }

    /// Slides a queue ticket with `text` in its QR code under the camera.
    pub fn show_ticket(&self, text: &str) {
        self.set_scene(Scene::Ticket { text: text.into() });
    }

    /// Puts an A4 page under the camera.
    pub fn show_document(&self) {
        self.set_scene(Scene::Document);
    }

    /// Clears the desk.
    pub fn clear(&self) {
        self.set_scene(Scene::Empty);
    }
}

impl CameraBackend for CameraSimulator {
    fn list(&self) -> Result<Vec<CameraInfo>, CameraError> {
        Ok(if self.is_plugged() {
            vec![CameraInfo {
                index: 0,
                name: SIM_NAME.into(),
                description: "in-process simulator".into(),
            }]
        } else {
            Vec::new()
        })
    }

    fn open(&self) -> Result<Box<dyn Capture>, CameraError> {
        let generation = self
            .with(|s| s.plugged.then_some(s.generation))
            .ok_or_else(|| CameraError::NotFound {
                device: SIM_NAME.into(),
                detail: "simulated camera unplugged".into(),
            })?;
        let sequence = match &self.config.sequence {
            Some(dir) => Some(load_sequence(dir)?),
            None => None,
        };
        let (width, height) = match &sequence {
            Some(frames) => jpeg::dimensions(&frames[0])?,
            None => (self.config.width, self.config.height),
        };
        Ok(Box::new(SimCapture {
            sim: self.clone(),
            generation,
            sequence,
            mode: StreamMode {
                width,
                height,
                format: PixelFormat::Mjpeg,
                fps: self.config.fps.max(1),
            },
            seq: 0,
            next_due: Instant::now(),
            desk: None,
            rendered: None,
            shown_since: 0,
        }))
    }
}

fn load_sequence(dir: &Path) -> Result<Vec<Arc<[u8]>>, CameraError> {
    let bad = |detail: String| CameraError::Config(format!("{}: {detail}", dir.display()));
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| bad(e.to_string()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| e.eq_ignore_ascii_case("jpg") || e.eq_ignore_ascii_case("jpeg"))
        })
        .collect();
    files.sort();
    if files.is_empty() {
        return Err(bad("no .jpg files to play".into()));
    }
    files
        .iter()
        .map(|p| {
            let bytes = std::fs::read(p).map_err(|e| bad(e.to_string()))?;
            jpeg::dimensions(&bytes).map_err(|e| bad(format!("{}: {e}", p.display())))?;
            Ok(bytes.into())
        })
        .collect()
}

struct SimCapture {
    sim: CameraSimulator,
    generation: u64,
    sequence: Option<Vec<Arc<[u8]>>>,
    mode: StreamMode,
    seq: u64,
    next_due: Instant,
    desk: Option<GrayImage>,
    /// The last encoded frame and what it showed: (scene version, slide step, bytes).
    rendered: Option<(u64, u32, Arc<[u8]>)>,
    /// Frame number at which the current scene appeared.
    shown_since: u64,
}

impl SimCapture {
    fn render(&mut self, scene: &Scene, version: u64) -> Result<Arc<[u8]>, CameraError> {
        let cfg = &self.sim.config;
        if self.rendered.as_ref().is_none_or(|r| r.0 != version) {
            self.shown_since = self.seq;
        }
        let step = match scene {
            Scene::Ticket { .. } => {
                (self.seq.saturating_sub(self.shown_since) as u32).min(cfg.slide_frames)
            }
            _ => 0,
        };
        if let Some((v, s, bytes)) = &self.rendered {
            if *v == version && *s == step {
                return Ok(bytes.clone());
            }
        }
        let (w, h) = (self.mode.width, self.mode.height);
        let mut frame = self
            .desk
            .get_or_insert_with(|| scene::desk(w, h, 20261122))
            .clone();
        match scene {
            Scene::Empty => {}
            Scene::Ticket { text } => {
                // Module size so the ticket is ~1/4 of the frame's height.
                let module = (h / 270).max(2);
                let paper = scene::ticket(text, module).ok_or_else(|| {
                    CameraError::Config("ticket text too long for a QR code".into())
                })?;
                let end_x = w as f32 * 0.45;
                let start_x = w as f32 + paper.width as f32;
                let t = step as f32 / cfg.slide_frames.max(1) as f32;
                scene::place(
                    &mut frame,
                    &paper,
                    Placement {
                        cx: start_x + (end_x - start_x) * t,
                        cy: h as f32 * 0.5,
                        angle_deg: 7.0,
                    },
                );
            }
            Scene::Document => {
                let page = scene::document_page(h * 55 / 100);
                scene::place(
                    &mut frame,
                    &page,
                    Placement {
                        cx: w as f32 * 0.5,
                        cy: h as f32 * 0.5,
                        angle_deg: -6.0,
                    },
                );
            }
        }
        // A faint warm tint, so the frames are colour JPEG like a real camera's.
        let rgb: Vec<u8> = frame
            .data
            .iter()
            .flat_map(|&v| [v.saturating_add(4), v, v.saturating_sub(4)])
            .collect();
        let img = RgbImage::new(w, h, rgb).expect("sizes match");
        let bytes: Arc<[u8]> = jpeg::encode_rgb(&img, cfg.quality)?.into();
        self.rendered = Some((version, step, bytes.clone()));
        Ok(bytes)
    }
}

impl Capture for SimCapture {
    fn mode(&self) -> StreamMode {
        self.mode
    }

    fn next_frame(&mut self) -> Result<Frame, CameraError> {
        // Pace like a camera: one frame per 1/fps.
        let now = Instant::now();
        if self.next_due > now {
            std::thread::sleep(self.next_due - now);
        }
        let period = Duration::from_secs(1) / self.mode.fps;
        self.next_due = self.next_due.max(now - period) + period;
        let (alive, scene, version) = self.sim.with(|s| {
            (
                s.plugged && s.generation == self.generation,
                s.scene.clone(),
                s.scene_version,
            )
        });
        if !alive {
            return Err(CameraError::Unplugged {
                device: SIM_NAME.into(),
                detail: "simulated camera unplugged".into(),
            });
        }
        self.seq += 1;
        let bytes = match &self.sequence {
            Some(frames) => frames[(self.seq as usize - 1) % frames.len()].clone(),
            None => self.render(&scene, version)?,
        };
        Frame::from_jpeg(bytes, self.seq)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn small() -> SimConfig {
        SimConfig {
            width: 640,
            height: 480,
            fps: 200,
            slide_frames: 3,
            ..SimConfig::default()
        }
    }

    #[test]
    fn a_ticket_slides_in_and_its_code_reads() {
        let sim = CameraSimulator::new(small());
        let mut cap = sim.open().unwrap();
        assert_eq!(cap.mode().format, PixelFormat::Mjpeg);
        let f = cap.next_frame().unwrap();
        assert_eq!((f.width, f.height), (640, 480));
        let reader = super::super::qr::QrReader::default();
        assert!(reader.read(&f.to_luma().unwrap()).is_none());
        sim.show_ticket("QT|A023|20261122|W3|7f3k");
        let mut read = None;
        for _ in 0..6 {
            let f = cap.next_frame().unwrap();
            if let Some(code) = reader.read(&f.to_luma().unwrap()) {
                read = Some(code.text);
                break;
            }
        }
        assert_eq!(read.as_deref(), Some("QT|A023|20261122|W3|7f3k"));
    }

    #[test]
    fn unplug_fails_the_stream_and_opening_until_replugged() {
        let sim = CameraSimulator::new(small());
        let mut cap = sim.open().unwrap();
        cap.next_frame().unwrap();
        sim.unplug();
        let e = cap.next_frame().unwrap_err();
        assert!(matches!(e, CameraError::Unplugged { .. }), "{e}");
        assert!(e.message().starts_with("高拍仪未连接"));
        assert!(sim.open().is_err());
        assert!(sim.list().unwrap().is_empty());
        sim.plug();
        // The old stream stays dead; a new one works.
        assert!(cap.next_frame().is_err());
        let mut cap = sim.open().unwrap();
        assert!(cap.next_frame().is_ok());
    }

    #[test]
    fn a_directory_of_jpegs_plays_in_a_loop() {
        let dir = tempfile::tempdir().unwrap();
        for (i, v) in [60u8, 200].iter().enumerate() {
            let g = GrayImage::filled(32, 24, *v);
            std::fs::write(
                dir.path().join(format!("{i:02}.jpg")),
                jpeg::encode_gray(&g, 90).unwrap(),
            )
            .unwrap();
        }
        std::fs::write(dir.path().join("notes.txt"), "ignored").unwrap();
        let sim = CameraSimulator::new(SimConfig {
            sequence: Some(dir.path().into()),
            fps: 500,
            ..SimConfig::default()
        });
        let mut cap = sim.open().unwrap();
        let levels: Vec<u8> = (0..4)
            .map(|_| cap.next_frame().unwrap().to_luma().unwrap().data[0])
            .collect();
        assert!(levels[0] < 100 && levels[1] > 150 && levels[2] < 100 && levels[3] > 150);
        let empty = tempfile::tempdir().unwrap();
        let sim = CameraSimulator::new(SimConfig {
            sequence: Some(empty.path().into()),
            ..SimConfig::default()
        });
        assert!(matches!(sim.open().err(), Some(CameraError::Config(_))));
    }
}
