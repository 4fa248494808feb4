//! `vertz db unlock`: break the migration lock left by a process that died (it would otherwise
//! expire on its own after its time to live).

use crate::cli::UnlockArgs;
use crate::context::Context;
use crate::exit::{self, CliError};
use crate::output::say;
use crate::schema_source;

pub async fn run(ctx: &Context, args: UnlockArgs) -> Result<u8, CliError> {
    let settings = ctx.settings(args.database.as_ref(), None, None)?;
    let database = ctx.database(&settings)?;
    ctx.announce("db unlock", &settings, &database, false);
    ctx.confirm("db unlock", &settings, &database)?;
    let driver = schema_source::open_database(&database, &settings.resolved).await?;
    match vertz_runner::lock::unlock(driver.as_ref())
        .await
        .map_err(anyhow::Error::from)?
    {
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
