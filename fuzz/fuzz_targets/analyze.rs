//! Any bytes, decoded lossily as the batch readers do, must analyse without
//! panicking, with every span inside the text on character boundaries.
#![no_main]

use docgap::Analyzer;
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

fn analyzer() -> &'static Analyzer {
    static A: OnceLock<Analyzer> = OnceLock::new();
    A.get_or_init(Analyzer::new)
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let a = analyzer().analyze(&text);
    for f in &a.evidence.findings {
        assert!(f.span.end <= text.len());
        assert!(text.is_char_boundary(f.span.start) && text.is_char_boundary(f.span.end));
    }
    for s in &a.sentences {
        assert!(text.is_char_boundary(s.start) && text.is_char_boundary(s.end));
    }
});
