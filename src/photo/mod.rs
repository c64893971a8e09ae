//! Measuring a graduation photo (the edge): reads the JPEG's structure, decodes the pixels, finds
//! the face and the background. Nothing is modified; every value comes with its unit in
//! [`Measurements`], and what could not be measured stays `None` with the reason. The verdict
//! against a standard is pure, in [`crate::domain::photo`].

pub mod check;
pub mod command;
mod face;
pub mod jpeg;
mod pixels;
pub mod quality;

use image::{ImageFormat, RgbImage};

use crate::domain::photo::Measurements;
use crate::strings::photo as s;

pub use face::{DETECTOR, DetectorSettings};

/// Largest picture decoded (pixels): 12 times the standard's 480×640 with room to spare; a
/// bigger one is measured from its header only, so a hostile file cannot exhaust memory.
pub const MAX_PIXELS: u64 = 4_000_000;

/// Measures one photo file's bytes. Never fails and never panics: whatever cannot be measured
/// is left `None`, and `problem` (or `format`) says why.
pub fn measure(bytes: &[u8]) -> Measurements {
    let structure = jpeg::read_structure(bytes);
    let frame = structure.frame.as_ref();
    let mut m = Measurements {
        file_bytes: bytes.len() as u64,
        format: match (&structure.problem, frame) {
            (Some(problem), _) => Err(problem.clone()),
            (None, Some(frame)) => Ok(frame.process),
            (None, None) => Err(s::NOT_JPEG.to_string()),
        },
        width_px: frame.map(|f| f.width),
        height_px: frame.map(|f| f.height),
        components: frame.and_then(|f| u8::try_from(f.table_of_component.len()).ok()),
        bits_per_sample: frame.map(|f| f.precision),
        density: structure.density(),
        quality: quality::estimate(&structure),
        background: None,
        face_count: None,
        face: None,
        hair_top_px: None,
        problem: None,
    };
    match decode(bytes, &structure) {
        Ok(rgb) => measure_pixels(&rgb, &mut m),
        Err(problem) => m.problem = Some(problem),
    }
    m
}

/// The pixels as 8-bit RGB, when the structure is sound and the picture not too large.
fn decode(bytes: &[u8], structure: &jpeg::Structure) -> Result<RgbImage, String> {
    if let Some(problem) = &structure.problem {
        return Err(problem.clone());
    }
    let frame = structure.frame.as_ref().ok_or(s::NOT_JPEG)?;
    if u64::from(frame.width) * u64::from(frame.height) > MAX_PIXELS {
        return Err(s::TOO_MANY_PIXELS.to_string());
    }
    image::load_from_memory_with_format(bytes, ImageFormat::Jpeg)
        .map(|image| image.into_rgb8())
        .map_err(|e| format!("{}（{e}）", s::DECODE_FAILED))
}

/// Face, background and top of the hair from the decoded pixels.
fn measure_pixels(rgb: &RgbImage, m: &mut Measurements) {
    let faces = face::detect(rgb);
    m.face_count = Some(faces.len());
    let largest = faces.iter().max_by_key(|f| f.width);
    m.face = largest.map(|b| face::geometry(b, rgb.width()));
    let background = pixels::background(rgb);
    m.hair_top_px = background.and_then(|bg| pixels::hair_top(rgb, bg.mean_rgb, largest));
    m.background = background;
}

/// A face box in pixels of the full picture.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FaceBox {
    pub left: i32,
    pub top: i32,
    pub width: u32,
    pub height: u32,
}
