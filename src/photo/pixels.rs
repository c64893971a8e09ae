//! The background (the area outside the person) and the top of the hair, from the pixels.
//!
//! A conforming photo has background in its upper corners and beside the head (the hair starts
//! 50 px or more below the top edge; the shoulders are in the lower half), so those patches are
//! sampled: their mean colours give the background colour and, by how much they differ from one
//! another, its uniformity (均匀无渐变).

use image::RgbImage;

use super::FaceBox;
use crate::domain::photo::{Background, colour_distance};

/// A pixel this far (RGB distance) from the background colour is part of the person.
const PERSON_DISTANCE: f64 = 48.0;

/// A row belongs to the head once this share of the scanned columns (and at least 3) differ.
const HEAD_ROW_SHARE: u32 = 50;

/// Mean colour of the corner and side patches, and the largest distance between two of them.
pub fn background(rgb: &RgbImage) -> Option<Background> {
    let (w, h) = (rgb.width(), rgb.height());
    if w < 16 || h < 12 {
        return None;
    }
    let patches = [
        (0, 0, w / 8, h / 6),
        (w - w / 8, 0, w, h / 6),
        (0, h / 6, w / 12, h / 3),
        (w - w / 12, h / 6, w, h / 3),
    ];
    let means: Vec<[f64; 3]> = patches
        .iter()
        .map(|&(x0, y0, x1, y1)| patch_mean(rgb, x0, y0, x1, y1))
        .collect();
    let mut overall = [0.0; 3];
    for mean in &means {
        for (o, m) in overall.iter_mut().zip(mean) {
            *o += m / means.len() as f64;
        }
    }
    let mut spread: f64 = 0.0;
    for (i, a) in means.iter().enumerate() {
        for b in &means[i + 1..] {
            spread = spread.max(
                a.iter()
                    .zip(b)
                    .map(|(x, y)| (x - y).powi(2))
                    .sum::<f64>()
                    .sqrt(),
            );
        }
    }
    Some(Background {
        mean_rgb: overall.map(|c| c.round().clamp(0.0, 255.0) as u8),
        spread,
    })
}

fn patch_mean(rgb: &RgbImage, x0: u32, y0: u32, x1: u32, y1: u32) -> [f64; 3] {
    let mut sum = [0u64; 3];
    let mut count = 0u64;
    for y in y0..y1 {
        for x in x0..x1 {
            let p = rgb.get_pixel(x, y).0;
            for (s, c) in sum.iter_mut().zip(p) {
                *s += u64::from(c);
            }
            count += 1;
        }
    }
    sum.map(|s| s as f64 / count.max(1) as f64)
}

/// The first row from the top where the head starts: enough pixels above the face (or, without
/// a face, in the middle half) differ from the background. Searched down to the face's top, or
/// the middle of the picture.
pub fn hair_top(rgb: &RgbImage, background: [u8; 3], face: Option<&FaceBox>) -> Option<u32> {
    let (w, h) = (rgb.width(), rgb.height());
    let (x0, x1, bottom) = match face {
        Some(f) => {
            let margin = f.width as i32 / 4;
            let x0 = (f.left - margin).clamp(0, w as i32) as u32;
            let x1 = (f.left + f.width as i32 + margin).clamp(0, w as i32) as u32;
            (x0, x1, (f.top.max(0) as u32).min(h))
        }
        None => (w / 4, w - w / 4, h / 2),
    };
    let needed = ((x1 - x0) / HEAD_ROW_SHARE).max(3);
    (0..bottom).find(|&y| {
        (x0..x1)
            .filter(|&x| colour_distance(rgb.get_pixel(x, y).0, background) > PERSON_DISTANCE)
            .count() as u32
            >= needed
    })
}
