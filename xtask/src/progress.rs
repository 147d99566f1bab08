//! What a long command is doing, on standard error: a spinner with the current step on a
//! terminal, nothing elsewhere (logs, and the output a parent process reads).

use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};

/// The steps of one command, shown one at a time; cleared when dropped.
#[derive(Debug)]
pub struct Steps {
    bar: ProgressBar,
}

impl Steps {
    /// Starts showing steps (drawn only when standard error is a terminal).
    pub fn new() -> Self {
        let bar = ProgressBar::new_spinner();
        bar.set_style(
            ProgressStyle::with_template("{spinner} {msg} ({elapsed})")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        if !bar.is_hidden() {
            bar.enable_steady_tick(Duration::from_millis(120));
        }
        Self { bar }
    }

    /// Shows the step now under way.
    pub fn step(&self, message: impl Into<String>) {
        self.bar.set_message(message.into());
    }
}

impl Default for Steps {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for Steps {
    fn drop(&mut self) {
        self.bar.finish_and_clear();
    }
}
