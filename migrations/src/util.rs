//! Small builders shared by the migrations: the id column, timestamps, foreign keys and the
//! check constraints that pin a text column to a closed list of values.
//!
//! The value lists are written out in each migration on purpose: a migration is a frozen record
//! of the schema at one point in time and must not change when the domain code does.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema;

/// `id bigint` auto-increment primary key (identity on PostgreSQL, `AUTOINCREMENT` on SQLite).
pub fn id<T: IntoIden>(col: T) -> ColumnDef {
    schema::big_pk_auto(col)
}

/// A required instant, stored as `timestamp with time zone`.
pub fn instant<T: IntoIden>(col: T) -> ColumnDef {
    schema::timestamp_with_time_zone(col)
}

/// An optional instant.
pub fn instant_null<T: IntoIden>(col: T) -> ColumnDef {
    schema::timestamp_with_time_zone_null(col)
}

/// A required reference to another table's `id`.
pub fn reference<T: IntoIden>(col: T) -> ColumnDef {
    schema::big_integer(col)
}

/// An optional reference to another table's `id`.
pub fn reference_null<T: IntoIden>(col: T) -> ColumnDef {
    schema::big_integer_null(col)
}

/// A boolean column with a default.
pub fn flag<T: IntoIden>(col: T, default: bool) -> ColumnDef {
    schema::boolean(col).default(default).take()
}

/// Foreign key `table.col -> target.id`. Deleting the parent is refused unless `cascade`.
pub fn fk<T, C, R>(table: T, col: C, target: R, cascade: bool) -> ForeignKeyCreateStatement
where
    T: IntoIden + Clone + 'static,
    C: IntoIden + Clone + 'static,
    R: IntoIden + Clone + 'static,
{
    let name = format!("fk_{}_{}", table.clone().into_iden(), col.clone().into_iden());
    ForeignKey::create()
        .name(name)
        .from(table, col)
        .to(target, Alias::new("id"))
        .on_delete(if cascade { ForeignKeyAction::Cascade } else { ForeignKeyAction::Restrict })
        .take()
}

/// Named check: `col IN (values…)`.
pub fn one_of<T, C>(table: T, col: C, values: &[&str]) -> Check
where
    T: IntoIden + 'static,
    C: IntoIden + Clone + 'static,
{
    let name = format!("ck_{}_{}", table.into_iden(), col.clone().into_iden());
    let values: Vec<String> = values.iter().map(|v| (*v).to_owned()).collect();
    (Alias::new(name), Expr::col(col).is_in(values)).into()
}

/// Named check with a free expression, for ranges and relations between columns.
pub fn check<T: IntoIden + 'static>(table: T, what: &str, expr: Expr) -> Check {
    let name = format!("ck_{}_{what}", table.into_iden());
    (Alias::new(name), expr).into()
}

/// A plain (or unique) index over the given columns.
pub fn index<T, C>(table: T, cols: &[C], unique: bool) -> IndexCreateStatement
where
    T: IntoIden + Clone + 'static,
    C: IntoIden + Clone + 'static,
{
    let mut name = format!("{}_{}", if unique { "uq" } else { "ix" }, table.clone().into_iden());
    let mut stmt = Index::create();
    stmt.table(table);
    for col in cols {
        name.push('_');
        name.push_str(&col.clone().into_iden().to_string());
        stmt.col(col.clone());
    }
    if unique {
        stmt.unique();
    }
    stmt.name(name).take()
}

/// The CEFR levels and `native`, in order.
pub const LEVELS: &[&str] = &["A1", "A2", "B1", "B2", "C1", "C2", "native"];
