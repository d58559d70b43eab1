//! Travel times between an organisation's sites, kept once per pair (the smaller site id
//! first): the optimiser adds them between in-person appointments at different sites.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::integer;

use crate::m20261122_000001_accounts::{Organisation, Site};
use crate::util::{check, fk, reference};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum SiteTravel {
    Table,
    OrganisationId,
    FromSiteId,
    ToSiteId,
    Minutes,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(SiteTravel::Table)
                    .col(reference(SiteTravel::OrganisationId))
                    .col(reference(SiteTravel::FromSiteId))
                    .col(reference(SiteTravel::ToSiteId))
                    .col(integer(SiteTravel::Minutes))
                    .primary_key(
                        Index::create().col(SiteTravel::FromSiteId).col(SiteTravel::ToSiteId),
                    )
                    .check(check(
                        SiteTravel::Table,
                        "ordered",
                        Expr::col(SiteTravel::FromSiteId).lt(Expr::col(SiteTravel::ToSiteId)),
                    ))
                    .check(check(
                        SiteTravel::Table,
                        "minutes",
                        Expr::col(SiteTravel::Minutes).between(0, 480),
                    ))
                    .foreign_key(&mut fk(
                        SiteTravel::Table,
                        SiteTravel::OrganisationId,
                        Organisation::Table,
                        false,
                    ))
                    .foreign_key(&mut fk(
                        SiteTravel::Table,
                        SiteTravel::FromSiteId,
                        Site::Table,
                        true,
                    ))
                    .foreign_key(&mut fk(
                        SiteTravel::Table,
                        SiteTravel::ToSiteId,
                        Site::Table,
                        true,
                    ))
                    .take(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(SiteTravel::Table).take()).await
    }
}
