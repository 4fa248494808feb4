//! The model worked out from the CREATE texts of `sqlite_schema` alone
//! (`vertz_sql::sqlite::from_text`, used by the first no-op push of a schema file) against the
//! pragmas' model (`Driver::introspect`), on real SQLite files: schemas written the odd ways
//! SQLite accepts (keys that get or do not get an index of their own, types SQLite cuts,
//! every DEFAULT form, foreign keys without commas between constraints, texts SQLite rewrote on
//! ALTER TABLE), and the texts it must decline rather than guess. Generated schemas are compared
//! too, in `roundtrip.rs`.

use vertz_dialect_sqlite::driver::SqliteDriver;
use vertz_dialect_sqlite::same_text::model_from_texts;
use vertz_runner::{Driver, Statement, push_state};
use vertz_snapshot::Schema;
use vertz_sql::sqlite::from_text::PARALLEL_FROM;

/// The model from the texts of the database behind `driver` (read as the first no-op push reads
/// it, `same_text::model_from_texts`), or `None` when declined.
pub(crate) async fn from_texts(driver: &SqliteDriver) -> Option<Schema> {
    let rows = driver
        .query(push_state::SCHEMA_ROWS, &[])
        .await
        .expect("sqlite_schema reads");
    model_from_texts(&rows)
}

/// Runs `script` on a new database; the pragmas' model and the texts' (`None` when declined).
async fn both(script: &str) -> (Schema, Option<Schema>) {
    let dir = tempfile::tempdir().unwrap();
    let driver = SqliteDriver::open(&dir.path().join("t.db")).await.unwrap();
    let statements: Vec<Statement> = vertz_sql::lex::split_statements(script)
        .unwrap()
        .into_iter()
        .map(|s| Statement::new(s.sql))
        .collect();
    driver
        .execute_atomic(&statements)
        .await
        .unwrap_or_else(|e| panic!("{e}\n{script}"));
    let mut pragmas = driver.introspect().await.unwrap();
    pragmas.canonicalize();
    (pragmas, from_texts(&driver).await)
}

async fn assert_same(script: &str) {
    let (pragmas, texts) = both(script).await;
    let texts = texts.unwrap_or_else(|| panic!("declined:\n{script}"));
    assert_eq!(texts, pragmas, "{script}");
}

async fn assert_declined(script: &str) {
    let (_, texts) = both(script).await;
    assert!(texts.is_none(), "not declined:\n{script}\n{texts:#?}");
}

#[tokio::test]
async fn keys_get_the_indexes_sqlite_gives_them() {
    // A rowid key has no index: a UNIQUE on it gets one.
    assert_same("CREATE TABLE a (id INTEGER PRIMARY KEY UNIQUE, x TEXT)").await;
    // A UNIQUE before or after a key that has an index is that index.
    assert_same("CREATE TABLE b (id TEXT UNIQUE PRIMARY KEY, x, y INT UNIQUE)").await;
    assert_same("CREATE TABLE b2 (id TEXT PRIMARY KEY UNIQUE, x)").await;
    // WITHOUT ROWID: the INTEGER key's index is made last, has no row in sqlite_schema, and
    // its columns are NOT NULL.
    assert_same(
        "CREATE TABLE c (id INTEGER PRIMARY KEY, x TEXT UNIQUE, UNIQUE (id)) WITHOUT ROWID",
    )
    .await;
    assert_same("CREATE TABLE c2 (k TEXT, n INT, v, PRIMARY KEY (k, n)) WITHOUT ROWID").await;
    assert_same("CREATE TABLE c3 (k TEXT PRIMARY KEY, u UNIQUE, UNIQUE (k)) WITHOUT ROWID").await;
    // Repeated composite constraints share one index; another order is another index.
    assert_same(
        "CREATE TABLE d (a INT, b TEXT, c, PRIMARY KEY (b, a), UNIQUE (a, b), UNIQUE (b, a), UNIQUE (a, b ASC))",
    )
    .await;
    // A key declared as a table constraint on one INTEGER column is the rowid.
    assert_same("CREATE TABLE tp (id integer, v, PRIMARY KEY (id), UNIQUE (id))").await;
    assert_same("CREATE TABLE nt (a PRIMARY KEY, b UNIQUE, c NOT NULL)").await;
    assert_same("CREATE TABLE ai (id INTEGER PRIMARY KEY AUTOINCREMENT, v TEXT)").await;
    // ON CONFLICT clauses, which no pragma reports, are read from the text by both readers.
    let oc = "CREATE TABLE oc (id TEXT PRIMARY KEY ON CONFLICT REPLACE, a NOT NULL ON CONFLICT IGNORE UNIQUE ON CONFLICT FAIL, \
         b INT, c INT, UNIQUE (B, c) ON CONFLICT ROLLBACK, UNIQUE (c) ON CONFLICT IGNORE)";
    assert_same(oc).await;
    let t = &both(oc).await.0.tables["oc"];
    use vertz_snapshot::Conflict;
    assert_eq!(t.primary_key_on_conflict, Some(Conflict::Replace));
    assert_eq!(
        (
            t.columns[1].not_null_on_conflict,
            t.columns[1].unique_on_conflict
        ),
        (Some(Conflict::Ignore), Some(Conflict::Fail))
    );
    assert_eq!(t.columns[3].unique_on_conflict, Some(Conflict::Ignore));
    assert_eq!(
        t.unique_on_conflict,
        [vertz_snapshot::UniqueConflict {
            columns: vec!["b".into(), "c".into()],
            on_conflict: Conflict::Rollback,
        }]
    );
    assert_same(
        "CREATE TABLE oc2 (k TEXT, n INT, PRIMARY KEY (k, n) ON CONFLICT IGNORE) WITHOUT ROWID",
    )
    .await;
}

#[tokio::test]
async fn types_and_defaults_read_as_sqlite_reports_them() {
    assert_same(
        r#"CREATE TABLE e (
            a VARCHAR ( 255 ), b UNSIGNED BIG INT, c DECIMAL(10,2) NOT NULL,
            d DOUBLE PRECISION DEFAULT -1.5, e GENERATED ALWAYS AS (a || 'x'),
            f INT GENERATED ALWAYS AS (1) STORED, g AS (2) VIRTUAL,
            "h h" text default 'it''s', i default (1 + 2), j default current_timestamp,
            k default +3, l default x'00', m default true, n default "dq", p default NULL,
            q default - 2,
            o integer NOT NULL ON CONFLICT IGNORE CONSTRAINT named CHECK (o > 0) COLLATE NOCASE
        )"#,
    )
    .await;
    assert_same("CREATE TABLE s (id INTEGER PRIMARY KEY, v ANY, t TEXT NOT NULL) STRICT").await;
    // SQLite's standard names are reported in its own spelling (`int` as `INT`), others as
    // written (found by sqldef's conformance cases).
    assert_same("CREATE TABLE sn (a int, b any, c Integer, d numeric, e decimal, f int8)").await;
    assert_same(
        r#"CREATE TABLE st (status TEXT NOT NULL DEFAULT 'a' CHECK ("status" IN ('a', 'b')))"#,
    )
    .await;
    assert_same(
        "CREATE TABLE kw (key INTEGER, \"select\" TEXT, \"order\" INT DEFAULT 0, replace TEXT, 'str name' INT)",
    )
    .await;
    assert_same("CREATE TABLE [my table] (`a b` INTEGER, \"c\"\"d\" TEXT PRIMARY KEY, [e] BLOB)")
        .await;
    // A type of letters beyond ASCII, long enough to be tested for a cut `GENERATED ALWAYS`.
    assert_same("CREATE TABLE u (a xÄÄÄÄÄÄÄÄ, b ÄÄÄÄÄÄÄÄx NOT NULL)").await;
}

#[tokio::test]
async fn foreign_keys_read_as_sqlite_reports_them() {
    const SCRIPT: &str = r#"CREATE TABLE p (id INTEGER PRIMARY KEY, k1 TEXT, k2 TEXT, UNIQUE (k1, k2));
        CREATE TABLE ch (
            id integer primary key,
            P_ID INT REFERENCES P(ID) ON DELETE SET NULL ON UPDATE CASCADE DEFERRABLE INITIALLY DEFERRED,
            k1, k2, other REFERENCES p, gone INT REFERENCES missing (x) ON DELETE NO ACTION,
            FOREIGN KEY (K1, k2) REFERENCES p (k1, k2) MATCH SIMPLE ON DELETE RESTRICT ON UPDATE SET DEFAULT NOT DEFERRABLE,
            CONSTRAINT c1 CHECK (id > 0) UNIQUE (k1) ON CONFLICT REPLACE
            FOREIGN KEY (k2) REFERENCES p (k1)
        );
        CREATE TABLE self (id INTEGER PRIMARY KEY, parent INTEGER REFERENCES self ON DELETE CASCADE)"#;
    assert_same(SCRIPT).await;
    // What both read: a key without columns gets the parent's primary key, a parent written in
    // another case is spelled as the table is.
    let (pragmas, _) = both(SCRIPT).await;
    let key = |table: &str, column: &str| {
        pragmas.tables[table]
            .foreign_keys
            .iter()
            .find(|k| k.columns == [column])
            .cloned()
            .unwrap()
    };
    assert_eq!(key("ch", "other").references_columns, ["id"]);
    assert_eq!(key("self", "parent").references_columns, ["id"]);
    let p_id = key("ch", "P_ID");
    assert_eq!(
        (p_id.references_table.as_str(), p_id.references_columns),
        ("p", vec!["id".to_string()])
    );
    assert_eq!(key("ch", "gone").references_columns, ["x"]);
}

#[tokio::test]
async fn indexes_views_triggers_and_altered_texts_read_as_introspection_reads_them() {
    assert_same(
        r#"CREATE TABLE t (id INTEGER PRIMARY KEY, Name TEXT COLLATE NOCASE, k2 TEXT, "h h" INT);
        CREATE UNIQUE INDEX ix1 ON t (NAME DESC, k2 COLLATE rtrim);
        CREATE INDEX ix2 ON t (lower(k2), k2 ASC) WHERE k2 IS NOT NULL;
        CREATE INDEX "ix 3" ON t ("h h", id + 1 DESC);
        CREATE VIEW v AS SELECT id FROM t;
        CREATE TRIGGER tr AFTER INSERT ON t BEGIN SELECT 1; END"#,
    )
    .await;
    assert_same(
        r#"CREATE TABLE p (id INTEGER PRIMARY KEY);
        CREATE TABLE al (id INTEGER PRIMARY KEY, old TEXT);
        ALTER TABLE al ADD COLUMN x INTEGER DEFAULT 7 REFERENCES p (id);
        ALTER TABLE al ADD COLUMN "y y" TEXT NOT NULL DEFAULT '' COLLATE NOCASE;
        ALTER TABLE al RENAME COLUMN old TO new;
        ALTER TABLE al RENAME TO al2;
        CREATE INDEX al_x ON al2 (x)"#,
    )
    .await;
}

#[tokio::test]
async fn a_schema_read_in_two_halves_is_read_as_one() {
    // Every table's parent is in the other half: keys written without columns get the parent's
    // primary key (only when the name is written as the table is: SQLite looks it up so),
    // references in another case are spelled as the parent is.
    let n = PARALLEL_FROM + 40;
    let mut script = String::new();
    for i in 0..n {
        let parent = (i + n / 2) % n;
        script += &format!(
            r#"CREATE TABLE t{i:04} (id INTEGER PRIMARY KEY, code TEXT UNIQUE,
                p INTEGER REFERENCES T{parent:04}, r INTEGER REFERENCES t{parent:04},
                q TEXT REFERENCES t{parent:04} (CODE) ON DELETE CASCADE,
                status TEXT CHECK ("status" IN ('a', 'b')));
            CREATE INDEX t{i:04}_p ON t{i:04} (p);
            "#
        );
    }
    assert_same(&script).await;
}

#[tokio::test]
async fn texts_outside_the_grammar_read_are_declined() {
    // Each of these would need more of SQLite than the module reads: the pragmas answer.
    assert_declined("CREATE VIRTUAL TABLE f USING fts5(a)").await;
    assert_declined(r#"CREATE TABLE qt (a "TEXT")"#).await;
    assert_declined("CREATE TABLE dk (id INTEGER PRIMARY KEY DESC, v)").await;
    assert_declined("CREATE TABLE uc (a TEXT, UNIQUE (a COLLATE NOCASE))").await;
    assert_declined("CREATE TABLE r (a INT); CREATE INDEX ip ON r ((a))").await;
}
