//! Organisations, their sites, user accounts with roles, login sessions, the login throttle and
//! the append-only audit log.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{integer, string, string_null, text_null};

use crate::util::{
    check, fk, flag, id, index, instant, instant_null, one_of, reference, reference_null,
};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
pub enum Organisation {
    Table,
    Id,
    Slug,
    Name,
    Timezone,
    CreatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
pub enum Site {
    Table,
    Id,
    OrganisationId,
    Code,
    Name,
    Address,
    Active,
    CreatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
pub enum AppUser {
    Table,
    Id,
    OrganisationId,
    Username,
    DisplayName,
    Email,
    SiteId,
    PasswordHash,
    Locale,
    Active,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum UserRole {
    Table,
    UserId,
    Role,
}

#[derive(DeriveIden, Clone, Copy)]
enum Session {
    Table,
    Id,
    UserId,
    TokenHash,
    Kind,
    CreatedAt,
    ExpiresAt,
    LastSeenAt,
    RevokedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum LoginThrottle {
    Table,
    Key,
    Failures,
    WindowStartedAt,
    LockedUntil,
}

#[derive(DeriveIden, Clone, Copy)]
enum AuditEvent {
    Table,
    Id,
    OrganisationId,
    ActorUserId,
    Action,
    Entity,
    EntityId,
    At,
    Details,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Organisation::Table)
                    .col(id(Organisation::Id))
                    .col(string(Organisation::Slug).unique_key())
                    .col(string(Organisation::Name))
                    .col(string(Organisation::Timezone).default("Europe/Berlin"))
                    .col(instant(Organisation::CreatedAt))
                    .take(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Site::Table)
                    .col(id(Site::Id))
                    .col(reference(Site::OrganisationId))
                    .col(string(Site::Code))
                    .col(string(Site::Name))
                    .col(string_null(Site::Address))
                    .col(flag(Site::Active, true))
                    .col(instant(Site::CreatedAt))
                    .foreign_key(&mut fk(
                        Site::Table,
                        Site::OrganisationId,
                        Organisation::Table,
                        false,
                    ))
                    .take(),
            )
            .await?;
        manager.create_index(index(Site::Table, &[Site::OrganisationId, Site::Code], true)).await?;

        manager
            .create_table(
                Table::create()
                    .table(AppUser::Table)
                    .col(id(AppUser::Id))
                    .col(reference(AppUser::OrganisationId))
                    .col(string(AppUser::Username).unique_key())
                    .col(string(AppUser::DisplayName))
                    .col(string_null(AppUser::Email))
                    .col(reference_null(AppUser::SiteId))
                    .col(string_null(AppUser::PasswordHash))
                    .col(string(AppUser::Locale).default("de"))
                    .col(flag(AppUser::Active, true))
                    .col(instant(AppUser::CreatedAt))
                    .col(instant(AppUser::UpdatedAt))
                    .check(one_of(AppUser::Table, AppUser::Locale, &["de", "en"]))
                    .check(check(
                        AppUser::Table,
                        "username_lower",
                        Expr::col(AppUser::Username).eq(Func::lower(Expr::col(AppUser::Username))),
                    ))
                    .foreign_key(&mut fk(
                        AppUser::Table,
                        AppUser::OrganisationId,
                        Organisation::Table,
                        false,
                    ))
                    .foreign_key(&mut fk(AppUser::Table, AppUser::SiteId, Site::Table, false))
                    .take(),
            )
            .await?;
        manager.create_index(index(AppUser::Table, &[AppUser::OrganisationId], false)).await?;

        manager
            .create_table(
                Table::create()
                    .table(UserRole::Table)
                    .col(reference(UserRole::UserId))
                    .col(string(UserRole::Role))
                    .primary_key(Index::create().col(UserRole::UserId).col(UserRole::Role))
                    .check(one_of(
                        UserRole::Table,
                        UserRole::Role,
                        &["caseworker", "volunteer", "team_lead", "admin"],
                    ))
                    .foreign_key(&mut fk(UserRole::Table, UserRole::UserId, AppUser::Table, true))
                    .take(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Session::Table)
                    .col(id(Session::Id))
                    .col(reference(Session::UserId))
                    .col(string(Session::TokenHash).unique_key())
                    .col(string(Session::Kind))
                    .col(instant(Session::CreatedAt))
                    .col(instant(Session::ExpiresAt))
                    .col(instant(Session::LastSeenAt))
                    .col(instant_null(Session::RevokedAt))
                    .check(one_of(Session::Table, Session::Kind, &["bearer", "cookie"]))
                    .foreign_key(&mut fk(Session::Table, Session::UserId, AppUser::Table, true))
                    .take(),
            )
            .await?;
        manager.create_index(index(Session::Table, &[Session::UserId], false)).await?;

        manager
            .create_table(
                Table::create()
                    .table(LoginThrottle::Table)
                    .col(string(LoginThrottle::Key).primary_key())
                    .col(integer(LoginThrottle::Failures).default(0))
                    .col(instant(LoginThrottle::WindowStartedAt))
                    .col(instant_null(LoginThrottle::LockedUntil))
                    .check(check(
                        LoginThrottle::Table,
                        "failures",
                        Expr::col(LoginThrottle::Failures).gte(0),
                    ))
                    .take(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(AuditEvent::Table)
                    .col(id(AuditEvent::Id))
                    .col(reference_null(AuditEvent::OrganisationId))
                    .col(reference_null(AuditEvent::ActorUserId))
                    .col(string(AuditEvent::Action))
                    .col(string(AuditEvent::Entity))
                    .col(string_null(AuditEvent::EntityId))
                    .col(instant(AuditEvent::At))
                    .col(text_null(AuditEvent::Details))
                    .foreign_key(&mut fk(
                        AuditEvent::Table,
                        AuditEvent::OrganisationId,
                        Organisation::Table,
                        false,
                    ))
                    .foreign_key(&mut fk(
                        AuditEvent::Table,
                        AuditEvent::ActorUserId,
                        AppUser::Table,
                        false,
                    ))
                    .take(),
            )
            .await?;
        manager
            .create_index(index(
                AuditEvent::Table,
                &[AuditEvent::OrganisationId, AuditEvent::At],
                false,
            ))
            .await?;
        forbid_audit_changes(manager).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            AuditEvent::Table.into_iden(),
            LoginThrottle::Table.into_iden(),
            Session::Table.into_iden(),
            UserRole::Table.into_iden(),
            AppUser::Table.into_iden(),
            Site::Table.into_iden(),
            Organisation::Table.into_iden(),
        ] {
            manager.drop_table(Table::drop().table(table).take()).await?;
        }
        Ok(())
    }
}

/// The audit log is append-only: the database itself refuses to change or delete a row, so
/// that no code path — ours or an operator's ad-hoc SQL — can rewrite history.
async fn forbid_audit_changes(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    let db = manager.get_connection();
    match manager.get_database_backend() {
        sea_orm::DbBackend::Sqlite => {
            for op in ["UPDATE", "DELETE"] {
                db.execute_unprepared(&format!(
                    "CREATE TRIGGER audit_event_no_{lower} BEFORE {op} ON audit_event \
                     BEGIN SELECT RAISE(ABORT, 'audit_event is append-only'); END",
                    lower = op.to_lowercase()
                ))
                .await?;
            }
        }
        sea_orm::DbBackend::Postgres => {
            db.execute_unprepared(
                "CREATE FUNCTION audit_event_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ \
                 BEGIN RAISE EXCEPTION 'audit_event is append-only'; END $$",
            )
            .await?;
            db.execute_unprepared(
                "CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE OR TRUNCATE \
                 ON audit_event FOR EACH STATEMENT EXECUTE FUNCTION audit_event_append_only()",
            )
            .await?;
        }
        _ => {}
    }
    Ok(())
}
