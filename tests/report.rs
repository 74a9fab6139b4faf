//! Issue 15: what a CDI specialist sees. The queries on every gold note
//! (site named, no code, no payment word, the two closing options), the
//! pending / not-obtained culture near misses, the CSV a spreadsheet
//! opens, and the HTML report's counts, read back by a real browser when
//! one is installed (`.ci/run` installs Chromium and requires it).

mod common;
use common::*;
use docgap::lexicon::Category;
use docgap::queries::{self, Audience};
use docgap::{Analyzer, FlagId};
use std::collections::BTreeMap;
use std::path::Path;

fn gold_notes() -> Vec<(String, String, Option<Vec<String>>)> {
    let mut v = Vec::new();
    for file in [
        "../shared/gold/dev.jsonl",
        "../shared/gold/dev2.jsonl",
        "corpora/notes.jsonl",
    ] {
        let Ok(text) = std::fs::read_to_string(file) else {
            eprintln!("skipping {file}: not present");
            continue;
        };
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            let r: serde_json::Value = serde_json::from_str(line).unwrap();
            let assigned = r["assigned_codes"]
                .as_array()
                .map(|a| a.iter().map(|c| c.as_str().unwrap().to_string()).collect());
            v.push((
                r["id"].as_str().unwrap().to_string(),
                r["text"].as_str().unwrap().to_string(),
                assigned,
            ));
        }
    }
    v
}

/// An ICD-10-CM code as a query must never show one: M86, M86.6-, B95.62.
fn has_code(s: &str) -> bool {
    let re = regex::Regex::new(r"\b[A-TV-Z][0-9][0-9A-Z](\.[0-9A-Z-]{0,4})?\b").unwrap();
    re.is_match(s)
}

#[test]
fn every_query_on_every_gold_note_names_the_site_and_no_code() {
    let analyzer = Analyzer::new();
    let notes = gold_notes();
    assert!(notes.len() >= 58, "corpora/notes.jsonl at least");
    let mut failures = Vec::new();
    let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
    for (id, text, assigned) in &notes {
        let a = analyzer.analyze_with_claim(text, assigned.as_deref());
        let sites: Vec<String> = a
            .evidence
            .findings
            .iter()
            .filter(|f| {
                matches!(f.category, Category::Site | Category::Vague) && f.assertion.is_affirmed()
            })
            .map(|f| {
                text[f.span.range()]
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" ")
                    .to_lowercase()
            })
            .collect();
        for f in &a.flags {
            *seen.entry(f.id.as_str()).or_default() += 1;
            let q = queries::build(text, &a, f);
            let lower = q.text.to_lowercase();
            if !sites.is_empty() && !sites.iter().any(|s| lower.contains(s.as_str())) {
                failures.push(format!(
                    "{id} {}: no site of {sites:?} in {:?}",
                    f.id.as_str(),
                    q.text
                ));
            }
            assert_eq!(q.audience, queries::audience(f.id));
            for &i in &q.indicators {
                assert!((i as usize) < a.evidence.findings.len());
            }
            if q.audience == Audience::Provider {
                if has_code(&q.text) {
                    failures.push(format!("{id} {}: a code in {:?}", f.id.as_str(), q.text));
                }
                for word in [
                    "code",
                    "coded",
                    "payment",
                    "reimburse",
                    "drg",
                    "billing",
                    "revenue",
                ] {
                    if lower
                        .split(|c: char| !c.is_alphanumeric())
                        .any(|w| w == word || (word == "reimburse" && w.starts_with(word)))
                    {
                        failures.push(format!("{id} {}: {word:?} in {:?}", f.id.as_str(), q.text));
                    }
                }
                if !(q.text.contains("[ ] other")
                    && q.text.contains("[ ] clinically unable to determine"))
                {
                    failures.push(format!(
                        "{id} {}: closing options missing in {:?}",
                        f.id.as_str(),
                        q.text
                    ));
                }
                if q.text.contains('?') {
                    failures.push(format!(
                        "{id} {}: a yes/no question in {:?}",
                        f.id.as_str(),
                        q.text
                    ));
                }
            } else if !q.text.contains("Tabular List") && !q.text.contains("Guidelines") {
                failures.push(format!(
                    "{id} {}: no instruction in {:?}",
                    f.id.as_str(),
                    q.text
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
    // The corpora exercise the provider flags and the claim audit.
    for id in [
        "ACUITY_NOT_DOCUMENTED",
        "LATERALITY_MISSING",
        "ORGANISM_NOT_DOCUMENTED",
        "ROUTE_NOT_DOCUMENTED",
    ] {
        assert!(seen.contains_key(id), "no {id} in the gold notes: {seen:?}");
    }
}

fn organism_query(text: &str) -> String {
    let a = Analyzer::new().analyze(text);
    let f = a
        .flags
        .iter()
        .find(|f| f.id == FlagId::OrganismNotDocumented)
        .unwrap_or_else(|| panic!("ORGANISM_NOT_DOCUMENTED on {text:?}: {:?}", a.flags));
    queries::build(text, &a, f).text
}

#[test]
fn a_pending_culture_is_asked_for_when_back_not_documented_again() {
    let q = organism_query(
        "Assessment: chronic osteomyelitis of the left tibia, contiguous from the ulcer. Bone biopsy sent, cultures pending.",
    );
    assert!(q.contains("documented as pending"), "{q}");
    assert!(q.contains("When the final result is available"), "{q}");
    assert!(!q.contains("cultures not obtained"), "{q}");
    assert!(q.contains("left tibia"), "{q}");
}

#[test]
fn cultures_not_obtained_are_not_asked_for_again() {
    let q = organism_query(
        "Assessment: acute osteomyelitis of the right calcaneus, contiguous from the heel ulcer. Bone cultures were not obtained before antibiotics.",
    );
    assert!(
        q.contains("The record states that cultures were not obtained"),
        "{q}"
    );
    assert!(!q.contains("[ ] cultures not obtained"), "{q}");
    assert!(q.contains("right calcaneus"), "{q}");
}

#[test]
fn no_culture_at_all_gets_the_plain_question() {
    let q = organism_query(
        "Assessment: acute osteomyelitis of the right calcaneus, contiguous from the heel ulcer.",
    );
    assert!(q.contains("Please clarify the causative organism:"), "{q}");
    assert!(q.contains("[ ] cultures not obtained"), "{q}");
}

#[test]
fn the_laterality_query_quotes_the_imaging() {
    let text = "Assessment: chronic osteomyelitis of the tibia. MRI tibia: sequestrum and cortical destruction.";
    let a = Analyzer::new().analyze(text);
    let f = a
        .flags
        .iter()
        .find(|f| f.id == FlagId::LateralityMissing)
        .expect("flag");
    let q = queries::build(text, &a, f);
    assert!(
        q.text
            .starts_with("Chronic osteomyelitis of the tibia is documented (MRI"),
        "{}",
        q.text
    );
    assert!(q.text.contains("sequestrum"), "{}", q.text);
    assert!(
        q.text.contains(
            "[ ] right [ ] left [ ] bilateral [ ] other: ___ [ ] clinically unable to determine"
        ),
        "{}",
        q.text
    );
    assert!(!q.indicators.is_empty());
}

#[test]
fn the_csv_carries_queries_evidence_descriptions_and_a_bom() {
    let input = concat!(
        r#"{"id": "=cmd|' /C calc'!A0", "text": "Assessment: chronic osteomyelitis of the tibia. MRI: sequestrum."}"#,
        "\n"
    );
    let out = docgap(&["scan", "--format", "csv", "--bom", "-"], input);
    assert_eq!(out.status.code(), Some(0));
    assert!(out.stdout.starts_with("\u{feff}id,".as_bytes()));
    let mut r = csv::Reader::from_reader(&out.stdout[3..]);
    let header: Vec<String> = r.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(&header[9..], ["code_descriptions", "queries", "evidence"]);
    let row = r.records().next().unwrap().unwrap();
    assert!(row[0].starts_with("'="), "formula escaped: {}", &row[0]);
    assert!(
        row[9].contains("M86.669: Other chronic osteomyelitis, unspecified tibia and fibula"),
        "{}",
        &row[9]
    );
    assert!(
        row[10].contains("LATERALITY_MISSING (provider): Chronic osteomyelitis of the tibia"),
        "{}",
        &row[10]
    );
    assert!(
        row[11].contains("LATERALITY_MISSING: chronic osteomyelitis of the tibia."),
        "{}",
        &row[11]
    );
}

/// Counts a report must show, computed from the JSONL itself.
struct Expected {
    notes: usize,
    with_gaps: usize,
    flags: BTreeMap<String, usize>,
}

fn expected(results: &str) -> Expected {
    let mut e = Expected {
        notes: 0,
        with_gaps: 0,
        flags: BTreeMap::new(),
    };
    for line in results.lines() {
        let r: serde_json::Value = serde_json::from_str(line).unwrap();
        if r.get("error").is_some() {
            continue;
        }
        e.notes += 1;
        let flags = r["flags"].as_array().unwrap();
        if !flags.is_empty() {
            e.with_gaps += 1;
        }
        let mut ids: Vec<&str> = flags.iter().map(|f| f["id"].as_str().unwrap()).collect();
        ids.sort();
        ids.dedup();
        for id in ids {
            *e.flags.entry(id.to_string()).or_default() += 1;
        }
    }
    e
}

/// The number written in the element carrying `attr` (`data-count="notes"`).
fn number_at(html: &str, attr: &str) -> Option<usize> {
    let at = html.find(attr)?;
    let rest = &html[at..];
    let open = rest.find('>')? + 1;
    let close = rest[open..].find('<')?;
    rest[open..open + close].trim().parse().ok()
}

fn check_counts(html: &str, e: &Expected, rendered: bool) {
    assert_eq!(number_at(html, "data-count=\"notes\""), Some(e.notes));
    assert_eq!(
        number_at(html, "data-count=\"with_gaps\""),
        Some(e.with_gaps)
    );
    for id in FlagId::ALL {
        let want = e.flags.get(id.as_str()).copied().unwrap_or(0);
        assert_eq!(
            number_at(html, &format!("data-flag=\"{}\"", id.as_str())),
            Some(want),
            "{}",
            id.as_str()
        );
    }
    if rendered {
        // Written by the page's script from the embedded data: the
        // worklist's default view is the notes with gaps.
        assert_eq!(
            number_at(html, "data-count=\"worklist\""),
            Some(e.with_gaps)
        );
        assert!(html.contains("id=\"ready\""), "the script finished");
        assert!(html.contains("<a href=\"#n=0\">"), "worklist rows rendered");
    }
}

fn build_report(dir: &Path) -> (String, std::path::PathBuf) {
    let notes = "corpora/notes.jsonl";
    let results = dir.join("results.jsonl");
    let out = docgap(&["scan", notes, "-o", s(&results)], "");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let html = dir.join("report.html");
    let out = docgap(
        &["report", s(&results), "--notes", notes, "-o", s(&html)],
        "",
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    (std::fs::read_to_string(&results).unwrap(), html)
}

#[test]
fn the_report_is_self_contained_and_counts_what_the_results_hold() {
    let dir = scratch("static");
    let (results, html) = build_report(&dir);
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(
        !page.contains("http:") && !page.contains("https:"),
        "nothing fetched"
    );
    assert!(!page.contains(" src="), "no external script or image");
    check_counts(&page, &expected(&results), false);
}

#[test]
fn a_browser_renders_the_report_with_the_results_counts() {
    let browser = ["chromium", "chromium-browser", "google-chrome"]
        .into_iter()
        .find(|b| {
            std::process::Command::new(b)
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success())
        });
    let Some(browser) = browser else {
        assert!(
            std::env::var_os("DOCGAP_REQUIRE_BROWSER").is_none(),
            "DOCGAP_REQUIRE_BROWSER is set but no chromium is installed"
        );
        eprintln!("skipping: no chromium installed (apt-get install -y chromium; .ci/run does)");
        return;
    };
    let dir = scratch("browser");
    let (results, html) = build_report(&dir);
    let url = format!("file://{}", std::fs::canonicalize(&html).unwrap().display());
    let out = std::process::Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--virtual-time-budget=30000",
            "--dump-dom",
            &url,
        ])
        .env("HOME", &dir)
        .output()
        .unwrap();
    let dom = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    check_counts(&dom, &expected(&results), true);
}

#[test]
fn show_reads_what_scan_reads_wraps_and_prints_a_legend() {
    let dir = scratch("show");
    let text = "Assessment: chronic osteomyelitis of the tibia, with a long sentence about the wound care plan and the follow-up visits that goes on well past eighty columns.";
    std::fs::write(dir.join("notes.csv"), format!("id,text\nc1,\"{text}\"\n")).unwrap();
    let jsonl = format!("{{\"id\": \"g1\", \"text\": \"{text}\"}}\n");
    std::fs::write(dir.join("notes.jsonl.gz"), gz(jsonl.as_bytes())).unwrap();
    std::fs::create_dir_all(dir.join("tree")).unwrap();
    std::fs::write(dir.join("tree/t1.txt"), text).unwrap();
    for (input, id) in [
        ("notes.csv", "c1"),
        ("notes.jsonl.gz", "g1"),
        ("tree", "t1.txt"),
    ] {
        let p = dir.join(input);
        let out = docgap(
            &[
                "show",
                s(&p),
                "--id",
                id,
                "--color",
                "never",
                "--width",
                "60",
            ],
            "",
        );
        let so = String::from_utf8_lossy(&out.stdout);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{input}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(so.contains(&format!("== {id}")), "{input}: {so}");
        assert!(so.contains("legend: "), "{so}");
        assert!(so.contains("LATERALITY_MISSING (for the provider)"), "{so}");
        let body = so.split("== codes").next().unwrap();
        // 60 columns of text, and the brackets around findings.
        assert!(
            body.lines().skip(2).all(|l| l.chars().count() <= 72),
            "wrapped at 60: {so}"
        );
        assert!(body.lines().count() >= 5, "the long line is wrapped: {so}");
    }
    let out = docgap(
        &["show", s(&dir.join("notes.csv")), "--color", "always"],
        "",
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("legend: \x1b["));
}
