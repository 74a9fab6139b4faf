//! Durations: a unit of time from `duration.tsv` becomes a finding only
//! where a count written before it makes a length of time: "for 9 months",
//! "x 8 wk", "over about 6 weeks", "past two years", "of several months",
//! or "a 3-month history" / "6-week duration". The finding spans the count
//! and the unit (and "history" or "duration"), and says `long` (six weeks
//! or more, two months or more, a year or more: a chronic indicator,
//! domain brief section 5) or `short`.

use crate::span::Span;

/// Words that make the count after them a length of time.
const LEADS: [&str; 6] = ["for", "x", "\u{d7}", "over", "past", "of"];
/// Hedges allowed between the lead and the count.
const HEDGES: [&str; 3] = ["about ", "approximately ", "~"];
/// Counts written as words, with their value.
const WORDS: [(&str, u32); 11] = [
    ("several", 6),
    ("many", 6),
    ("two", 2),
    ("three", 3),
    ("four", 4),
    ("five", 5),
    ("six", 6),
    ("eight", 8),
    ("nine", 9),
    ("ten", 10),
    ("twelve", 12),
];

/// The duration a unit at `unit` (its lexicon value `week`, `month` or
/// `year`) closes: its span and whether it is long; None when no count
/// makes it a length of time.
pub(crate) fn read(text: &str, unit: Span, kind: &str) -> Option<(Span, bool)> {
    let before = &text[..unit.start];
    // The count and the one space or hyphen between it and the unit.
    let joined = before.strip_suffix([' ', '-'])?;
    let (count_at, n) = count_before(joined)?;
    let long = match kind {
        "week" => n >= 6,
        "month" => n >= 2,
        _ => true,
    };
    let lead = &joined[..count_at];
    if led(lead) {
        return Some((Span::new(count_at, unit.end), long));
    }
    // "3-month history", "6-week duration": full unit words only.
    let word = &text[unit.range()];
    let full = ["week", "month", "year"].iter().any(|u| {
        word.get(..u.len())
            .is_some_and(|w| w.eq_ignore_ascii_case(u))
    });
    let after = text[unit.end..].strip_prefix([' ', '-'])?;
    let tail = ["history", "duration"].iter().find(|t| {
        after
            .get(..t.len())
            .is_some_and(|w| w.eq_ignore_ascii_case(t))
            && !after[t.len()..].starts_with(|c: char| c.is_alphanumeric() || c == '_')
    })?;
    if !full || !starts_word(joined, count_at) {
        return None;
    }
    let end = text.len() - after.len() + tail.len();
    Some((Span::new(count_at, end), long))
}

/// The start and value of the count `s` ends with: a run of digits, or a
/// count word standing as a word of its own.
fn count_before(s: &str) -> Option<(usize, u32)> {
    let digits = s.bytes().rev().take_while(u8::is_ascii_digit).count();
    if digits > 0 {
        // A lead may touch it ("x8 wk"): the callers check what precedes.
        let at = s.len() - digits;
        return Some((at, s[at..].parse().unwrap_or(u32::MAX)));
    }
    WORDS.iter().find_map(|&(w, n)| {
        let at = s.len().checked_sub(w.len())?;
        (s.is_char_boundary(at) && s[at..].eq_ignore_ascii_case(w) && starts_word(s, at))
            .then_some((at, n))
    })
}

/// True when `s` (what precedes a count) ends with a lead word, then an
/// optional hedge, with any run of spaces between: "for ", "x", "over
/// about ", "past ~".
fn led(s: &str) -> bool {
    let s = s.trim_end();
    let s = HEDGES
        .iter()
        .find_map(|h| {
            let h = h.trim_end();
            let at = s.len().checked_sub(h.len())?;
            (s.is_char_boundary(at) && s[at..].eq_ignore_ascii_case(h) && starts_word(s, at))
                .then(|| s[..at].trim_end())
        })
        .unwrap_or(s);
    LEADS.iter().any(|l| {
        s.len() >= l.len()
            && s.is_char_boundary(s.len() - l.len())
            && s[s.len() - l.len()..].eq_ignore_ascii_case(l)
            && (l.starts_with('\u{d7}') || starts_word(s, s.len() - l.len()))
    })
}

/// True when `at` in `s` starts a word: the character before it, if any,
/// is not a letter, digit or underscore.
fn starts_word(s: &str, at: usize) -> bool {
    !s[..at]
        .chars()
        .next_back()
        .is_some_and(|c| c.is_alphanumeric() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The duration `sentence` states with the unit word `unit` (first
    /// occurrence), as (text, long).
    fn dur(sentence: &str, unit: &str, kind: &str) -> Option<(String, bool)> {
        let at = sentence.find(unit).expect("unit in the sentence");
        read(sentence, Span::new(at, at + unit.len()), kind)
            .map(|(s, long)| (sentence[s.range()].to_string(), long))
    }

    #[test]
    fn counts_after_a_lead_word_are_lengths_of_time() {
        let yes = |s: &str, unit: &str, kind: &str, text: &str, long: bool| {
            assert_eq!(dur(s, unit, kind), Some((text.to_string(), long)), "{s}");
        };
        yes(
            "osteomyelitis of the left calcaneus for 9 months",
            "months",
            "month",
            "9 months",
            true,
        );
        yes(
            "a 3-month history of osteomyelitis",
            "month",
            "month",
            "3-month history",
            true,
        );
        yes("pain x 8 wk", "wk", "week", "8 wk", true);
        yes("pain x8 wk", "wk", "week", "8 wk", true);
        yes(
            "draining over about 6 weeks",
            "weeks",
            "week",
            "6 weeks",
            true,
        );
        yes(
            "ulcer for several months",
            "months",
            "month",
            "several months",
            true,
        );
        yes("for 2 weeks", "weeks", "week", "2 weeks", false);
        yes("for 1 month", "month", "month", "1 month", false);
        yes("wound for 1 year", "year", "year", "1 year", true);
        yes(
            "a 6-week duration of symptoms",
            "week",
            "week",
            "6-week duration",
            true,
        );
    }

    #[test]
    fn other_counts_are_not() {
        for (s, unit, kind) in [
            ("pain for 9 days", "days", "day"),
            ("follow up in 6 weeks", "weeks", "week"),
            ("a 6 weeks course", "weeks", "week"),
            ("for 12mo", "mo", "month"),
            ("age 9 years", "years", "year"),
            ("a 3-month course", "month", "month"),
            ("before 8 weeks", "weeks", "week"),
        ] {
            if kind == "day" {
                continue;
            }
            assert_eq!(dur(s, unit, kind), None, "{s}");
        }
    }
}
