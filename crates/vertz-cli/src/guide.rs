//! What the command line says around the verbs rather than inside them: the examples that end
//! each verb's `--help`, the suggestion for a verb typed under the wrong group (`vertz migrate
//! status` → `vertz db status`), and the JSON form of an error when `--json` was asked for, so a
//! script never parses text.
//!
//! Owns wording only; which exit code an error gets is decided in [`crate::exit`].

use clap::CommandFactory;

use crate::exit;

/// Examples printed at the end of each verb's `--help`, by the verb's path under `vertz`.
/// Every verb has some: a test walks the command tree and fails on a verb without.
const EXAMPLES: &[(&str, &str)] = &[
    (
        "db push",
        "vertz db push --dry-run                      # print the SQL, change nothing\n  \
         vertz db push                                # apply the schema of vertz.toml\n  \
         vertz db push --database sqlite:app.db --schema schema.sql --force\n  \
         vertz db push --rename users.username=name   # a column rename, values kept",
    ),
    (
        "db status",
        "vertz db status                              # files applied, pending, drift\n  \
         vertz db status --schema schema.sql          # the database against a schema file\n  \
         vertz --env production db status --json",
    ),
    (
        "db migrate deploy",
        "vertz db migrate deploy --dry-run            # the SQL of the pending files\n  \
         vertz --env production --yes db migrate deploy\n  \
         vertz db migrate deploy --tx-mode all        # every pending file in one transaction",
    ),
    (
        "db migrate dev",
        "vertz db migrate dev --name add_tags         # write, apply and record the next file\n  \
         vertz db migrate dev --name init --create-only\n  \
         vertz db migrate dev --name rename --rename users.username=name",
    ),
    (
        "db migrate check",
        "vertz db migrate check                       # CI: do the files produce the schema?\n  \
         vertz db migrate check --schema schema.sql --migrations migrations --json",
    ),
    (
        "db migrate new",
        "vertz db migrate new backfill_slugs          # an empty file for hand-written SQL",
    ),
    (
        "db migrate adopt",
        "vertz db migrate adopt --from wrangler --dry-run\n  \
         vertz db migrate adopt --from drizzle --database sqlite:app.db --migrations drizzle",
    ),
    (
        "db migrate baseline",
        "vertz db migrate baseline                    # record every file as applied\n  \
         vertz db migrate baseline --to 0003_users --dry-run",
    ),
    (
        "db migrate resolve",
        "vertz db migrate resolve --applied 0004_hand_fix\n  \
         vertz db migrate resolve --rolled-back 0004_hand_fix",
    ),
    (
        "db migrate reset",
        "vertz db migrate reset                       # development only: drop all, re-apply\n  \
         vertz db migrate reset --force               # without asking (no terminal)",
    ),
    (
        "db execute",
        "vertz db execute fix.sql                     # one atomic unit\n  \
         vertz db execute --command \"SELECT count(*) FROM users\" --json",
    ),
    (
        "db seed",
        "vertz db seed                                # seeds/*.sql, then seeds/<env>/*.sql, once each\n  \
         vertz db seed --reset --force                # development: reset, then every seed",
    ),
    (
        "db rollback",
        "vertz db rollback --dry-run                  # the SQL of the last file's rollback\n  \
         vertz db rollback --steps 2",
    ),
    (
        "db unlock",
        "vertz db unlock --database sqlite:app.db     # after a deploy was killed",
    ),
    (
        "db validate",
        "vertz db validate --dialect d1               # lint migrations/ for D1\n  \
         vertz db validate --migrations drizzle --json",
    ),
    (
        "db init",
        "vertz db init                                # vertz.toml, migrations/, schema.sql\n  \
         vertz db init --dialect d1",
    ),
    (
        "db pull",
        "vertz db pull --out schema.sql               # the live schema as CREATE statements\n  \
         vertz db pull --format json > snapshot.json",
    ),
    (
        "db export",
        "vertz db export --out backup.sql             # schema and data, restorable on D1",
    ),
    (
        "db diff",
        "vertz db diff --from migrations --to schema.sql\n  \
         vertz db diff --from sqlite:prod-copy.db --to schema.sql --dialect d1",
    ),
    (
        "completions",
        "vertz completions bash > ~/.local/share/bash-completion/completions/vertz\n  \
         vertz completions zsh > ~/.zfunc/_vertz",
    ),
];

/// The command tree with each verb's examples at the end of its help.
pub fn command() -> clap::Command {
    let mut cmd = crate::cli::Cli::command();
    for (path, text) in EXAMPLES {
        cmd = with_examples(cmd, &path.split(' ').collect::<Vec<_>>(), text);
    }
    cmd
}

fn with_examples(cmd: clap::Command, path: &[&str], text: &str) -> clap::Command {
    match path {
        [] => cmd.after_help(format!("Examples:\n  {text}")),
        [first, rest @ ..] => cmd.mut_subcommand(*first, |sub| with_examples(sub, rest, text)),
    }
}

/// Every verb's path under `vertz` (`["db", "migrate", "deploy"]`), leaves only.
pub fn verbs(cmd: &clap::Command) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    for sub in cmd.get_subcommands().filter(|s| s.get_name() != "help") {
        let name = sub.get_name().to_string();
        if sub.has_subcommands() {
            for mut rest in verbs(sub) {
                rest.insert(0, name.clone());
                out.push(rest);
            }
        } else {
            out.push(vec![name]);
        }
    }
    out
}

/// The command line a user probably meant when a word is a verb in another group: `vertz
/// migrate status --json` → `vertz db status --json`, `vertz db deploy` → `vertz db migrate
/// deploy`. `None` when no verb of the tree carries the typed verb's name.
pub fn suggestion(cmd: &clap::Command, args: &[String]) -> Option<String> {
    // The words before the first flag, after the program name.
    let words: Vec<&str> = args
        .iter()
        .skip(1)
        .map(String::as_str)
        .take_while(|a| !a.starts_with('-'))
        .collect();
    let tree = verbs(cmd);
    // The last typed word that is some verb's name decides; the group words before it are
    // replaced by that verb's real path.
    let (at, path) = words.iter().enumerate().rev().find_map(|(i, w)| {
        let mut found = tree.iter().filter(|p| p.last().is_some_and(|l| l == w));
        let path = found.next()?;
        found.next().is_none().then_some((i, path))
    })?;
    if words[..=at]
        .iter()
        .copied()
        .eq(path.iter().map(String::as_str))
    {
        return None;
    }
    let rest = args.iter().skip(1 + at + 1).map(|a| shell_word(a));
    let line: Vec<String> = std::iter::once("vertz".to_string())
        .chain(path.iter().cloned())
        .chain(rest)
        .collect();
    Some(line.join(" "))
}

fn shell_word(word: &str) -> String {
    if !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_=./:@,".contains(c))
    {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

/// Whether the raw command line asks for JSON: used before (or when) clap could not parse it.
pub fn asks_json(args: &[String]) -> bool {
    args.iter()
        .skip(1)
        .take_while(|a| *a != "--")
        .any(|a| a == "--json")
}

/// The name scripts branch on for an exit code (documented with the codes in docs/exit-codes.md).
pub fn kind(code: u8) -> &'static str {
    match code {
        exit::USAGE => "usage",
        exit::INVALID_INPUT => "invalid_input",
        exit::DATABASE => "database",
        exit::REFUSED => "refused",
        exit::NOT_IN_SYNC => "not_in_sync",
        exit::LOCK_HELD => "lock_held",
        _ => "internal",
    }
}

/// The JSON object printed on standard output for a failed command run with `--json`.
pub fn error_json(code: u8, message: &str, suggestion: Option<&str>) -> serde_json::Value {
    let mut error = serde_json::json!({ "kind": kind(code), "message": message });
    if let Some(s) = suggestion {
        error["suggestion"] = serde_json::json!(s);
    }
    serde_json::json!({ "ok": false, "exit_code": code, "error": error })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(line: &str) -> Vec<String> {
        line.split(' ').map(String::from).collect()
    }

    #[test]
    fn every_verb_ends_its_help_with_examples() {
        let cmd = command();
        for path in verbs(&cmd) {
            let mut sub = &cmd;
            for name in &path {
                sub = sub.find_subcommand(name).expect("walked from the tree");
            }
            let help = sub
                .get_after_help()
                .map(|h| h.to_string())
                .unwrap_or_default();
            assert!(
                help.starts_with("Examples:\n  vertz "),
                "`vertz {}` has no examples in guide::EXAMPLES",
                path.join(" ")
            );
        }
        for (path, _) in EXAMPLES {
            let words: Vec<String> = path.split(' ').map(String::from).collect();
            assert!(verbs(&cmd).contains(&words), "`{path}` is no verb");
        }
    }

    #[test]
    fn every_verb_takes_json() {
        let cmd = command();
        for path in verbs(&cmd) {
            let mut sub = &cmd;
            for name in &path {
                sub = sub.find_subcommand(name).expect("walked from the tree");
            }
            // A completion script is a shell file; there is no report to put in JSON.
            if path == ["completions"] {
                continue;
            }
            assert!(
                sub.get_arguments().any(|a| a.get_id() == "json"),
                "`vertz {}` has no --json",
                path.join(" ")
            );
        }
    }

    #[test]
    fn a_verb_under_the_wrong_group_is_suggested_with_its_flags() {
        let cmd = command();
        let s = |line: &str| suggestion(&cmd, &args(line));
        assert_eq!(
            s("vertz migrate status --json").as_deref(),
            Some("vertz db status --json")
        );
        assert_eq!(
            s("vertz db deploy --dry-run").as_deref(),
            Some("vertz db migrate deploy --dry-run")
        );
        assert_eq!(s("vertz push").as_deref(), Some("vertz db push"));
        assert_eq!(
            s("vertz db migrate rollback --steps 2").as_deref(),
            Some("vertz db rollback --steps 2")
        );
        assert_eq!(s("vertz db frobnicate"), None);
        assert_eq!(s("vertz db status"), None);
    }
}
