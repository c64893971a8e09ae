//! Frontal face detection with SeetaFace's funnel-structured cascade (the `rustface` crate, pure
//! Rust). The model (data/models/seeta_fd_frontal_v1.0.bin, BSD-2, copied from the rustface
//! crate package) is compiled into the binary, so nothing needs installing or finding at run time.
//!
//! Speed: the picture is box-averaged down by [`DetectorSettings::downscale`] before detection;
//! the standard's faces are 180–300 px wide, far above the detector's smallest window.

use std::cell::RefCell;
use std::sync::OnceLock;

use image::RgbImage;
use rustface::{Detector, ImageData, Model};

use super::FaceBox;
use crate::domain::photo::FaceGeometry;

static MODEL_BYTES: &[u8] = include_bytes!("../../data/models/seeta_fd_frontal_v1.0.bin");

/// How the detector runs; tuned so one 480×640 photo measures within the budget (README,
/// "Performance") while finding faces from [`Self::min_face_px`] upwards.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DetectorSettings {
    /// The picture is shrunk by this factor in each direction before detection.
    pub downscale: u32,
    /// Smallest face found, in pixels of the full picture.
    pub min_face_px: u32,
    /// Each pyramid level is this fraction of the one before.
    pub pyramid_factor: f32,
    /// Sliding window step, in pixels of the shrunk picture.
    pub step: u32,
    /// Detector score a face must reach (the crate's example uses 2.0).
    pub score: f64,
}

/// The settings used by [`super::measure`].
pub const DETECTOR: DetectorSettings = DetectorSettings {
    downscale: 4,
    min_face_px: 96,
    pyramid_factor: 0.8,
    step: 2,
    score: 2.0,
};

/// The detector's own smallest window: it refuses anything below.
const SMALLEST_WINDOW: u32 = 20;

/// Where the eyes are in a SeetaFace box, as a fraction of its height from the top, and the
/// cheek-to-cheek width as a fraction of its width; measured on the demo's drawn faces (whose
/// geometry is known) and the astronaut portrait (tests/photo.rs).
const EYE_LINE_IN_BOX: f64 = 0.41;
const CHEEKS_IN_BOX: f64 = 0.90;

fn model() -> Option<&'static Model> {
    static MODEL: OnceLock<Option<Model>> = OnceLock::new();
    MODEL
        .get_or_init(|| rustface::read_model(MODEL_BYTES).ok())
        .as_ref()
}

thread_local! {
    /// One detector per thread: it keeps buffers between calls and is not `Sync`.
    static DETECTOR_OF_THREAD: RefCell<Option<Box<dyn Detector>>> = const { RefCell::new(None) };
}

/// The faces in `rgb`, in pixels of the full picture. A picture too small for the detector's
/// window has none.
pub fn detect(rgb: &RgbImage) -> Vec<FaceBox> {
    let settings = DETECTOR;
    let k = settings.downscale.max(1);
    let (w, h) = (rgb.width() / k, rgb.height() / k);
    let min_face = (settings.min_face_px / k).max(SMALLEST_WINDOW);
    if w < min_face || h < min_face {
        return Vec::new();
    }
    let grey = shrink_to_grey(rgb, k);
    DETECTOR_OF_THREAD.with(|cell| {
        let mut slot = cell.borrow_mut();
        if slot.is_none() {
            *slot = model().map(|model| {
                let mut d = rustface::create_detector_with_model(model.clone());
                d.set_min_face_size(min_face);
                d.set_score_thresh(settings.score);
                d.set_pyramid_scale_factor(settings.pyramid_factor);
                d.set_slide_window_step(settings.step, settings.step);
                d
            });
        }
        let Some(detector) = slot.as_mut() else {
            return Vec::new();
        };
        let scale = k as i32;
        detector
            .detect(&ImageData::new(&grey, w, h))
            .iter()
            .map(|f| {
                let b = f.bbox();
                FaceBox {
                    left: b.x() * scale,
                    top: b.y() * scale,
                    width: b.width() * k,
                    height: b.height() * k,
                }
            })
            .collect()
    })
}

/// Grey levels (ITU-R BT.601 luma) averaged over `k`×`k` blocks.
fn shrink_to_grey(rgb: &RgbImage, k: u32) -> Vec<u8> {
    let (w, h) = (rgb.width() / k, rgb.height() / k);
    let mut out = Vec::with_capacity((w * h) as usize);
    let raw = rgb.as_raw();
    let stride = rgb.width() as usize * 3;
    let k = k as usize;
    for by in 0..h as usize {
        for bx in 0..w as usize {
            let mut sum = 0u32;
            for y in by * k..(by + 1) * k {
                let row = &raw[y * stride + bx * k * 3..y * stride + (bx + 1) * k * 3];
                for p in row.chunks_exact(3) {
                    sum += 299 * u32::from(p[0]) + 587 * u32::from(p[1]) + 114 * u32::from(p[2]);
                }
            }
            out.push((sum / (1000 * (k * k) as u32)) as u8);
        }
    }
    out
}

/// The geometry the standard asks for, estimated from the face box (no landmark model).
pub fn geometry(b: &FaceBox, picture_width: u32) -> FaceGeometry {
    let centre_x = f64::from(b.left) + f64::from(b.width) / 2.0;
    FaceGeometry {
        left: b.left,
        top: b.top,
        width: b.width,
        height: b.height,
        face_width_px: (f64::from(b.width) * CHEEKS_IN_BOX).round() as u32,
        eye_line_px: (f64::from(b.top) + EYE_LINE_IN_BOX * f64::from(b.height)).round() as i32,
        eye_line_estimated: true,
        centre_offset_px: (centre_x - f64::from(picture_width) / 2.0).round() as i32,
    }
}
