//! The interactive rename resolver of `vertz db push --renames=ask`: shows each possible rename
//! on stderr with what every choice does to the data, and reads the answer from stdin.
//!
//! Owns the wording of the question only; which pairs are asked about, and in what order, is
//! `vertz_diff::rename`'s. Must not decide anything itself: an answer it cannot read leaves the
//! rename unsettled, which refuses the push.

use std::io::{BufRead, Write};

use vertz_diff::{Ambiguity, Decision, RenameKind, Resolver};

/// Asks on the terminal.
pub struct Ask<R: BufRead + Send, W: Write + Send> {
    input: R,
    output: W,
}

impl<R: BufRead + Send, W: Write + Send> Ask<R, W> {
    pub fn new(input: R, output: W) -> Self {
        Ask { input, output }
    }

    fn question(&mut self, a: &Ambiguity) -> std::io::Result<Decision> {
        let (what, lost) = match a.kind {
            RenameKind::Table => ("table", "rows"),
            RenameKind::Column => ("column", "values"),
        };
        let old = a.old_path();
        writeln!(self.output, "\n{a}")?;
        for (i, c) in a.candidates.iter().enumerate() {
            writeln!(
                self.output,
                "  {}) rename {what} {old} to {}: its {lost} are kept",
                i + 1,
                a.path(&c.name),
            )?;
        }
        let drop = a.candidates.len() + 1;
        writeln!(
            self.output,
            "  {drop}) not a rename: drop {what} {old} (its {lost} are lost) and add the new one"
        )?;
        loop {
            write!(self.output, "choose 1-{drop}: ")?;
            self.output.flush()?;
            let mut line = String::new();
            if self.input.read_line(&mut line)? == 0 {
                writeln!(self.output)?;
                return Ok(Decision::Undecided);
            }
            match line.trim().parse::<usize>() {
                Ok(n) if (1..drop).contains(&n) => {
                    return Ok(Decision::Rename(a.candidates[n - 1].name.clone()));
                }
                Ok(n) if n == drop => return Ok(Decision::NotRename),
                _ => writeln!(self.output, "please answer a number from 1 to {drop}")?,
            }
        }
    }
}

impl<R: BufRead + Send, W: Write + Send> Resolver for Ask<R, W> {
    fn decide(&mut self, a: &Ambiguity) -> Decision {
        self.question(a).unwrap_or(Decision::Undecided)
    }
}
