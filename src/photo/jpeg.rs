//! The JPEG file structure, read marker by marker without decoding pixels: frame (size,
//! components, precision, coding process), quantisation tables, density (JFIF APP0 or EXIF APP1)
//! and whether the markers a decoder needs are there (SOI, DQT, SOFn, DHT, SOS, EOI).

use crate::domain::photo::{Density, JpegProcess};
use crate::strings::photo as s;

/// What the marker walk found. `problem` is set when the structure is broken; the fields read
/// before the break are kept.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Structure {
    pub frame: Option<Frame>,
    /// Quantisation tables by slot 0–3, in natural (row-major) order.
    pub tables: [Option<[u16; 64]>; 4],
    pub jfif_density: Option<Density>,
    pub exif_density: Option<Density>,
    pub problem: Option<String>,
}

/// The SOFn segment.
#[derive(Debug, Clone, PartialEq)]
pub struct Frame {
    pub process: JpegProcess,
    pub precision: u8,
    pub width: u32,
    pub height: u32,
    /// The quantisation table slot of each component, in frame order.
    pub table_of_component: Vec<u8>,
}

impl Structure {
    /// JFIF density first (it is what decoders use), then EXIF, else missing.
    pub fn density(&self) -> Density {
        match (self.jfif_density, self.exif_density) {
            (Some(Density::Dpi { x, y }), _) => Density::Dpi { x, y },
            (_, Some(d @ Density::Dpi { .. })) => d,
            (Some(d), _) | (None, Some(d)) => d,
            (None, None) => Density::Missing,
        }
    }
}

/// JPEG's zig-zag order: entry `i` of a DQT segment is natural position `ZIGZAG[i]`.
const ZIGZAG: [usize; 64] = [
    0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20,
    13, 6, 7, 14, 21, 28, 35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59,
    52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63,
];

/// Walks the markers of `bytes`. Never fails: a problem is recorded and the walk stops there.
pub fn read_structure(bytes: &[u8]) -> Structure {
    let mut out = Structure::default();
    if !bytes.starts_with(&[0xFF, 0xD8]) {
        out.problem = Some(s::NOT_JPEG.to_string());
        return out;
    }
    let mut seen = Seen::default();
    let result = walk(bytes, &mut out, &mut seen);
    out.problem = match result {
        Err(problem) => Some(problem),
        Ok(()) => seen
            .missing()
            .map(|marker| format!("{}{marker}", s::MARKER_MISSING)),
    };
    out
}

/// Which of the required markers appeared.
#[derive(Default)]
struct Seen {
    dqt: bool,
    dht: bool,
    sos: bool,
    eoi: bool,
}

impl Seen {
    fn missing(&self) -> Option<&'static str> {
        [
            (self.dqt, "DQT"),
            (self.dht, "DHT"),
            (self.sos, "SOS"),
            (self.eoi, "EOI"),
        ]
        .into_iter()
        .find(|(present, _)| !present)
        .map(|(_, name)| name)
    }
}

fn truncated(at: usize) -> String {
    format!("{}{at}", s::TRUNCATED_AT)
}

fn walk(bytes: &[u8], out: &mut Structure, seen: &mut Seen) -> Result<(), String> {
    let mut pos = 2;
    loop {
        // Markers may be preceded by any number of 0xFF fill bytes.
        if bytes.get(pos) != Some(&0xFF) {
            return Err(match bytes.get(pos) {
                None => truncated(pos),
                Some(_) => format!("{}{pos}", s::MARKER_EXPECTED_AT),
            });
        }
        while bytes.get(pos) == Some(&0xFF) {
            pos += 1;
        }
        let marker = *bytes.get(pos).ok_or_else(|| truncated(pos))?;
        pos += 1;
        match marker {
            0xD9 => {
                seen.eoi = true;
                return Ok(());
            }
            0xD8 | 0x00 => return Err(format!("{}{}", s::MARKER_EXPECTED_AT, pos - 1)),
            // Markers without a length: TEM and restart markers.
            0x01 | 0xD0..=0xD7 => continue,
            _ => {}
        }
        let length = bytes
            .get(pos..pos + 2)
            .map(|b| usize::from(u16::from_be_bytes([b[0], b[1]])))
            .ok_or_else(|| truncated(pos))?;
        if length < 2 {
            return Err(format!("{}{pos}", s::SEGMENT_LENGTH_AT));
        }
        let body = bytes
            .get(pos + 2..pos + length)
            .ok_or_else(|| truncated(bytes.len()))?;
        segment(marker, body, out, seen)?;
        pos += length;
        if marker == 0xDA {
            pos = skip_entropy_coded(bytes, pos);
        }
    }
}

/// Reads one segment's body into `out`.
fn segment(marker: u8, body: &[u8], out: &mut Structure, seen: &mut Seen) -> Result<(), String> {
    match marker {
        0xDB => {
            seen.dqt = true;
            read_dqt(body, out)
        }
        0xC4 => {
            seen.dht = true;
            Ok(())
        }
        // DAC (arithmetic coding conditioning) stands in for DHT.
        0xCC => {
            seen.dht = true;
            Ok(())
        }
        0xC0..=0xCF if marker != 0xC8 => {
            if out.frame.is_some() {
                return Err(s::SECOND_FRAME.to_string());
            }
            out.frame = Some(read_frame(marker, body)?);
            Ok(())
        }
        0xDA => {
            if out.frame.is_none() {
                return Err(s::SCAN_BEFORE_FRAME.to_string());
            }
            seen.sos = true;
            Ok(())
        }
        0xE0 if body.starts_with(b"JFIF\0") => {
            out.jfif_density = read_jfif_density(body);
            Ok(())
        }
        0xE1 if body.starts_with(b"Exif\0\0") => {
            out.exif_density = body.get(6..).and_then(read_exif_density);
            Ok(())
        }
        _ => Ok(()),
    }
}

/// Skips entropy-coded data after an SOS header: up to the next 0xFF that is neither a stuffed
/// 0xFF00 nor a restart marker.
fn skip_entropy_coded(bytes: &[u8], mut pos: usize) -> usize {
    while pos < bytes.len() {
        if bytes[pos] == 0xFF {
            match bytes.get(pos + 1) {
                Some(0x00) | Some(0xD0..=0xD7) | Some(0xFF) => pos += 1,
                _ => return pos,
            }
        }
        pos += 1;
    }
    pos
}

fn read_frame(marker: u8, body: &[u8]) -> Result<Frame, String> {
    let [precision, h0, h1, w0, w1, count, rest @ ..] = body else {
        return Err(s::FRAME_SHORT.to_string());
    };
    let count = usize::from(*count);
    if count == 0 || rest.len() < 3 * count {
        return Err(s::FRAME_SHORT.to_string());
    }
    let process = match marker {
        0xC0 => JpegProcess::Baseline,
        0xC1 => JpegProcess::ExtendedSequential,
        0xC2 => JpegProcess::Progressive,
        0xC3 => JpegProcess::Lossless,
        _ => JpegProcess::Other,
    };
    Ok(Frame {
        process,
        precision: *precision,
        height: u32::from(u16::from_be_bytes([*h0, *h1])),
        width: u32::from(u16::from_be_bytes([*w0, *w1])),
        table_of_component: rest.chunks_exact(3).take(count).map(|c| c[2]).collect(),
    })
}

/// A DQT segment holds one or more tables: a byte (precision << 4 | slot), then 64 values of
/// 8 or 16 bits in zig-zag order.
fn read_dqt(mut body: &[u8], out: &mut Structure) -> Result<(), String> {
    while let [info, rest @ ..] = body {
        let wide = info >> 4 != 0;
        let slot = usize::from(info & 0x0F);
        let size = if wide { 128 } else { 64 };
        let (values, tail) = (rest.get(..size), rest.get(size..));
        let (Some(values), Some(tail), true) = (values, tail, slot < 4) else {
            return Err(s::DQT_BAD.to_string());
        };
        let mut table = [0u16; 64];
        for (i, natural) in ZIGZAG.iter().enumerate() {
            table[*natural] = if wide {
                u16::from_be_bytes([values[2 * i], values[2 * i + 1]])
            } else {
                u16::from(values[i])
            };
        }
        out.tables[slot] = Some(table);
        body = tail;
    }
    Ok(())
}

/// JFIF: "JFIF\0", version (2), units (1), x density (2), y density (2).
fn read_jfif_density(body: &[u8]) -> Option<Density> {
    let units = *body.get(7)?;
    let x = f64::from(u16::from_be_bytes([*body.get(8)?, *body.get(9)?]));
    let y = f64::from(u16::from_be_bytes([*body.get(10)?, *body.get(11)?]));
    Some(match units {
        1 => Density::Dpi { x, y },
        2 => Density::Dpi {
            x: x * 2.54,
            y: y * 2.54,
        },
        _ => Density::AspectOnly,
    })
}

/// EXIF: a TIFF header, then IFD0 with XResolution (0x011A), YResolution (0x011B) as rationals
/// and ResolutionUnit (0x0128: 2 inch, 3 centimetre; default inch).
fn read_exif_density(tiff: &[u8]) -> Option<Density> {
    let big = match tiff.get(0..2)? {
        b"MM" => true,
        b"II" => false,
        _ => return None,
    };
    let u16_at = |at: usize| -> Option<u16> {
        let b = tiff.get(at..at + 2)?;
        Some(if big {
            u16::from_be_bytes([b[0], b[1]])
        } else {
            u16::from_le_bytes([b[0], b[1]])
        })
    };
    let u32_at = |at: usize| -> Option<u32> {
        let b = tiff.get(at..at + 4)?;
        let b = [b[0], b[1], b[2], b[3]];
        Some(if big {
            u32::from_be_bytes(b)
        } else {
            u32::from_le_bytes(b)
        })
    };
    let rational = |at: usize| -> Option<f64> {
        let offset = usize::try_from(u32_at(at)?).ok()?;
        let (n, d) = (u32_at(offset)?, u32_at(offset.checked_add(4)?)?);
        (d != 0).then(|| f64::from(n) / f64::from(d))
    };
    let ifd = usize::try_from(u32_at(4)?).ok()?;
    let entries = usize::from(u16_at(ifd)?);
    let (mut x, mut y, mut unit) = (None, None, 2);
    for i in 0..entries.min(512) {
        let entry = ifd + 2 + 12 * i;
        match u16_at(entry)? {
            0x011A => x = rational(entry + 8),
            0x011B => y = rational(entry + 8),
            0x0128 => unit = u16_at(entry + 8)?,
            _ => {}
        }
    }
    let factor = match unit {
        2 => 1.0,
        3 => 2.54,
        _ => return Some(Density::AspectOnly),
    };
    let (x, y) = (x?, y?);
    Some(Density::Dpi {
        x: x * factor,
        y: y * factor,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn not_a_jpeg_and_truncated_files_say_so() {
        assert!(read_structure(b"GIF89a").problem.is_some());
        let cut = [0xFF, 0xD8, 0xFF, 0xE0, 0x00];
        let s = read_structure(&cut);
        assert!(
            s.problem.as_deref().is_some_and(|p| p.contains("截断")),
            "{s:?}"
        );
    }

    #[test]
    fn exif_without_a_tiff_header_gives_no_density() {
        assert_eq!(read_exif_density(b"MM\0*"), None);
        assert_eq!(read_exif_density(b"XX\0*\0\0\0\x08"), None);
    }
}
