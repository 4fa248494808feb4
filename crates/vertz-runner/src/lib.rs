//! vertz-runner: all migration state that lives in the database, and the operations on it.
//!
//! Owns the async [`driver::Driver`] trait that backends implement, the history table
//! `_vertz_migrations` ([`history`]), the migration lock ([`lock`]), migration files
//! ([`migrations`], in the layout of any tool that wrote them: [`layout`]) and their verification ([`verify`]), and the operations that change or read
//! a live database: push and status ([`push`]), deploy ([`deploy`]), rollback ([`rollback`]),
//! the check that stands in for `PRAGMA foreign_keys = OFF` where a backend ignores it
//! ([`cascade`]), status with drift ([`drift`]), the no-op memo of push ([`push_state`]), `migrate dev` ([`dev`]), `migrate check` ([`check`]), auto-migrate on start ([`auto`]), migrations
//! compiled into the application and applied at start ([`embedded`]) and
//! wrangler's migrations table ([`wrangler`]), `migrate adopt --from wrangler|drizzle|sqlx|dbmate`
//! over any of those tools' history tables ([`adopt`]), and files
//! recorded without running them, `migrate baseline` and `migrate resolve` ([`baseline`]),
//! `migrate reset`'s drop of everything ([`reset`]), seed files and `db execute` ([`seed`]).
//! What destructive changes lose, counted before asking ([`loss`]).
//! Every change and its history row are applied as one atomic unit.
//!
//! Must not: generate SQL for schema changes (that is the dialect's, through `vertz-sql`), depend
//! on a concrete backend (scratch databases come in through [`replay::ScratchDatabase`]), parse
//! command lines, or print: it returns reports and typed errors, and logs through `tracing`.

pub mod adopt;
pub mod auto;
pub mod baseline;
pub mod cascade;
pub mod check;
pub mod deploy;
pub mod dev;
pub mod drift;
pub mod driver;
pub mod embedded;
pub mod export;
pub mod history;
pub mod layout;
pub mod lock;
pub mod loss;
pub mod migrations;
pub mod push;
pub mod push_state;
pub mod replay;
pub mod reset;
pub mod rollback;
pub mod seed;
pub mod state;
pub mod verify;
pub mod wrangler;

pub use auto::{AutoError, AutoMigrateOptions, AutoOutcome, AutoReport, Environment, auto_migrate};
pub use deploy::{DeployError, DeployOptions, DeployReport, Progress, TxMode, deploy};
pub use driver::{Driver, DriverError, Statement, Value};
pub use push::{
    PushError, PushOptions, PushReport, StatusReport, plan_against, prepare, prepare_with_hash,
    push, push_with, record_statements, status,
};
pub use replay::ScratchDatabase;
