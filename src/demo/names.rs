//! Synthetic Chinese names for demo rosters.
//!
//! Every name starts with the tag "演示" ("demo"), so a demo record printed on a form, shown
//! on screen or leaked into a real database can never be mistaken for a real graduate.
//! The surname and given-name lists are small and fixed on purpose: demo data should look
//! plausible on a form, not be a realistic sample of the population.

use rand::Rng;

use crate::domain::ids::Gender;

/// The prefix every demo name carries.
pub const DEMO_NAME_TAG: &str = "演示";

/// Common single-character surnames plus a few compound ones, so both lengths get exercised.
const SURNAMES: [&str; 24] = [
    "王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "马", "朱", "胡", "郭",
    "何", "林", "高", "罗", "欧阳", "司马", "诸葛", "上官",
];

/// One- and two-character given names drawn only from everyday characters, each read as a man's
/// or a woman's name in everyday use (no names read either way), so a demo candidate's name, the
/// gender on the card and the ID number's sequence digit agree. Rare characters are kept
/// separately in [`RARE_CHAR_NAMES`] so tests can ask for them on purpose.
const MALE_GIVEN_NAMES: [&str; 10] = [
    "晓明", "伟", "建国", "志强", "磊", "俊杰", "浩然", "文博", "宇", "明",
];
const FEMALE_GIVEN_NAMES: [&str; 10] = [
    "丽", "芳", "秀英", "静", "婷婷", "雪", "欣怡", "海燕", "佳琪", "慧敏",
];

/// Demo names containing characters that older fonts and GB2312-only systems lack
/// (喆, 堃, 淼, 焱, 垚), for testing printing and export paths, with the gender each is read as.
pub const RARE_CHAR_NAMES: [(&str, Gender); 5] = [
    ("演示张喆", Gender::Male),
    ("演示王堃宇", Gender::Male),
    ("演示李淼", Gender::Female),
    ("演示陈焱", Gender::Male),
    ("演示欧阳垚", Gender::Male),
];

fn given_names(gender: Gender) -> &'static [&'static str] {
    match gender {
        Gender::Male => &MALE_GIVEN_NAMES,
        Gender::Female => &FEMALE_GIVEN_NAMES,
    }
}

/// A random demo name for a candidate of `gender`: the tag, a surname and a given name read as
/// that gender's, 4–6 characters in all.
pub fn demo_name(rng: &mut impl Rng, gender: Gender) -> String {
    let surname = SURNAMES[rng.gen_range(0..SURNAMES.len())];
    let given = given_names(gender);
    let given = given[rng.gen_range(0..given.len())];
    format!("{DEMO_NAME_TAG}{surname}{given}")
}

/// The gender a demo name is usually read as; `None` for a name not made here.
pub fn usual_gender(name: &str) -> Option<Gender> {
    if let Some((_, gender)) = RARE_CHAR_NAMES.iter().find(|(rare, _)| *rare == name) {
        return Some(*gender);
    }
    let rest = name.strip_prefix(DEMO_NAME_TAG)?;
    // Compound surnames first, so 欧阳 is not read as 欧 + a given name 阳….
    let mut surnames = SURNAMES;
    surnames.sort_by_key(|s| std::cmp::Reverse(s.chars().count()));
    let given = surnames.iter().find_map(|s| rest.strip_prefix(s))?;
    [Gender::Male, Gender::Female]
        .into_iter()
        .find(|g| given_names(*g).contains(&given))
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
            for gender in [Gender::Male, Gender::Female] {
                let name = demo_name(&mut rng, gender);
                assert_demo_shape(&name);
                assert_eq!(usual_gender(&name), Some(gender), "{name}");
            }
        }
    }

    #[test]
    fn generation_is_deterministic_per_seed() {
        let mut a = ChaCha8Rng::seed_from_u64(42);
        let mut b = ChaCha8Rng::seed_from_u64(42);
        for _ in 0..50 {
            assert_eq!(
                demo_name(&mut a, Gender::Female),
                demo_name(&mut b, Gender::Female)
            );
        }
    }

    #[test]
    fn rare_char_names_are_tagged_and_cover_each_char() {
        for (name, gender) in RARE_CHAR_NAMES {
            assert_demo_shape(name);
            assert_eq!(usual_gender(name), Some(gender));
        }
        for rare in ['喆', '堃', '淼', '焱', '垚'] {
            assert!(
                RARE_CHAR_NAMES.iter().any(|(n, _)| n.contains(rare)),
                "no demo name contains {rare}"
            );
        }
    }

    #[test]
    fn no_given_name_is_read_both_ways_and_foreign_names_have_no_reading() {
        assert!(
            !MALE_GIVEN_NAMES
                .iter()
                .any(|n| FEMALE_GIVEN_NAMES.contains(n))
        );
        assert_eq!(usual_gender("张伟"), None, "not a demo name");
        assert_eq!(
            usual_gender("演示王子涵"),
            None,
            "not a given name made here"
        );
        assert_eq!(usual_gender("演示欧阳雪"), Some(Gender::Female));
    }

    #[test]
    fn everyday_lists_avoid_the_rare_chars() {
        let everyday = SURNAMES
            .iter()
            .chain(&MALE_GIVEN_NAMES)
            .chain(&FEMALE_GIVEN_NAMES);
        for part in everyday {
            assert!(!part.contains(['喆', '堃', '淼', '焱', '垚']), "{part}");
        }
    }
}
