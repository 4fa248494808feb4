//! `vertz db status`: whether the database matches the declared schema, and what differs.

use crate::cli::StatusArgs;
use crate::exit::{self, CliError, NOT_IN_SYNC};
use crate::schema_source;

pub async fn run(args: StatusArgs) -> Result<u8, CliError> {
    let schema = schema_source::load(&args.target.schema).await?;
    let driver = schema_source::open_database(&args.target.database).await?;
    let report = vertz_runner::status(driver.as_ref(), &schema)
        .await
        .map_err(anyhow::Error::from)?;
    let code = if report.in_sync {
        exit::OK
    } else {
        NOT_IN_SYNC
    };
    if args.json {
        let json = serde_json::json!({
            "database": args.target.database,
            "in_sync": report.in_sync,
            "differences": report.differences,
            "possible_renames": report.possible_renames.iter().map(|a| serde_json::json!({
                "description": a.to_string(),
                "flag": a.flag(&a.best().name),
            })).collect::<Vec<_>>(),
        });
        println!(
            "{}",
            serde_json::to_string_pretty(&json).expect("serializable")
        );
        return Ok(code);
    }
    if report.in_sync {
        println!(
            "{} matches {}.",
            args.target.database,
            args.target.schema.display()
        );
    } else {
        println!(
            "{} differs from {}:",
            args.target.database,
            args.target.schema.display()
        );
        for d in &report.differences {
            println!("  - {d}");
        }
        if !report.possible_renames.is_empty() {
            println!("Possible renames (a push asks; a flag settles each and keeps the data):");
            for a in &report.possible_renames {
                println!("  - {a}: {}", a.flag(&a.best().name));
            }
        }
        println!("Run `vertz db push` to apply these changes.");
    }
    Ok(code)
}
