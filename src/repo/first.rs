//! The one row a query finds, read with a written-out `LIMIT 1`.
//!
//! SeaORM's `one` binds its limit as a parameter (`LIMIT ?`). SQLite plans a bound limit as a
//! constant and marks the prepared statement to be compiled anew whenever that parameter is
//! bound again, which is every time the statement runs: each `one` would be parsed and planned
//! afresh. With the limit in the SQL text the prepared statement is reused, as every other one
//! is. Clippy refuses SeaORM's `one` (`clippy.toml`).

use sea_orm::{ConnectionTrait, DbErr, EntityTrait, Select, Selector, SelectorTrait};

/// A query that can be asked for its first row.
pub trait First {
    /// What a row becomes.
    type Item;

    /// The first row the query finds, if any. The query must carry no limit, offset or row
    /// lock of its own: `LIMIT 1` is appended to its SQL.
    fn first(
        self,
        db: &impl ConnectionTrait,
    ) -> impl Future<Output = Result<Option<Self::Item>, DbErr>> + Send;
}

impl<S> First for Selector<S>
where
    S: SelectorTrait + Send,
{
    type Item = S::Item;

    async fn first(self, db: &impl ConnectionTrait) -> Result<Option<S::Item>, DbErr> {
        let mut statement = self.into_statement(db.get_database_backend());
        statement.sql.push_str(" LIMIT 1");
        db.query_one_raw(statement).await?.map(S::from_raw_query_result).transpose()
    }
}

impl<E> First for Select<E>
where
    E: EntityTrait,
{
    type Item = E::Model;

    async fn first(self, db: &impl ConnectionTrait) -> Result<Option<E::Model>, DbErr> {
        self.into_model::<E::Model>().first(db).await
    }
}
