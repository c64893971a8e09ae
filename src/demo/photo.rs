//! Synthetic ID photos for demo rosters, and the file-level check of the photo standard.
//!
//! The standard (毕业生图像采集规范): JPEG, 480×640 pixels, 300 dpi, 24-bit colour, quality
//! factor at least 60, file size 20–40 KB; top of hair 50–110 px below the top edge, eyes
//! 200–300 px, face width 180–300 px; background light blue <100,197,255>, white or light grey
//! <240,240,240>; clothing clearly different from the background and never blue.
//!
//! Demo photos are flat-colour cartoons so nobody can take them for a real person, but they
//! follow every measurable rule, so the rest of the system treats them like real uploads.

use std::io::Cursor;

use image::codecs::jpeg::{JpegDecoder, JpegEncoder, PixelDensity};
use image::{ColorType, ExtendedColorType, ImageDecoder};
use rand::{Rng, RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;
use thiserror::Error;

use crate::strings;

/// Width required by the standard, in pixels.
pub const PHOTO_WIDTH: u32 = 480;
/// Height required by the standard, in pixels.
pub const PHOTO_HEIGHT: u32 = 640;
/// Resolution written into the JFIF header.
pub const PHOTO_DPI: u16 = 300;
/// Smallest file the standard accepts (20 KB).
pub const PHOTO_MIN_BYTES: usize = 20 * 1024;
/// Largest file the standard accepts (40 KB).
pub const PHOTO_MAX_BYTES: usize = 40 * 1024;
/// Lowest JPEG quality factor the standard allows.
pub const PHOTO_MIN_QUALITY: u8 = 60;

/// The three permitted backgrounds, at their reference RGB values.
pub const BACKGROUNDS: [[u8; 3]; 3] = [[100, 197, 255], [255, 255, 255], [240, 240, 240]];

/// Upper end of the quality search; above this JPEG files grow fast for no visible gain.
const MAX_QUALITY: u8 = 95;
/// First quality tried; with [`START_GRAIN`] it lands near the middle of the size band.
const START_QUALITY: u8 = 80;
/// Grain amplitude (± levels) first tried; flat colours alone compress to a few KB.
const START_GRAIN: u8 = 4;
/// How often the grain is re-scaled when no quality in range fits the size band.
const GRAIN_ATTEMPTS: usize = 6;

/// Why a demo photo could not be produced.
#[derive(Debug, Error)]
pub enum PhotoError {
    #[error("{msg}：{0}", msg = strings::DEMO_PHOTO_ENCODE_FAILED)]
    Encode(#[from] image::ImageError),
    #[error("{}（最后一次为 {bytes} 字节）", strings::DEMO_PHOTO_SIZE_UNREACHABLE)]
    SizeUnreachable { bytes: usize },
}

/// How a photo file falls short of the standard; the message is for the clerk.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum PhotoProblem {
    #[error("{}", strings::PHOTO_NOT_JPEG)]
    NotJpeg,
    #[error("{msg}（{0}）", msg = strings::PHOTO_UNREADABLE)]
    Unreadable(String),
    #[error("{}（实际为 {width}×{height}）", strings::PHOTO_WRONG_DIMENSIONS)]
    WrongDimensions { width: u32, height: u32 },
    #[error("{msg}（实际为 {0}）", msg = strings::PHOTO_NOT_RGB)]
    NotRgb(String),
    #[error("{}（实际为 {bytes} 字节）", strings::PHOTO_TOO_SMALL)]
    TooSmall { bytes: usize },
    #[error("{}（实际为 {bytes} 字节）", strings::PHOTO_TOO_LARGE)]
    TooLarge { bytes: usize },
}

/// A deterministic cartoon photo for `seed` that meets the file and layout standard.
///
/// Size is steered by grain amplitude and JPEG quality; if no combination lands inside
/// 20–40 KB the function fails rather than return a non-conforming file.
pub fn demo_photo(seed: u64) -> Result<Vec<u8>, PhotoError> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let figure = Figure::random(&mut rng);
    let mut canvas = Canvas::new(figure.background);
    figure.paint(&mut canvas);
    // The grain gets its own stream so re-scaling it never changes the figure.
    let grain_seed = rng.next_u64();
    let mut grain = START_GRAIN;
    let mut last_bytes = 0;
    for _ in 0..GRAIN_ATTEMPTS {
        let pixels = canvas.with_grain(grain_seed, grain);
        match encode_in_band(&pixels)? {
            Fit::Found(jpeg) => return Ok(jpeg),
            // No quality in 60..=95 fits: more grain means more bytes at every quality.
            Fit::TooSmall(bytes) => {
                (grain, last_bytes) = (grain.saturating_add(START_GRAIN), bytes)
            }
            Fit::TooLarge(bytes) => (grain, last_bytes) = (grain / 2, bytes),
        }
    }
    Err(PhotoError::SizeUnreachable { bytes: last_bytes })
}

/// Checks what can be checked from the file alone: JPEG, 480×640, 24-bit RGB, 20–40 KB.
///
/// Only the header is decoded; head position and background need a person's eye.
pub fn photo_meets_standard(jpeg: &[u8]) -> Result<(), PhotoProblem> {
    if !jpeg.starts_with(&[0xFF, 0xD8, 0xFF]) {
        return Err(PhotoProblem::NotJpeg);
    }
    let decoder =
        JpegDecoder::new(Cursor::new(jpeg)).map_err(|e| PhotoProblem::Unreadable(e.to_string()))?;
    let (width, height) = decoder.dimensions();
    if (width, height) != (PHOTO_WIDTH, PHOTO_HEIGHT) {
        return Err(PhotoProblem::WrongDimensions { width, height });
    }
    if decoder.color_type() != ColorType::Rgb8 {
        return Err(PhotoProblem::NotRgb(format!("{:?}", decoder.color_type())));
    }
    match jpeg.len() {
        bytes if bytes < PHOTO_MIN_BYTES => Err(PhotoProblem::TooSmall { bytes }),
        bytes if bytes > PHOTO_MAX_BYTES => Err(PhotoProblem::TooLarge { bytes }),
        _ => Ok(()),
    }
}

/// Outcome of searching the quality range for one set of pixels.
enum Fit {
    Found(Vec<u8>),
    /// Even the highest quality gives a file this small.
    TooSmall(usize),
    /// Even the lowest quality gives a file this large.
    TooLarge(usize),
}

/// Binary search over quality: file size grows (almost) monotonically with quality, and the
/// usual case is a hit at [`START_QUALITY`] after one encode.
fn encode_in_band(pixels: &[u8]) -> Result<Fit, PhotoError> {
    let (mut low, mut high) = (PHOTO_MIN_QUALITY, MAX_QUALITY);
    let mut quality = START_QUALITY;
    loop {
        let jpeg = encode(pixels, quality)?;
        let bytes = jpeg.len();
        if bytes < PHOTO_MIN_BYTES {
            if quality == high {
                return Ok(Fit::TooSmall(bytes));
            }
            low = quality + 1;
        } else if bytes > PHOTO_MAX_BYTES {
            if quality == low {
                return Ok(Fit::TooLarge(bytes));
            }
            high = quality - 1;
        } else {
            return Ok(Fit::Found(jpeg));
        }
        quality = low + (high - low) / 2;
    }
}

fn encode(pixels: &[u8], quality: u8) -> Result<Vec<u8>, PhotoError> {
    let mut out = Vec::with_capacity(PHOTO_MAX_BYTES);
    let mut encoder = JpegEncoder::new_with_quality(&mut out, quality);
    encoder.set_pixel_density(PixelDensity::dpi(PHOTO_DPI));
    encoder.encode(pixels, PHOTO_WIDTH, PHOTO_HEIGHT, ExtendedColorType::Rgb8)?;
    Ok(out)
}

type Rgb = [u8; 3];

const SKIN_TONES: [Rgb; 5] = [
    [255, 224, 196],
    [241, 194, 160],
    [224, 172, 130],
    [198, 140, 100],
    [160, 110, 80],
];
const HAIR_COLOURS: [Rgb; 4] = [[20, 20, 22], [45, 32, 25], [70, 50, 35], [35, 35, 40]];
/// Dark, non-blue shirts: they contrast with all three backgrounds and obey the no-blue rule.
const SHIRT_COLOURS: [Rgb; 6] = [
    [50, 50, 55],
    [25, 25, 28],
    [120, 30, 40],
    [40, 90, 60],
    [110, 80, 60],
    [90, 40, 90],
];
const EYE_WHITE: Rgb = [250, 250, 250];
const LIP_COLOUR: Rgb = [190, 90, 90];

/// Where and how the figure is drawn. Lengths are pixels; `face_a`/`face_b` are the face
/// ellipse's half-width and half-height.
#[derive(Debug, Clone, Copy)]
struct Figure {
    background: Rgb,
    skin: Rgb,
    hair: Rgb,
    shirt: Rgb,
    centre_x: f32,
    hair_top: f32,
    hair_thickness: f32,
    face_a: f32,
    face_b: f32,
}

impl Figure {
    /// Ranges are chosen so every combination stays inside the standard with margin:
    /// face width 210–270 (180–300), hair top 70–95 (50–110), eyes ≈216–286 (200–300).
    fn random(rng: &mut ChaCha8Rng) -> Figure {
        let face_a = rng.gen_range(105.0..=135.0);
        Figure {
            background: BACKGROUNDS[rng.gen_range(0..BACKGROUNDS.len())],
            skin: SKIN_TONES[rng.gen_range(0..SKIN_TONES.len())],
            hair: HAIR_COLOURS[rng.gen_range(0..HAIR_COLOURS.len())],
            shirt: SHIRT_COLOURS[rng.gen_range(0..SHIRT_COLOURS.len())],
            centre_x: PHOTO_WIDTH as f32 / 2.0 + rng.gen_range(-8.0..=8.0),
            hair_top: rng.gen_range(70.0..=95.0),
            hair_thickness: rng.gen_range(16.0..=24.0),
            face_a,
            // Faces are about 1.3 times as tall as wide.
            face_b: face_a * 1.3,
        }
    }

    /// The face as an ellipse: centre, half-width, half-height.
    fn face(&self) -> Ellipse {
        let cy = self.hair_top + self.hair_thickness + self.face_b;
        Ellipse::new(self.centre_x, cy, self.face_a, self.face_b)
    }

    /// Eyes sit just above the middle of the face ellipse.
    fn eye_y(&self) -> f32 {
        let face = self.face();
        face.cy - 0.05 * face.b
    }

    /// Back to front, so later shapes cover earlier ones.
    fn paint(&self, canvas: &mut Canvas) {
        self.paint_body(canvas);
        self.paint_head(canvas);
        self.paint_features(canvas);
    }

    /// Neck, shirt-coloured shoulders reaching the bottom edge, and a V-neck collar.
    fn paint_body(&self, canvas: &mut Canvas) {
        let face = self.face();
        let (cx, a) = (face.cx, face.a);
        let neck = shade(self.skin, 0.9);
        let shoulder_top = face.cy + face.b + 25.0;
        canvas.rect(
            cx - 0.42 * a,
            face.cy + 0.5 * face.b,
            cx + 0.42 * a,
            shoulder_top + 30.0,
            neck,
        );
        // An ellipse centred below the frame gives rounded shoulders and a flat bottom.
        let below = PHOTO_HEIGHT as f32 + 60.0;
        canvas.ellipse(
            Ellipse::new(cx, below, 225.0, below - shoulder_top),
            self.shirt,
        );
        canvas.v_neck(cx, shoulder_top, 0.42 * a, 70.0, neck);
    }

    /// Hair, ears and face. The top of the back hair is exactly `hair_top`.
    fn paint_head(&self, canvas: &mut Canvas) {
        let face = self.face();
        let (cx, a, b) = (face.cx, face.a, face.b);
        // Cut level with the face centre: short hair that leaves the ears visible, as the
        // standard requires.
        let back_cy = face.cy - 0.15 * b;
        let back = Ellipse::new(cx, back_cy, 1.12 * a, back_cy - self.hair_top);
        canvas.ellipse_above(back, self.hair, face.cy);
        let eye_y = self.eye_y();
        for side in [-1.0, 1.0] {
            let ear = Ellipse::new(cx + side * a, eye_y + 0.12 * a, 0.14 * a, 0.26 * a);
            canvas.ellipse(ear, shade(self.skin, 0.93));
        }
        canvas.ellipse(face, self.skin);
        // Fringe: a dome over the top of the forehead, well clear of the eyebrows.
        let hairline = face.cy - 0.78 * b;
        let fringe = Ellipse::new(cx, hairline, 0.97 * a, 0.24 * b);
        canvas.ellipse_above(fringe, self.hair, hairline);
    }

    /// Eyebrows, open eyes looking straight ahead, nose and closed lips.
    fn paint_features(&self, canvas: &mut Canvas) {
        let (cx, a) = (self.centre_x, self.face_a);
        let eye_y = self.eye_y();
        for side in [-1.0, 1.0] {
            let x = cx + side * 0.4 * a;
            canvas.ellipse(
                Ellipse::new(x, eye_y - 0.22 * a, 0.2 * a, 0.04 * a),
                self.hair,
            );
            canvas.ellipse(Ellipse::new(x, eye_y, 0.17 * a, 0.08 * a), EYE_WHITE);
            canvas.ellipse(Ellipse::new(x, eye_y, 0.07 * a, 0.07 * a), self.hair);
        }
        let nose = Ellipse::new(cx, eye_y + 0.45 * a, 0.07 * a, 0.05 * a);
        canvas.ellipse(nose, shade(self.skin, 0.8));
        let mouth = Ellipse::new(cx, eye_y + 0.8 * a, 0.25 * a, 0.045 * a);
        canvas.ellipse(mouth, LIP_COLOUR);
    }
}

/// Darker version of a colour, for shadows (neck, ears, nose).
fn shade(colour: Rgb, factor: f32) -> Rgb {
    colour.map(|c| (f32::from(c) * factor) as u8)
}

/// Centre (`cx`, `cy`), half-width `a`, half-height `b`.
#[derive(Debug, Clone, Copy)]
struct Ellipse {
    cx: f32,
    cy: f32,
    a: f32,
    b: f32,
}

impl Ellipse {
    fn new(cx: f32, cy: f32, a: f32, b: f32) -> Ellipse {
        Ellipse { cx, cy, a, b }
    }
}

/// RGB8 pixels, row-major. Shapes are filled one row span at a time, which keeps a photo
/// well under a millisecond to draw.
struct Canvas {
    pixels: Vec<u8>,
}

impl Canvas {
    fn new(background: Rgb) -> Canvas {
        let count = (PHOTO_WIDTH * PHOTO_HEIGHT) as usize;
        Canvas {
            pixels: background.repeat(count),
        }
    }

    /// Fills columns `x0..x1` (clamped to the canvas) of row `y`.
    fn span(&mut self, y: i64, x0: f32, x1: f32, colour: Rgb) {
        if !(0..i64::from(PHOTO_HEIGHT)).contains(&y) {
            return;
        }
        let width = PHOTO_WIDTH as usize;
        let start = (x0.round().max(0.0) as usize).min(width);
        let end = (x1.round().max(0.0) as usize).min(width);
        let row = y as usize * width * 3;
        for pixel in self.pixels[row + start * 3..row + end * 3].chunks_exact_mut(3) {
            pixel.copy_from_slice(&colour);
        }
    }

    fn rect(&mut self, x0: f32, y0: f32, x1: f32, y1: f32, colour: Rgb) {
        for y in y0.round() as i64..y1.round() as i64 {
            self.span(y, x0, x1, colour);
        }
    }

    fn ellipse(&mut self, e: Ellipse, colour: Rgb) {
        self.ellipse_above(e, colour, f32::INFINITY);
    }

    /// Fills the part of the ellipse above row `clip_below` (exclusive).
    fn ellipse_above(&mut self, e: Ellipse, colour: Rgb, clip_below: f32) {
        let top = (e.cy - e.b).floor() as i64;
        let bottom = (e.cy + e.b).min(clip_below).ceil() as i64;
        for y in top..bottom {
            // Sample the row's centre so the shape is symmetric about `cy`.
            let t = (y as f32 + 0.5 - e.cy) / e.b;
            if t.abs() < 1.0 {
                let half = e.a * (1.0 - t * t).sqrt();
                self.span(y, e.cx - half, e.cx + half, colour);
            }
        }
    }

    /// A downward triangle of `colour` at the collar: the neck showing through a V-neck.
    fn v_neck(&mut self, cx: f32, top: f32, half_width: f32, depth: f32, colour: Rgb) {
        for dy in 0..depth as i64 {
            let half = half_width * (1.0 - dy as f32 / depth);
            self.span(top as i64 + dy, cx - half, cx + half, colour);
        }
    }

    /// A copy with seeded luminance grain of ± `amplitude` levels. Flat colours compress to
    /// a few KB; grain gives the encoder detail to spend bytes on, and its amplitude is
    /// the knob that moves the file into the 20–40 KB band.
    fn with_grain(&self, seed: u64, amplitude: u8) -> Vec<u8> {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let span = 2 * i32::from(amplitude) + 1;
        let mut out = self.pixels.clone();
        for block in out.chunks_mut(3 * 8) {
            // One draw covers eight pixels: a byte each, scaled onto -amplitude..=amplitude.
            let noise = rng.next_u64().to_le_bytes();
            for (pixel, byte) in block.chunks_exact_mut(3).zip(noise) {
                let delta = ((i32::from(byte) * span) >> 8) - i32::from(amplitude);
                for channel in pixel {
                    *channel = (i32::from(*channel) + delta).clamp(0, 255) as u8;
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reads the density fields of the JFIF APP0 segment: (unit, x, y).
    fn jfif_density(jpeg: &[u8]) -> Option<(u8, u16, u16)> {
        let app0 = jpeg.get(2..20)?;
        if app0[0..2] != [0xFF, 0xE0] || &app0[4..9] != b"JFIF\0" {
            return None;
        }
        let x = u16::from_be_bytes([app0[12], app0[13]]);
        let y = u16::from_be_bytes([app0[14], app0[15]]);
        Some((app0[11], x, y))
    }

    #[test]
    fn two_hundred_seeds_meet_the_standard() {
        for seed in 0..200 {
            let jpeg = demo_photo(seed).expect("photo");
            assert_eq!(photo_meets_standard(&jpeg), Ok(()), "seed {seed}");
        }
    }

    #[test]
    fn same_seed_gives_identical_bytes() {
        for seed in [0, 1, 99, u64::MAX] {
            assert_eq!(demo_photo(seed).expect("a"), demo_photo(seed).expect("b"));
        }
    }

    #[test]
    fn different_seeds_give_different_photos() {
        assert_ne!(demo_photo(1).expect("a"), demo_photo(2).expect("b"));
    }

    #[test]
    fn photo_decodes_to_480_by_640_rgb() {
        let jpeg = demo_photo(12345).expect("photo");
        let image = image::load_from_memory(&jpeg).expect("decode");
        assert_eq!((image.width(), image.height()), (480, 640));
        assert_eq!(image.color(), ColorType::Rgb8);
    }

    #[test]
    fn jfif_header_says_300_dpi() {
        let jpeg = demo_photo(3).expect("photo");
        // Unit 1 means dots per inch.
        assert_eq!(jfif_density(&jpeg), Some((1, 300, 300)));
    }

    #[test]
    fn layout_ranges_stay_inside_the_standard() {
        for seed in 0..1_000 {
            let figure = Figure::random(&mut ChaCha8Rng::seed_from_u64(seed));
            let face_width = 2.0 * figure.face_a;
            assert!((180.0..=300.0).contains(&face_width), "seed {seed}");
            assert!((50.0..=110.0).contains(&figure.hair_top), "seed {seed}");
            assert!((200.0..=300.0).contains(&figure.eye_y()), "seed {seed}");
        }
    }

    #[test]
    fn painted_hair_top_matches_the_layout() {
        let mut rng = ChaCha8Rng::seed_from_u64(8);
        let figure = Figure::random(&mut rng);
        let mut canvas = Canvas::new(figure.background);
        figure.paint(&mut canvas);
        let width = PHOTO_WIDTH as usize;
        let first_row = canvas
            .pixels
            .chunks_exact(width * 3)
            .position(|row| row.chunks_exact(3).any(|p| p != figure.background))
            .expect("figure painted");
        assert!((first_row as f32 - figure.hair_top).abs() <= 1.0);
        assert!((50..=110).contains(&first_row));
    }

    #[test]
    fn backgrounds_are_the_reference_colours() {
        let seen: std::collections::HashSet<Rgb> = (0..200)
            .map(|seed| Figure::random(&mut ChaCha8Rng::seed_from_u64(seed)).background)
            .collect();
        assert_eq!(seen.len(), 3);
    }

    #[test]
    fn problems_are_reported() {
        assert_eq!(photo_meets_standard(b"GIF89a"), Err(PhotoProblem::NotJpeg));
        let small = encode(&Canvas::new(BACKGROUNDS[1]).pixels, 80).expect("encode");
        assert_eq!(
            photo_meets_standard(&small),
            Err(PhotoProblem::TooSmall { bytes: small.len() })
        );
        let truncated = [0xFF, 0xD8, 0xFF, 0xE0, 0x00];
        assert!(matches!(
            photo_meets_standard(&truncated),
            Err(PhotoProblem::Unreadable(_))
        ));
    }

    #[test]
    fn wrong_dimensions_are_reported() {
        let mut out = Vec::new();
        let pixels = vec![128u8; 100 * 100 * 3];
        JpegEncoder::new_with_quality(&mut out, 80)
            .encode(&pixels, 100, 100, ExtendedColorType::Rgb8)
            .expect("encode");
        assert_eq!(
            photo_meets_standard(&out),
            Err(PhotoProblem::WrongDimensions {
                width: 100,
                height: 100
            })
        );
    }

    #[test]
    fn greyscale_is_reported() {
        let mut out = Vec::new();
        let pixels = vec![128u8; (PHOTO_WIDTH * PHOTO_HEIGHT) as usize];
        JpegEncoder::new_with_quality(&mut out, 80)
            .encode(&pixels, PHOTO_WIDTH, PHOTO_HEIGHT, ExtendedColorType::L8)
            .expect("encode");
        assert!(matches!(
            photo_meets_standard(&out),
            Err(PhotoProblem::NotRgb(_))
        ));
    }

    #[test]
    fn messages_are_chinese() {
        let message = PhotoProblem::TooLarge { bytes: 50_000 }.to_string();
        assert!(message.contains("20KB至40KB"), "{message}");
    }
}
