//! Tools beside the pipeline (feature `tools`): they measure and feed the
//! analyzer but take no part in analysing a note.
//!
//! - [`eval`]: scoring against gold notes (`docgap eval`, the corpus tests).
//! - [`negex_eval`]: the evaluation harness on the NegEx annotated test set
//!   (`docgap eval-negex`); the negation algorithm itself is the context
//!   stage.
//! - [`synth`]: reproducible synthetic notes for benchmarks (`docgap synth`).

pub mod eval;
pub mod negex_eval;
pub mod synth;
