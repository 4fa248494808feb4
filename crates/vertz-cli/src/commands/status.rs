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
        println!("Run `vertz db push` to apply these changes.");
    }
    Ok(code)
}
