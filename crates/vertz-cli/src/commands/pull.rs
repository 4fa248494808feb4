//! `vertz db pull`: the live database's schema as a schema.sql (CREATE statements vertz would
//! write) or a canonical JSON snapshot.

use vertz_snapshot::SchemaSnapshot;

use crate::cli::{PullArgs, PullFormat};
use crate::commands::tooling::emit;
use crate::context::Context;
use crate::exit::{self, CliError};
use crate::output::{self, note};
use crate::schema_source;

pub async fn run(ctx: &Context, args: PullArgs) -> Result<u8, CliError> {
    let settings = ctx.settings(args.database.as_ref(), None, None)?;
    let database = ctx.database(&settings)?;
    ctx.announce("db pull", &settings, &database, true);
    let driver = schema_source::open_database(&database, &settings.resolved).await?;
    let schema = driver.introspect().await.map_err(anyhow::Error::from)?;
    let tables = schema.tables.len();
    let format = args.format.unwrap_or_else(|| {
        match args
            .out
            .as_ref()
            .and_then(|p| p.extension())
            .and_then(|e| e.to_str())
        {
            Some(e) if e.eq_ignore_ascii_case("json") => PullFormat::Json,
            _ => PullFormat::Sql,
        }
    });
    let text = match format {
        PullFormat::Json => SchemaSnapshot::new(schema).to_canonical_json(),
        PullFormat::Sql => {
            let plan = driver
                .dialect()
                .create_all(&schema)
                .map_err(|e| CliError::new(exit::INTERNAL, anyhow::Error::from(e)))?;
            format!(
                "-- Schema of {}, written by vertz db pull.\n\n{}",
                database,
                plan.to_sql()
            )
        }
    };
    emit(args.out.as_deref(), &text)?;
    if let (true, Some(out)) = (args.json, &args.out) {
        output::json(&serde_json::json!({
            "database": database,
            "out": out.display().to_string(),
            "format": match format { PullFormat::Json => "json", PullFormat::Sql => "sql" },
            "tables": tables,
        }));
    } else if let Some(out) = &args.out {
        note!("wrote {} ({tables} tables)", out.display());
    }
    Ok(exit::OK)
}
