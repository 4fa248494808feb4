//! The interactive rename resolver of `vertz db push --renames=ask`: shows each possible rename
//! on stderr with what every choice does to the data, and reads the answer from stdin. Also the
//! data-loss question of `db push` and `migrate dev` ([`confirm_loss`]), asked after the renames.
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

/// The data-loss question on a terminal: what `verb` would lose, counted, then `[y/N]` on
/// stderr; `true` only for `y` or `yes` on stdin. Reads stdin through its shared buffer, so an
/// answer typed ahead after a rename's is not lost.
pub fn confirm_loss(verb: &str, losses: &[vertz_runner::loss::Loss]) -> bool {
    yes_no(&format!(
        "\n`vertz {verb}` loses data:\n{}\nApply it? [y/N] ",
        vertz_runner::loss::list(losses)
    ))
}

/// Every `[y/N]` question of the CLI (data loss, a protected environment, a reset): `question`
/// on stderr, then one line of stdin; `true` only for `y` or `yes`, so anything else, or no
/// answer, is the safe no.
pub fn yes_no(question: &str) -> bool {
    let mut err = std::io::stderr();
    let _ = write!(err, "{question}");
    let _ = err.flush();
    let mut answer = String::new();
    let _ = std::io::stdin().lock().read_line(&mut answer);
    matches!(answer.trim().to_ascii_lowercase().as_str(), "y" | "yes")
}

/// The data-loss confirmation of a run: asked on a terminal, unless `force` answers it.
pub fn loss_question(verb: &'static str, force: bool) -> Option<vertz_runner::loss::ConfirmLoss> {
    use std::io::IsTerminal;
    (!force && std::io::stdin().is_terminal()).then(|| {
        vertz_runner::loss::ConfirmLoss(std::sync::Arc::new(move |losses| {
            confirm_loss(verb, losses)
        }))
    })
}

impl<R: BufRead + Send, W: Write + Send> Resolver for Ask<R, W> {
    fn decide(&mut self, a: &Ambiguity) -> Decision {
        self.question(a).unwrap_or(Decision::Undecided)
    }
}

#[cfg(test)]
mod tests {
    use vertz_diff::{Ambiguity, Candidate, Decision, RenameKind, Resolver};

    use super::Ask;

    fn ambiguity() -> Ambiguity {
        Ambiguity {
            kind: RenameKind::Column,
            table: Some("users".into()),
            old: "username".into(),
            candidates: vec![
                Candidate {
                    name: "user_name".into(),
                    confidence: 0.97,
                },
                Candidate {
                    name: "login_name".into(),
                    confidence: 0.65,
                },
            ],
        }
    }

    fn ask(input: &str) -> (Decision, String) {
        let mut out = Vec::new();
        let decision = Ask::new(input.as_bytes(), &mut out).decide(&ambiguity());
        (decision, String::from_utf8(out).unwrap())
    }

    #[test]
    fn shows_each_choice_and_what_it_does_to_the_data() {
        let (decision, shown) = ask("2\n");
        assert_eq!(decision, Decision::Rename("login_name".into()));
        assert_eq!(
            shown,
            "\ncolumn users.username is gone and users.user_name is new: a rename? (confidence 0.97; other candidates: users.login_name 0.65)\n  \
             1) rename column users.username to users.user_name: its values are kept\n  \
             2) rename column users.username to users.login_name: its values are kept\n  \
             3) not a rename: drop column users.username (its values are lost) and add the new one\n\
             choose 1-3: "
        );
    }

    #[test]
    fn asks_again_on_a_wrong_answer_and_gives_up_at_the_end_of_input() {
        let (decision, shown) = ask("x\n3\n");
        assert_eq!(decision, Decision::NotRename);
        assert!(shown.contains("please answer a number from 1 to 3\nchoose 1-3: "));
        let (decision, _) = ask("9\n");
        assert_eq!(decision, Decision::Undecided);
    }
}
