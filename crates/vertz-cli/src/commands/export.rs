//! `vertz db export`: a consistent SQL dump of the live database's schema and data.

use crate::cli::ExportArgs;
use crate::commands::tooling::emit;
use crate::context::Context;
use crate::exit::{self, CliError};
use crate::output::{self, note};
use crate::schema_source;

pub async fn run(ctx: &Context, args: ExportArgs) -> Result<u8, CliError> {
    let settings = ctx.settings(args.database.as_ref(), None, None)?;
    let database = ctx.database(&settings)?;
    ctx.announce("db export", &settings, &database, true);
    let driver = schema_source::open_database(&database, &settings.resolved).await?;
    let dump = vertz_runner::export::dump(driver.as_ref())
        .await
        .map_err(anyhow::Error::from)?;
    emit(args.out.as_deref(), &dump.sql)?;
    for w in &dump.warnings {
        eprintln!("warning: {w}");
    }
    if let (true, Some(out)) = (args.json, &args.out) {
        output::json(&serde_json::json!({
            "database": database,
            "out": out.display().to_string(),
            "rows": dump.rows,
            "warnings": dump.warnings,
        }));
    } else if let Some(out) = &args.out {
        note!("wrote {} ({} rows)", out.display(), dump.rows);
    }
    Ok(exit::OK)
}
