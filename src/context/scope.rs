//! Scopes: which triggers reach a finding.
//!
//! A trigger reaches a finding in its sentence when the finding lies on the
//! trigger's side (after it for a forward trigger, before it for a backward
//! one) and nothing closes the scope in between:
//!
//! - a terminator whose direction faces the scope: "but", "however" close
//!   both ways; "which" only closes scopes running forward into it ("no
//!   fever, which is odd" / "osteomyelitis, which was ruled out");
//! - a clause verb ("is", "was", "remained") after a comma or "and": a new
//!   clause ("no bleeding, the patient remained stable", but "nor was she
//!   in pain" and "not believed to be" stay one clause);
//! - a new field: a label colon after at least one word of the scope ("MRI
//!   not done Indication: osteomyelitis" on one line), or between the
//!   finding and a backward trigger ("Osteomyelitis: bone biopsy negative");
//! - a backward trigger after a comma and a new phrase: "MRSA, blood
//!   cultures negative" (but "sequestrum, involucrum and periosteal reaction
//!   are absent" is one list);
//! - distance: at most the trigger's number of words, except along a list,
//!   where each item restarts the count ("no sequestrum, involucrum,
//!   cortical destruction or periosteal reaction").
//!
//! A trigger overlapping the finding (a finding whose words contain a
//! trigger) and a trigger that is the tail of a hyphenated compound
//! ("ESBL-negative") assert nothing.

use super::{Assertion, Trigger};
use crate::lexicon::{Direction, TriggerKind};
use crate::span::Span;

/// Words one item of a list may hold while a scope runs along the list.
const LIST_ITEM_WORDS: usize = 4;

/// The assertion for a `target` in `sentence`, given the triggers of that
/// sentence in text order.
pub fn assess(text: &str, sentence: Span, target: Span, triggers: &[Trigger]) -> Assertion {
    let live: Vec<&Trigger> = triggers
        .iter()
        .filter(|t| {
            sentence.contains(t.span)
                && (t.span.end <= target.start || t.span.start >= target.end)
                && !is_compound_tail(text, t.span.start)
        })
        .collect();
    // The terminators nearest the target on each side: a trigger beyond
    // one is closed off without looking at the rest of its scope. With
    // the skip of kinds already asserted, this keeps a pasted block of
    // hundreds of triggers in one "sentence" from costing the square of
    // their number for every finding.
    let forward_wall = live
        .iter()
        .filter(|u| {
            u.rule.kind == TriggerKind::Terminate
                && runs(u.rule.direction, Direction::Forward)
                && u.span.end <= target.start
        })
        .map(|u| u.span.start)
        .max();
    let backward_wall = live
        .iter()
        .filter(|u| {
            u.rule.kind == TriggerKind::Terminate
                && runs(u.rule.direction, Direction::Backward)
                && u.span.start >= target.end
        })
        .map(|u| u.span.end)
        .min();
    let mut out = Assertion::default();
    // Nearest first on each side: the near trigger usually settles its
    // kind before a far one's long gap is walked.
    let split = live.partition_point(|t| t.span.end <= target.start);
    let (before, after) = live.split_at(split);
    for t in before.iter().rev().chain(after) {
        if matches!(
            t.rule.kind,
            TriggerKind::Terminate | TriggerKind::Clause | TriggerKind::Pseudo
        ) || out.has(t.rule.kind)
        {
            continue;
        }
        let walled = if t.span.end <= target.start {
            forward_wall.is_some_and(|w| w >= t.span.end)
        } else {
            backward_wall.is_some_and(|w| w <= t.span.start)
        };
        if walled {
            continue;
        }
        let reaches = if t.span.end <= target.start {
            runs(t.rule.direction, Direction::Forward) && reaches_forward(text, t, target, &live)
        } else {
            runs(t.rule.direction, Direction::Backward) && reaches_backward(text, t, target, &live)
        };
        if reaches {
            out.add(t.rule.kind);
        }
    }
    out
}

/// True when a trigger of direction `d` has a scope running `way`.
fn runs(d: Direction, way: Direction) -> bool {
    d == way || d == Direction::Both
}

/// True when a terminator of `live` inside `gap` closes scopes running
/// `way`, or a clause verb does after a comma or "and" in the gap.
fn closed(text: &str, live: &[&Trigger], gap: Span, way: Direction) -> bool {
    live.iter().any(|u| {
        gap.contains(u.span)
            && runs(u.rule.direction, way)
            && match u.rule.kind {
                TriggerKind::Terminate => true,
                TriggerKind::Clause => {
                    let before = match way {
                        Direction::Backward => &text[u.span.end..gap.end],
                        _ => &text[gap.start..u.span.start],
                    };
                    joins_clauses(before)
                }
                _ => false,
            }
    })
}

/// True when `s` holds a comma, semicolon or the word "and".
fn joins_clauses(s: &str) -> bool {
    s.contains([',', ';'])
        || s.split(|c: char| !c.is_ascii_alphanumeric())
            .any(|w| w.eq_ignore_ascii_case("and"))
}

fn reaches_forward(text: &str, t: &Trigger, target: Span, live: &[&Trigger]) -> bool {
    let gap = Span::new(t.span.end, target.start);
    !closed(text, live, gap, Direction::Forward)
        && !label_after_words(&text[gap.range()])
        && within(
            &text[gap.range()],
            t.rule.max_words as usize,
            Direction::Forward,
        )
}

fn reaches_backward(text: &str, t: &Trigger, target: Span, live: &[&Trigger]) -> bool {
    let gap = Span::new(target.end, t.span.start);
    let between = &text[gap.range()];
    !closed(text, live, gap, Direction::Backward)
        && !label_before_words(between)
        && (opens_the_next_cell(between)
            || labels_after_a_dash(t, between)
            || labels_after_a_colon(t, between)
            || called_a_contaminant(text, t, between)
            || !new_phrase_after_comma(between))
        && within(between, t.rule.max_words as usize, Direction::Backward)
}

/// True when a "contaminant" trigger closes a short phrase after the
/// item's last comma on the same line ("1 of 4 bottles coagulase-negative
/// staph, felt to be a contaminant", "..., likely contaminant"): the item
/// is what it calls so, whatever commas the item holds.
fn called_a_contaminant(text: &str, t: &Trigger, gap: &str) -> bool {
    t.rule.kind == TriggerKind::Unrelated
        && text[t.span.range()]
            .get(..11)
            .is_some_and(|w| w.eq_ignore_ascii_case("contaminant"))
        && !gap.contains(['\n', '|', ';'])
        && gap
            .rsplit(',')
            .next()
            .is_some_and(|phrase| count_words(phrase) <= 4)
}

/// True when an `unrelated` trigger follows a dash that ends the gap on
/// the same line: a label on the whole item before it ("coag-negative
/// Staph, 1 colony - contaminant"), whatever commas the item holds.
fn labels_after_a_dash(t: &Trigger, gap: &str) -> bool {
    t.rule.kind == TriggerKind::Unrelated
        && !gap.contains(['\n', '|'])
        && gap.trim_end().ends_with(['-', '\u{2013}', '\u{2014}'])
}

/// True when an `unrelated` trigger is the value of a short label that
/// ends the gap on the same line: a reading of the whole item before it
/// ("coagulase-negative staph 1 of 2 bottles, ID: contaminant"), whatever
/// commas the item holds.
fn labels_after_a_colon(t: &Trigger, gap: &str) -> bool {
    let Some(label) = gap.trim_end().strip_suffix(':') else {
        return false;
    };
    let label = label.rsplit([',', ';', '.', '(']).next().unwrap_or(label);
    t.rule.kind == TriggerKind::Unrelated
        && !gap.contains(['\n', '|'])
        && (1..=2).contains(&count_words(label))
}

/// True when a backward `gap` runs from a table cell to the start of the
/// next one: the trigger is that cell's value, and it answers every item
/// of the cell before it ("| Deeper structures (abscess, osteomyelitis,
/// fasciitis) | none identified |").
fn opens_the_next_cell(gap: &str) -> bool {
    gap.split_once('|')
        .is_some_and(|(_, after)| after.trim().is_empty())
}

/// True when `gap` holds a label colon (one followed by a space or the
/// end) after at least one word: a forward scope has reached a new field.
fn label_after_words(gap: &str) -> bool {
    label_colons(gap).any(|at| count_words(&gap[..at]) > 0)
}

/// True when `gap` holds a label colon with a word after it: a backward
/// trigger there is the value of a field other than the finding.
fn label_before_words(gap: &str) -> bool {
    label_colons(gap).any(|at| count_words(&gap[at..]) > 0)
}

fn label_colons(gap: &str) -> impl Iterator<Item = usize> + '_ {
    let b = gap.as_bytes();
    (0..b.len()).filter(move |&i| b[i] == b':' && b.get(i + 1).is_none_or(u8::is_ascii_whitespace))
}

/// True when a backward `gap` holds a comma followed by words but no list
/// conjunction: the trigger is about a new phrase ("MRSA, blood cultures
/// negative"), not the end of a list ("sequestrum, involucrum and
/// periosteal reaction are absent").
fn new_phrase_after_comma(gap: &str) -> bool {
    gap.rsplit_once(',').is_some_and(|(_, after)| {
        count_words(after) > 0
            && !after.split(|c: char| !c.is_ascii_alphanumeric()).any(|w| {
                ["and", "or", "nor"]
                    .iter()
                    .any(|c| w.eq_ignore_ascii_case(c))
            })
    })
}

/// True when `gap` is short enough for a scope of `max` words running
/// `way`, either outright or as a list whose stretch next to the trigger
/// is within `max` words and whose other items are short.
fn within(gap: &str, max: usize, way: Direction) -> bool {
    if count_words(gap) <= max {
        return true;
    }
    let mut items = list_items(gap);
    if way == Direction::Backward {
        items.reverse();
    }
    items.len() > 1 && items[0] <= max && items[1..].iter().all(|&n| n <= LIST_ITEM_WORDS)
}

/// Word counts of the stretches of `gap` between list separators: a comma
/// or slash, "or", "nor", "and".
fn list_items(gap: &str) -> Vec<usize> {
    let mut items = vec![0usize];
    for token in gap.split_inclusive([',', '/', ' ', '\t', '\n', '\r']) {
        let word = token.trim_end_matches([',', '/', ' ', '\t', '\n', '\r']);
        if ["or", "nor", "and"]
            .iter()
            .any(|c| word.eq_ignore_ascii_case(c))
        {
            items.push(0);
            continue;
        }
        *items.last_mut().expect("one item at least") += count_words(word);
        if token.ends_with([',', '/']) {
            items.push(0);
        }
    }
    items
}

fn count_words(s: &str) -> usize {
    words_between(s, 0, s.len())
}

/// Number of words in `text[from..to]`.
pub fn words_between(text: &str, from: usize, to: usize) -> usize {
    if from >= to {
        return 0;
    }
    let mut n = 0;
    let mut in_word = false;
    for b in text.as_bytes()[from..to].iter() {
        let w = b.is_ascii_alphanumeric() || *b >= 0x80;
        if w && !in_word {
            n += 1;
        }
        in_word = w;
    }
    n
}

/// "ESBL-negative", "coagulase-negative": a compound adjective, not a
/// statement that something is absent.
pub(crate) fn is_compound_tail(text: &str, start: usize) -> bool {
    let b = text.as_bytes();
    start >= 2
        && b[start - 1] == b'-'
        && b[start - 2].is_ascii_alphanumeric()
        && b.get(start).is_some_and(u8::is_ascii_alphanumeric)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cell_value_answers_the_cell_before_it() {
        assert!(opens_the_next_cell(", septic arthritis, fasciitis) | "));
        assert!(!opens_the_next_cell(", fasciitis) | present | "));
        assert!(!opens_the_next_cell(", MRSA, blood cultures "));
    }

    #[test]
    fn words_are_counted() {
        assert_eq!(words_between("no sign of the", 0, 14), 4);
        assert_eq!(words_between(" , ", 0, 3), 0);
    }

    #[test]
    fn lists_restart_the_count() {
        assert_eq!(
            list_items(" any fever, chills, night sweats or weight loss "),
            [2, 1, 2, 2]
        );
        let fwd = Direction::Forward;
        assert!(within(" a b c d, e f, g h i or ", 4, fwd));
        assert!(!within(" a b c d e f g h i j ", 8, fwd));
        assert!(!within(" a b c d, e f g h i j k l ", 4, fwd));
        assert!(within(", a b c and d e f are ", 4, Direction::Backward));
        assert!(!within(
            ", a b c and d e f g h are ",
            4,
            Direction::Backward
        ));
    }

    #[test]
    fn colons_open_new_fields() {
        assert!(label_after_words(" not obtained REFERRAL DIAGNOSIS: "));
        assert!(!label_after_words(": "));
        assert!(!label_after_words(" at 1:30 pm "));
        assert!(label_before_words(": bone biopsy "));
        assert!(!label_before_words(" of the femur: "));
    }
}
