//! The JPEG quality factor, estimated from the quantisation tables as the inverse of libjpeg's
//! quality scaling (which ImageMagick, the image crate and most cameras' software use): the
//! quality whose scaled standard tables lie nearest to the file's tables.

use super::jpeg::Structure;

/// The standard luminance table (ITU-T T.81 Annex K.1), natural order.
const LUMA: [u16; 64] = [
    16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55, 14, 13, 16, 24, 40, 57, 69, 56,
    14, 17, 22, 29, 51, 87, 80, 62, 18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113,
    92, 49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99,
];

/// The standard chrominance table (Annex K.2), natural order.
const CHROMA: [u16; 64] = [
    17, 18, 24, 47, 99, 99, 99, 99, 18, 21, 26, 66, 99, 99, 99, 99, 24, 26, 56, 99, 99, 99, 99, 99,
    47, 66, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99,
    99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99,
];

/// libjpeg's `jpeg_quality_scaling` and `jpeg_add_quant_table` (baseline: values 1–255).
fn scaled(base: &[u16; 64], quality: u32) -> impl Iterator<Item = u32> + '_ {
    let scale = if quality < 50 {
        5000 / quality
    } else {
        200 - 2 * quality
    };
    base.iter()
        .map(move |v| ((u32::from(*v) * scale + 50) / 100).clamp(1, 255))
}

/// The quality (1–100) whose tables are nearest to the file's, or `None` without a frame or
/// without the tables its components use. Component 0 is compared with the luminance table,
/// the others with the chrominance table. Ties go to the higher quality.
pub fn estimate(structure: &Structure) -> Option<u8> {
    let frame = structure.frame.as_ref()?;
    let mut used: Vec<(&[u16; 64], &[u16; 64])> = Vec::new();
    for (i, slot) in frame.table_of_component.iter().enumerate() {
        let table = structure.tables.get(usize::from(*slot))?.as_ref()?;
        let base = if i == 0 { &LUMA } else { &CHROMA };
        if !used
            .iter()
            .any(|(t, b)| std::ptr::eq(*t, table) && std::ptr::eq(*b, base))
        {
            used.push((table, base));
        }
    }
    (1..=100u32)
        .rev()
        .min_by_key(|q| {
            used.iter()
                .map(|(table, base)| {
                    table
                        .iter()
                        .zip(scaled(base, *q))
                        .map(|(a, b)| u32::from(*a).abs_diff(b))
                        .sum::<u32>()
                })
                .sum::<u32>()
        })
        .and_then(|q| u8::try_from(q).ok())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::photo::JpegProcess;
    use crate::photo::jpeg::Frame;

    fn structure_at(quality: u32) -> Structure {
        let mut s = Structure::default();
        let table = |base| {
            let mut t = [0u16; 64];
            for (v, x) in t.iter_mut().zip(scaled(base, quality)) {
                *v = x as u16;
            }
            t
        };
        s.tables[0] = Some(table(&LUMA));
        s.tables[1] = Some(table(&CHROMA));
        s.frame = Some(Frame {
            process: JpegProcess::Baseline,
            precision: 8,
            width: 8,
            height: 8,
            table_of_component: vec![0, 1, 1],
        });
        s
    }

    #[test]
    fn libjpeg_tables_give_back_their_quality() {
        // Above 97 the tables are nearly all ones and several qualities share them.
        for q in 1..=97 {
            assert_eq!(estimate(&structure_at(q)), Some(q as u8), "quality {q}");
        }
    }

    #[test]
    fn no_frame_or_missing_table_is_no_estimate() {
        assert_eq!(estimate(&Structure::default()), None);
        let mut s = structure_at(80);
        s.tables[1] = None;
        assert_eq!(estimate(&s), None);
    }
}
