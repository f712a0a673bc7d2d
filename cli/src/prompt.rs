//! Questions to the person at the terminal. Secrets are read without echo from the terminal;
//! when standard input is not a terminal (a script, a test), every answer is the next line of
//! standard input, so a whole sign-in can be scripted.

use std::io::{BufRead as _, IsTerminal as _, Write as _};

use crate::failure::{Failure, Outcome};

/// Reads answers, from the terminal or from standard input's lines.
#[derive(Debug)]
pub struct Prompter {
    interactive: bool,
}

impl Prompter {
    /// A prompter for this process.
    pub fn new() -> Self {
        Self {
            interactive: std::io::stdin().is_terminal(),
        }
    }

    /// Asks `question`; the answer is echoed.
    pub fn ask(&self, question: &str) -> Outcome<String> {
        eprint!("{question}: ");
        let _ = std::io::stderr().flush();
        let line = read_line()?;
        if !self.interactive {
            eprintln!();
        }
        Ok(line)
    }

    /// Asks `question` with `default` offered (an empty answer takes it).
    pub fn ask_or(&self, question: &str, default: Option<&str>) -> Outcome<Option<String>> {
        let question = match default {
            Some(d) => format!("{question} [{d}]"),
            None => format!("{question} (empty for none)"),
        };
        let answer = self.ask(&question)?;
        Ok(if answer.is_empty() {
            default.map(str::to_owned)
        } else {
            Some(answer)
        })
    }

    /// Asks for a secret, without echo at a terminal.
    pub fn secret(&self, question: &str) -> Outcome<String> {
        if self.interactive {
            rpassword::prompt_password(format!("{question}: "))
                .map_err(|e| Failure::other(format!("cannot read from the terminal: {e}")))
        } else {
            eprint!("{question}: ");
            let line = read_line();
            eprintln!();
            line
        }
    }
}

/// One line of standard input, without its line ending.
pub fn read_line() -> Outcome<String> {
    let mut line = String::new();
    let read = std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| Failure::other(format!("cannot read standard input: {e}")))?;
    if read == 0 {
        return Err(Failure::usage(
            "standard input ended before every question was answered",
        ));
    }
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}
