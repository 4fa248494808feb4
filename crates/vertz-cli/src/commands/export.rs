//! `vertz db export`: a consistent SQL dump of the live database's schema and data.

use crate::cli::ExportArgs;
use crate::commands::tooling::emit;
use crate::exit::{self, CliError};
use crate::schema_source;

pub async fn run(args: ExportArgs) -> Result<u8, CliError> {
    let driver = schema_source::open_database(&args.database).await?;
    let dump = vertz_runner::export::dump(driver.as_ref())
        .await
        .map_err(anyhow::Error::from)?;
    emit(args.out.as_deref(), &dump)?;
    if let Some(out) = &args.out {
        eprintln!(
            "wrote {} ({} rows)",
            out.display(),
            dump.matches("\nINSERT INTO ").count()
        );
    }
    Ok(exit::OK)
}
