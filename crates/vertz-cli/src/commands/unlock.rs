//! `vertz db unlock`: break the migration lock left by a process that died (it would otherwise
//! expire on its own after its time to live).

use crate::cli::UnlockArgs;
use crate::context::Context;
use crate::exit::{self, CliError};
use crate::output::{self, say};
use crate::schema_source;

pub async fn run(ctx: &Context, args: UnlockArgs) -> Result<u8, CliError> {
    let settings = ctx.settings(args.database.as_ref(), None, None)?;
    let database = ctx.database(&settings)?;
    ctx.announce("db unlock", &settings, &database, args.json);
    ctx.confirm("db unlock", &settings, &database)?;
    let driver = schema_source::open_database(&database, &settings.resolved).await?;
    let holder = vertz_runner::lock::unlock(driver.as_ref())
        .await
        .map_err(anyhow::Error::from)?;
    if args.json {
        output::json(&serde_json::json!({
            "database": database,
            "removed": holder.as_ref().map(|h| serde_json::json!({
                "owner": h.owner,
                "acquired_at": h.acquired_at,
                "expires_at": h.expires_at,
            })),
        }));
        return Ok(exit::OK);
    }
    match holder {
        Some(h) => say!(
            "Removed the migration lock held by {} since {} (it would have expired {}).",
            h.owner,
            h.acquired_at,
            h.expires_at
        ),
        None => say!("The migration lock is not held; nothing to do."),
    }
    Ok(exit::OK)
}
