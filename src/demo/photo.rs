//! Synthetic ID photos for demo rosters and photo-standard fixtures.
//!
//! The standard (seed 002 四, data/photo_standards.toml): JPEG, 480×640 pixels, 300 dpi, 24-bit
//! colour, quality factor at least 60, file size 20–40 KB; top of hair 50–110 px below the top
//! edge, eyes 200–300 px, face width 180–300 px; background white or light grey (Guangzhou, seed
//! 001 附件2; Shaoguan also allows light blue); clothing clearly different from the background.
//!
//! Demo photos are flat-colour cartoons so nobody can take them for a real person, but they
//! follow every measurable rule, and SeetaFace's frontal detector finds their faces (shaded eye
//! sockets, nose and mouth give it the contrast pattern of a real face). A [`Flaw`] breaks one
//! rule on purpose: the demo shows the check on a few candidates, and the tests use each flaw.

use image::ExtendedColorType;
use image::codecs::jpeg::{JpegEncoder, PixelDensity};
use rand::{Rng, RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;
use thiserror::Error;

use crate::domain::photo::{Check, Standards, verdict};
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

/// The backgrounds Guangzhou allows (seed 001 附件2 二 1): white and light grey.
pub const BACKGROUNDS: [[u8; 3]; 2] = [[255, 255, 255], [240, 240, 240]];
/// Shaoguan's third background (seed 002 二 1), which Guangzhou does not allow.
pub const LIGHT_BLUE: [u8; 3] = [100, 197, 255];

/// Upper end of the quality search; above this JPEG files grow fast for no visible gain.
const MAX_QUALITY: u8 = 95;
/// First quality tried; with [`START_GRAIN`] it lands near the middle of the size band.
const START_QUALITY: u8 = 80;
/// Grain amplitude (± levels) first tried; flat colours alone compress to a few KB.
const START_GRAIN: u8 = 4;
/// How often the grain is re-scaled when no quality in range fits the size band.
const GRAIN_ATTEMPTS: usize = 8;

/// Why a demo photo could not be produced.
#[derive(Debug, Error)]
pub enum PhotoError {
    #[error("{msg}：{0}", msg = strings::DEMO_PHOTO_ENCODE_FAILED)]
    Encode(#[from] image::ImageError),
    #[error("{}（最后一次为 {bytes} 字节）", strings::DEMO_PHOTO_SIZE_UNREACHABLE)]
    SizeUnreachable { bytes: usize },
    #[error("{msg}{0:?}", msg = strings::DEMO_PHOTO_FLAW_NOT_SHOWN)]
    FlawNotShown(Flaw),
}

/// One rule of the standard broken on purpose; everything else stays as in a conforming photo.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Flaw {
    /// 480×600 instead of 480×640.
    WrongSize,
    /// 72 dpi in the JFIF header.
    LowDensity,
    /// 8-bit grey instead of 24-bit colour.
    Grey,
    /// Quality factor 40.
    Quality40,
    /// About 60 KB (56–64 KB).
    LargeFile,
    /// Under 20 KB (8–19 KB: flat colours at quality 60 do not get smaller with this encoder,
    /// which does not subsample chroma).
    SmallFile,
    /// Light blue background: fine in Shaoguan, not in Guangzhou.
    BlueBackground,
    /// Top of the hair 30 px below the top edge.
    HairTooHigh,
    /// Face 160 px wide.
    FaceTooSmall,
    /// Face 60 px right of the centre.
    OffCentre,
    /// The back of a head: no face to find.
    NoFace,
    /// Two people side by side.
    TwoFaces,
}

impl Flaw {
    pub const ALL: [Flaw; 12] = [
        Flaw::WrongSize,
        Flaw::LowDensity,
        Flaw::Grey,
        Flaw::Quality40,
        Flaw::LargeFile,
        Flaw::SmallFile,
        Flaw::BlueBackground,
        Flaw::HairTooHigh,
        Flaw::FaceTooSmall,
        Flaw::OffCentre,
        Flaw::NoFace,
        Flaw::TwoFaces,
    ];

    /// The rule of the Guangzhou standard this flaw breaks.
    pub fn breaks(self) -> Check {
        match self {
            Flaw::WrongSize => Check::HeightPx,
            Flaw::LowDensity => Check::DensityDpi,
            Flaw::Grey => Check::ColourBits,
            Flaw::Quality40 => Check::Quality,
            Flaw::LargeFile | Flaw::SmallFile => Check::FileBytes,
            Flaw::BlueBackground => Check::BackgroundColour,
            Flaw::HairTooHigh => Check::HairTopPx,
            Flaw::FaceTooSmall => Check::FaceWidthPx,
            Flaw::OffCentre => Check::CentreOffsetPx,
            Flaw::NoFace | Flaw::TwoFaces => Check::FaceCount,
        }
    }

    /// The file size band the encoder aims for, in bytes.
    fn size_band(self) -> (usize, usize) {
        match self {
            Flaw::LargeFile => (56 * 1024, 64 * 1024),
            Flaw::SmallFile => (8 * 1024, 19 * 1024),
            _ => (PHOTO_MIN_BYTES, PHOTO_MAX_BYTES),
        }
    }

    /// The quality range the encoder may use.
    fn qualities(self) -> (u8, u8) {
        match self {
            Flaw::Quality40 => (40, 40),
            _ => (PHOTO_MIN_QUALITY, MAX_QUALITY),
        }
    }
}

/// How one photo is encoded.
#[derive(Debug, Clone, Copy)]
struct Encoding {
    width: u32,
    height: u32,
    grey: bool,
    dpi: u16,
    band: (usize, usize),
    qualities: (u8, u8),
}

impl Encoding {
    fn for_flaw(flaw: Option<Flaw>) -> Encoding {
        Encoding {
            width: PHOTO_WIDTH,
            height: if flaw == Some(Flaw::WrongSize) {
                600
            } else {
                PHOTO_HEIGHT
            },
            grey: flaw == Some(Flaw::Grey),
            dpi: if flaw == Some(Flaw::LowDensity) {
                72
            } else {
                PHOTO_DPI
            },
            band: flaw.map_or((PHOTO_MIN_BYTES, PHOTO_MAX_BYTES), Flaw::size_band),
            qualities: flaw.map_or((PHOTO_MIN_QUALITY, MAX_QUALITY), Flaw::qualities),
        }
    }
}

/// A deterministic cartoon photo for `seed` that meets the Guangzhou standard.
pub fn demo_photo(seed: u64) -> Result<Vec<u8>, PhotoError> {
    photo(seed, None)
}

/// How many figures [`flawed_photo`] tries before it gives up.
const FLAW_ATTEMPTS: u64 = 16;

/// A deterministic cartoon photo for `seed` that breaks exactly the rule of `flaw` under the
/// Guangzhou standard. The detector does not find every drawn face (flat colours are far from
/// the photographs it was trained on: about 1 in 200 conforming figures, more among the small
/// and doubled faces of the flaws), so the photo is measured and the next figure is drawn
/// until the measurement shows exactly that one rule failing.
pub fn flawed_photo(seed: u64, flaw: Flaw) -> Result<Vec<u8>, PhotoError> {
    let standards = Standards::builtin().map_err(|_| PhotoError::FlawNotShown(flaw))?;
    let standard = standards
        .named(DEMO_STANDARD)
        .ok_or(PhotoError::FlawNotShown(flaw))?;
    for attempt in 0..FLAW_ATTEMPTS {
        let jpeg = photo(seed.wrapping_add(attempt.wrapping_mul(7_919)), Some(flaw))?;
        let verdict = verdict(&crate::photo::measure(&jpeg), standard);
        if verdict.failed().map(|r| r.check).eq([flaw.breaks()]) {
            return Ok(jpeg);
        }
    }
    Err(PhotoError::FlawNotShown(flaw))
}

/// The standard demo photos follow (the demo site's, data/photo_standards.toml).
pub const DEMO_STANDARD: &str = "guangzhou";

/// Size is steered by grain amplitude and JPEG quality; if no combination lands inside the
/// size band the function fails rather than return a file of the wrong size.
fn photo(seed: u64, flaw: Option<Flaw>) -> Result<Vec<u8>, PhotoError> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let figure = Figure::random(&mut rng);
    let encoding = Encoding::for_flaw(flaw);
    let mut canvas = Canvas::new(encoding.width, encoding.height, figure.background);
    paint_with_flaw(&figure, flaw, &mut canvas);
    // The grain gets its own stream so re-scaling it never changes the figure.
    let grain_seed = rng.next_u64();
    let mut grain = START_GRAIN;
    let mut last_bytes = 0;
    for _ in 0..GRAIN_ATTEMPTS {
        let pixels = canvas.with_grain(grain_seed, grain);
        match encode_in_band(&pixels, &encoding)? {
            Fit::Found(jpeg) => return Ok(jpeg),
            // No quality in range fits: more grain means more bytes at every quality.
            Fit::TooSmall(bytes) => {
                (grain, last_bytes) = (grain.saturating_add(START_GRAIN), bytes)
            }
            Fit::TooLarge(bytes) => (grain, last_bytes) = (grain / 2, bytes),
        }
    }
    Err(PhotoError::SizeUnreachable { bytes: last_bytes })
}

/// The conforming figure, changed by `flaw` where it concerns the picture.
fn paint_with_flaw(figure: &Figure, flaw: Option<Flaw>, canvas: &mut Canvas) {
    let mut figure = *figure;
    match flaw {
        Some(Flaw::BlueBackground) => {
            figure.background = LIGHT_BLUE;
            canvas.fill(LIGHT_BLUE);
        }
        // Thicker hair keeps the eyes below 200 px although the head starts higher.
        Some(Flaw::HairTooHigh) => (figure.hair_top, figure.hair_thickness) = (30.0, 45.0),
        Some(Flaw::FaceTooSmall) => {
            figure.face_a = 80.0;
            figure.face_b = 104.0;
            (figure.hair_top, figure.hair_thickness) = (100.0, 40.0);
        }
        Some(Flaw::OffCentre) => figure.centre_x = PHOTO_WIDTH as f32 / 2.0 + 60.0,
        Some(Flaw::TwoFaces) => {
            for centre_x in [130.0, 350.0] {
                let small = Figure {
                    centre_x,
                    face_a: 80.0,
                    face_b: 104.0,
                    ..figure
                };
                small.paint(canvas);
            }
            return;
        }
        Some(Flaw::NoFace) => {
            figure.paint_body(canvas);
            figure.paint_back_of_head(canvas);
            return;
        }
        _ => {}
    }
    figure.paint(canvas);
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
fn encode_in_band(pixels: &[u8], encoding: &Encoding) -> Result<Fit, PhotoError> {
    let (mut low, mut high) = encoding.qualities;
    let (min_bytes, max_bytes) = encoding.band;
    let mut quality = START_QUALITY.clamp(low, high);
    loop {
        let jpeg = encode(pixels, quality, encoding)?;
        let bytes = jpeg.len();
        if bytes < min_bytes {
            if quality == high {
                return Ok(Fit::TooSmall(bytes));
            }
            low = quality + 1;
        } else if bytes > max_bytes {
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

fn encode(pixels: &[u8], quality: u8, encoding: &Encoding) -> Result<Vec<u8>, PhotoError> {
    let mut out = Vec::with_capacity(encoding.band.1);
    let mut encoder = JpegEncoder::new_with_quality(&mut out, quality);
    encoder.set_pixel_density(PixelDensity::dpi(encoding.dpi));
    let (w, h) = (encoding.width, encoding.height);
    if encoding.grey {
        let luma: Vec<u8> = pixels
            .chunks_exact(3)
            .map(|p| {
                ((299 * u32::from(p[0]) + 587 * u32::from(p[1]) + 114 * u32::from(p[2])) / 1000)
                    as u8
            })
            .collect();
        encoder.encode(&luma, w, h, ExtendedColorType::L8)?;
    } else {
        encoder.encode(pixels, w, h, ExtendedColorType::Rgb8)?;
    }
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
    /// face width 220–270 (180–300; the detector box estimate varies by about 15 %), hair top 70–95 (50–110), eyes ≈216–286 (200–300).
    fn random(rng: &mut ChaCha8Rng) -> Figure {
        let face_a = rng.gen_range(110.0..=135.0);
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

    /// The head seen from behind (no face): hair over the whole head, ears at the sides.
    fn paint_back_of_head(&self, canvas: &mut Canvas) {
        let face = self.face();
        let bottom = face.cy + 0.6 * face.b;
        let half_height = (bottom - self.hair_top) / 2.0;
        let head = Ellipse::new(
            face.cx,
            self.hair_top + half_height,
            1.12 * face.a,
            half_height,
        );
        canvas.ellipse(head, self.hair);
    }

    /// Eyebrows, open eyes looking straight ahead, nose and closed lips.
    fn paint_features(&self, canvas: &mut Canvas) {
        let (cx, a) = (self.centre_x, self.face_a);
        let eye_y = self.eye_y();
        // Shadows of the eye sockets and beside the nose: the dark-light pattern a face
        // detector looks for, which flat cartoon colours lack.
        for side in [-1.0, 1.0] {
            let socket = Ellipse::new(cx + side * 0.4 * a, eye_y - 0.02 * a, 0.3 * a, 0.17 * a);
            canvas.ellipse(socket, shade(self.skin, 0.78));
        }
        let nose_shadow = Ellipse::new(cx, eye_y + 0.3 * a, 0.1 * a, 0.22 * a);
        canvas.ellipse(nose_shadow, shade(self.skin, 0.88));
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
        let mouth = Ellipse::new(cx, eye_y + 0.8 * a, 0.25 * a, 0.05 * a);
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
    width: u32,
    height: u32,
    pixels: Vec<u8>,
}

impl Canvas {
    fn new(width: u32, height: u32, background: Rgb) -> Canvas {
        let count = (width * height) as usize;
        Canvas {
            width,
            height,
            pixels: background.repeat(count),
        }
    }

    fn fill(&mut self, colour: Rgb) {
        for pixel in self.pixels.chunks_exact_mut(3) {
            pixel.copy_from_slice(&colour);
        }
    }

    /// Fills columns `x0..x1` (clamped to the canvas) of row `y`.
    fn span(&mut self, y: i64, x0: f32, x1: f32, colour: Rgb) {
        if !(0..i64::from(self.height)).contains(&y) {
            return;
        }
        let width = self.width as usize;
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
    fn two_hundred_seeds_are_in_the_size_band() {
        for seed in 0..200 {
            let jpeg = demo_photo(seed).expect("photo");
            assert!(
                (PHOTO_MIN_BYTES..=PHOTO_MAX_BYTES).contains(&jpeg.len()),
                "seed {seed}: {} bytes",
                jpeg.len()
            );
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
        assert_eq!(image.color(), image::ColorType::Rgb8);
    }

    #[test]
    fn jfif_header_says_300_dpi() {
        let jpeg = demo_photo(3).expect("photo");
        // Unit 1 means dots per inch.
        assert_eq!(jfif_density(&jpeg), Some((1, 300, 300)));
        let low = flawed_photo(3, Flaw::LowDensity).expect("photo");
        assert_eq!(jfif_density(&low), Some((1, 72, 72)));
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
        let mut canvas = Canvas::new(PHOTO_WIDTH, PHOTO_HEIGHT, figure.background);
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
    fn backgrounds_are_guangzhous_reference_colours() {
        let seen: std::collections::HashSet<Rgb> = (0..200)
            .map(|seed| Figure::random(&mut ChaCha8Rng::seed_from_u64(seed)).background)
            .collect();
        assert_eq!(seen, BACKGROUNDS.into_iter().collect());
    }

    #[test]
    fn flaws_land_in_their_size_bands() {
        let large = flawed_photo(5, Flaw::LargeFile).expect("photo");
        assert!(
            (56 * 1024..=64 * 1024).contains(&large.len()),
            "{}",
            large.len()
        );
        let small = flawed_photo(5, Flaw::SmallFile).expect("photo");
        assert!(
            (8 * 1024..=19 * 1024).contains(&small.len()),
            "{}",
            small.len()
        );
    }
}
