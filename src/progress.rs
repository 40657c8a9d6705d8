//! Progress on stderr: a bar for a large upload or download, and the steps
//! of a task that `--wait` follows. Shown only when stderr is a terminal
//! and `-s` is not given; a pipe or a CI log gets nothing of it.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;

/// A transfer is shown once it is known to reach this many bytes: a
/// small answer does not flash a bar.
pub const THRESHOLD: u64 = 4 << 20;

/// Whether progress may be drawn: stderr is a terminal and not `-s`.
pub fn visible(silent: bool) -> bool {
    !silent && std::io::stderr().is_terminal()
}

/// The progress of one transfer; cheap to clone (the bar is shared).
#[derive(Clone, Debug)]
pub struct Transfer {
    bar: Option<ProgressBar>,
    total: Option<u64>,
    what: &'static str,
}

impl Transfer {
    /// `what`: "upload" or "download"; `total` the length, if known.
    pub fn new(what: &'static str, total: Option<u64>, visible: bool) -> Transfer {
        let bar = visible.then(|| {
            // Hidden until the transfer is known to be large enough: a
            // bar made on stderr would draw at once.
            let bar = ProgressBar::with_draw_target(total, ProgressDrawTarget::hidden());
            let template = if total.is_some() {
                "{msg} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} {eta}"
            } else {
                "{msg} {bytes} {bytes_per_sec}"
            };
            if let Ok(style) = ProgressStyle::with_template(template) {
                bar.set_style(style.progress_chars("=> "));
            }
            bar.set_message(what);
            bar
        });
        Transfer { bar, total, what }
    }

    /// `n` more bytes went through.
    pub fn add(&self, n: u64) {
        let Some(bar) = &self.bar else {
            return;
        };
        bar.inc(n);
        if bar.is_hidden() && self.total.unwrap_or(bar.position()) >= THRESHOLD {
            bar.set_draw_target(ProgressDrawTarget::stderr());
        }
    }

    /// The transfer is complete: the bar goes away.
    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }

    /// The transfer broke: the bar stays, marked, so it never looks complete.
    pub fn abandon(&self) {
        if let Some(bar) = &self.bar {
            if !bar.is_hidden() {
                bar.abandon_with_message(format!("{} broken", self.what));
            }
        }
    }
}

/// A line that rewrites itself (a terminal) for the state of a task.
#[derive(Debug)]
pub struct Status {
    bar: Option<ProgressBar>,
}

impl Status {
    pub fn new(visible: bool) -> Status {
        Status {
            bar: visible.then(|| {
                let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
                if let Ok(style) = ProgressStyle::with_template("{spinner} {elapsed} {msg}") {
                    bar.set_style(style);
                }
                bar.enable_steady_tick(std::time::Duration::from_millis(200));
                bar
            }),
        }
    }

    /// Shows `line` (whose server-sent text the caller has escaped).
    pub fn set(&self, line: String) {
        if let Some(bar) = &self.bar {
            bar.set_message(line);
        }
    }

    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
