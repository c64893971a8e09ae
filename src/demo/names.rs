//! Synthetic Chinese names for demo rosters.
//!
//! Every name starts with the tag "演示" ("demo"), so a demo record printed on a form, shown
//! on screen or leaked into a real database can never be mistaken for a real graduate.
//! The surname and given-name lists are small and fixed on purpose: demo data should look
//! plausible on a form, not be a realistic sample of the population.

use rand::Rng;

/// The prefix every demo name carries.
pub const DEMO_NAME_TAG: &str = "演示";

/// Common single-character surnames plus a few compound ones, so both lengths get exercised.
const SURNAMES: [&str; 24] = [
    "王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "马", "朱", "胡", "郭",
    "何", "林", "高", "罗", "欧阳", "司马", "诸葛", "上官",
];

/// One- and two-character given names drawn only from everyday characters; rare characters
/// are kept separately in [`RARE_CHAR_NAMES`] so tests can ask for them on purpose.
const GIVEN_NAMES: [&str; 20] = [
    "晓明", "丽", "伟", "芳", "建国", "秀英", "志强", "静", "磊", "婷婷", "俊杰", "雪", "浩然",
    "欣怡", "子涵", "宇", "海燕", "文博", "佳琪", "明",
];

/// Demo names containing characters that older fonts and GB2312-only systems lack
/// (喆, 堃, 淼, 焱, 垚), for testing printing and export paths.
pub const RARE_CHAR_NAMES: [&str; 5] = [
    "演示张喆",
    "演示王堃宇",
    "演示李淼",
    "演示陈焱",
    "演示欧阳垚",
];

/// A random demo name: the tag, a surname and a given name, 4–6 characters in all.
pub fn demo_name(rng: &mut impl Rng) -> String {
    let surname = SURNAMES[rng.gen_range(0..SURNAMES.len())];
    let given = GIVEN_NAMES[rng.gen_range(0..GIVEN_NAMES.len())];
    format!("{DEMO_NAME_TAG}{surname}{given}")
}

/// Whether a name was produced for demo data (carries the demo tag).
pub fn is_demo_name(name: &str) -> bool {
    name.starts_with(DEMO_NAME_TAG)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    fn assert_demo_shape(name: &str) {
        assert!(is_demo_name(name), "{name} lacks the demo tag");
        let chars = name.chars().count();
        assert!((4..=6).contains(&chars), "{name} has {chars} chars");
    }

    #[test]
    fn generated_names_are_tagged_and_sized() {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        for _ in 0..2_000 {
            assert_demo_shape(&demo_name(&mut rng));
        }
    }

    #[test]
    fn generation_is_deterministic_per_seed() {
        let mut a = ChaCha8Rng::seed_from_u64(42);
        let mut b = ChaCha8Rng::seed_from_u64(42);
        for _ in 0..50 {
            assert_eq!(demo_name(&mut a), demo_name(&mut b));
        }
    }

    #[test]
    fn rare_char_names_are_tagged_and_cover_each_char() {
        for name in RARE_CHAR_NAMES {
            assert_demo_shape(name);
        }
        for rare in ['喆', '堃', '淼', '焱', '垚'] {
            assert!(
                RARE_CHAR_NAMES.iter().any(|n| n.contains(rare)),
                "no demo name contains {rare}"
            );
        }
    }

    #[test]
    fn everyday_lists_avoid_the_rare_chars() {
        let everyday = SURNAMES.iter().chain(GIVEN_NAMES.iter());
        for part in everyday {
            assert!(!part.contains(['喆', '堃', '淼', '焱', '垚']), "{part}");
        }
    }
}
