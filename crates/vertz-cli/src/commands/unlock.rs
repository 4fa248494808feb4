//! `vertz db unlock`: break the migration lock left by a process that died (it would otherwise
//! expire on its own after its time to live).

use crate::cli::UnlockArgs;
use crate::exit::{self, CliError};
use crate::schema_source;

pub async fn run(args: UnlockArgs) -> Result<u8, CliError> {
    let driver = schema_source::open_database(&args.database).await?;
    match vertz_runner::lock::unlock(driver.as_ref())
        .await
        .map_err(anyhow::Error::from)?
    {
        Some(h) => println!(
            "Removed the migration lock held by {} since {} (it would have expired {}).",
            h.owner, h.acquired_at, h.expires_at
        ),
        None => println!("The migration lock is not held; nothing to do."),
    }
    Ok(exit::OK)
}
