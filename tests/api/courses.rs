//! The course catalogue: admins keep it by hand or by CSV import (all rows or none, every bad
//! row named by its line); caseworkers find the courses a client can still join.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use chrono::{Duration, Utc};
use serde_json::json;

use crate::helpers::{Answer, TestApp};

const HEADER: &str = "provider;programme;target_level;teaching_units;starts_on;ends_on;registration_deadline;rolling_entry;schedule;time_of_day;site;address;seats;free_seats;childcare;kursnet_ref";

async fn import(app: &TestApp, token: &str, csv: &str) -> Answer {
    let request = Request::post("/api/v1/courses/import")
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, "text/csv; charset=utf-8")
        .body(Body::from(csv.to_owned()))
        .unwrap();
    app.send(request).await
}

fn ahead(days: i64) -> String {
    (Utc::now().date_naive() + Duration::days(days)).to_string()
}

fn catalogue() -> String {
    format!(
        "\u{feff}{HEADER}\n\
         VHS Duisburg;integration_general;B1;700;{};{};{};nein;part_time;morning;mitte;Steinsche Gasse 26;20;4;ja;K-100\n\
         VHS Duisburg;integration_women;B1;1000;{};;;ja;part_time;morning;;;15;0;ja;K-101\n\
         Sprachschule Rhein;job_b1_b2;B2;400;{};;;nein;full_time;evening;hamborn;;18;6;nein;K-200\n",
        ahead(30),
        ahead(200),
        ahead(20),
        ahead(10),
        ahead(45)
    )
}

#[tokio::test]
async fn an_import_fills_the_catalogue_and_caseworkers_find_what_fits() {
    let app = TestApp::spawn().await;
    let admin = app.login("admin").await;
    let done = import(&app, &admin, &catalogue()).await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.text);
    assert_eq!(done.body, json!({ "created": 3, "updated": 0, "providers_added": 2 }));

    let caseworker = app.login("fachkraft").await;
    let all = app.get("/api/v1/courses", &caseworker).await;
    assert_eq!(all.body.as_array().unwrap().len(), 3, "{}", all.text);
    let women =
        app.get("/api/v1/courses?programme=integration_women&childcare=true", &caseworker).await;
    assert_eq!(women.body.as_array().unwrap().len(), 1);
    assert_eq!(women.body[0]["rolling_entry"], true);
    let free = app.get("/api/v1/courses?free_seats=true&time_of_day=morning", &caseworker).await;
    assert_eq!(free.body.as_array().unwrap().len(), 1);
    assert_eq!(free.body[0]["site"]["code"], "mitte");
    let window = app
        .get(
            &format!("/api/v1/courses?starts_from={}&starts_until={}", ahead(40), ahead(60)),
            &caseworker,
        )
        .await;
    assert_eq!(window.body.as_array().unwrap().len(), 1);
    assert_eq!(window.body[0]["provider"]["name"], "Sprachschule Rhein");

    // Importing again updates by KURSNET reference: registration for K-100 has closed.
    let again = format!(
        "{HEADER}\nVHS Duisburg;integration_general;B1;700;{};{};{};nein;part_time;morning;mitte;;20;0;ja;K-100\n",
        ahead(30),
        ahead(200),
        (Utc::now().date_naive() - Duration::days(1))
    );
    let updated = import(&app, &admin, &again).await;
    assert_eq!(updated.body, json!({ "created": 0, "updated": 1, "providers_added": 0 }));
    let open = app.get("/api/v1/courses?programme=integration_general", &caseworker).await;
    assert_eq!(open.body.as_array().unwrap().len(), 0, "registration closed");
    let everything =
        app.get("/api/v1/courses?programme=integration_general&all=true", &caseworker).await;
    assert_eq!(everything.body.as_array().unwrap().len(), 1);
    assert_eq!(everything.body[0]["free_seats"], 0);
    assert_eq!(app.audited("course.import").await, 2);

    // Other organisations and volunteers see nothing of it.
    let id = everything.body[0]["id"].as_i64().unwrap();
    app.get(&format!("/api/v1/courses/{id}"), &app.login("ki.fachkraft").await)
        .await
        .assert_problem(404, None);
    app.get("/api/v1/courses", &app.login("e.schmidt").await).await.assert_problem(403, None);
    import(&app, &caseworker, &catalogue()).await.assert_problem(403, None);
}

#[tokio::test]
async fn a_bad_row_imports_nothing_and_every_bad_row_is_named() {
    let app = TestApp::spawn().await;
    let admin = app.login("admin").await;
    let before = app.table_counts().await;
    let csv = format!(
        "{HEADER}\n\
         VHS Duisburg;integration_general;B1;700;{a};;;nein;part_time;morning;;;20;4;ja;K-1\n\
         VHS Duisburg;integration_generl;B1;700;{a};;;nein;part_time;morning;;;20;4;ja;K-2\n\
         VHS Duisburg;job_b1_b2;B2;400;{a};;;nein;full_time;evening;;;10;12;nein;K-3\n\
         VHS Duisburg;job_b1_b2;B2;400;31.02.2027;;;vielleicht;full_time;evening;atlantis;;10;2;nein;K-4\n",
        a = ahead(30)
    );
    let refused = import(&app, &admin, &csv).await;
    refused.assert_problem(422, Some("line 3.programme"));
    let fields = refused.error_fields();
    for field in ["line 4.free_seats", "line 5.starts_on", "line 5.rolling_entry"] {
        assert!(fields.iter().any(|f| f == field), "{field} missing from {fields:?}");
    }
    assert!(!fields.iter().any(|f| f.starts_with("line 2")), "{fields:?}");
    assert_eq!(app.table_counts().await, before, "nothing imported");

    // The site is checked too; a wrong header is refused at line 1.
    let unknown_site = format!(
        "{HEADER}\nVHS;job_b1_b2;B2;400;{};;;nein;full_time;evening;atlantis;;10;2;nein;\n",
        ahead(30)
    );
    import(&app, &admin, &unknown_site).await.assert_problem(422, Some("line 2.site"));
    import(&app, &admin, "name;level\nVHS;B1\n").await.assert_problem(422, Some("line 1"));
    let json =
        app.call(Method::POST, "/api/v1/courses/import", Some(&admin), Some(json!({}))).await;
    assert_eq!(json.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(app.table_counts().await, before);
}

#[tokio::test]
async fn admins_keep_providers_and_courses_by_hand() {
    let app = TestApp::spawn().await;
    let admin = app.login("admin").await;
    let provider = app
        .call(
            Method::POST,
            "/api/v1/course-providers",
            Some(&admin),
            Some(json!({ "name": "IN VIA Duisburg", "address": null, "contact": "0203 123" })),
        )
        .await;
    assert_eq!(provider.status, StatusCode::CREATED, "{}", provider.text);
    let course = json!({
        "provider_id": provider.body["id"], "programme": "job_special_a2", "target_level": "A2", "teaching_units": 300,
        "starts_on": ahead(14), "ends_on": ahead(120), "registration_deadline": ahead(7), "schedule": "part_time",
        "time_of_day": "afternoon", "site": "sued", "address": null, "seats": 12, "free_seats": 5, "childcare": false, "kursnet_ref": null
    });
    let added = app.call(Method::POST, "/api/v1/courses", Some(&admin), Some(course.clone())).await;
    assert_eq!(added.status, StatusCode::CREATED, "{}", added.text);
    assert_eq!(added.body["site"]["code"], "sued");
    for (change, field) in [
        (json!({ "target_level": "native" }), "target_level"),
        (json!({ "free_seats": 13 }), "free_seats"),
        (json!({ "ends_on": ahead(1) }), "ends_on"),
        (json!({ "provider_id": 9999 }), "provider_id"),
        (json!({ "site": "atlantis" }), "site"),
        (json!({ "programme": "integration_general_plus" }), "programme"),
    ] {
        let mut body = course.clone();
        for (k, v) in change.as_object().unwrap() {
            body[k] = v.clone();
        }
        app.call(Method::POST, "/api/v1/courses", Some(&admin), Some(body))
            .await
            .assert_problem(422, Some(field));
    }
    let id = added.body["id"].as_i64().unwrap();
    let mut fuller = course.clone();
    fuller["free_seats"] = json!(0);
    let replaced =
        app.call(Method::PUT, &format!("/api/v1/courses/{id}"), Some(&admin), Some(fuller)).await;
    assert_eq!(replaced.status, StatusCode::OK, "{}", replaced.text);
    assert_eq!(replaced.body["free_seats"], 0);
    app.call(Method::POST, "/api/v1/courses", Some(&app.login("teamleitung").await), Some(course))
        .await
        .assert_problem(403, None);
    let deleted =
        app.call(Method::DELETE, &format!("/api/v1/courses/{id}"), Some(&admin), None).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    assert_eq!(app.audited("course.delete").await, 1);
}

#[tokio::test]
async fn the_catalogue_through_the_pages() {
    let app = TestApp::spawn().await;
    let mut admin = crate::web::Browser::new(&app);
    admin.log_in("admin").await;
    assert_eq!(admin.get("/courses").await.status, StatusCode::OK);
    let csrf = admin.csrf();
    let bad = format!(
        "{HEADER}\nVHS;integration_generl;B1;700;{};;;nein;part_time;morning;;;20;4;ja;\n",
        ahead(30)
    );
    let refused = admin.post("/courses/import", &[("csrf", &csrf), ("csv", &bad)]).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.text.contains("line 2.programme"), "{}", refused.text);
    let imported = admin.post("/courses/import", &[("csrf", &csrf), ("csv", &catalogue())]).await;
    assert_eq!(imported.status, StatusCode::SEE_OTHER, "{}", imported.text);

    let mut caseworker = crate::web::Browser::new(&app);
    caseworker.log_in("fachkraft").await;
    let found = caseworker.get("/courses?programme=integration_women&childcare=1").await;
    assert_eq!(found.status, StatusCode::OK);
    assert_eq!(found.text.matches("<th scope=\"row\">").count(), 1, "{}", found.text);
    assert!(found.text.contains("<th scope=\"row\">Frauenintegrationskurs"), "{}", found.text);
    assert!(!found.text.contains("/courses/import\""), "the import is for admins");
    let mut volunteer = crate::web::Browser::new(&app);
    volunteer.log_in("e.schmidt").await;
    assert_eq!(volunteer.get("/courses").await.status, StatusCode::FORBIDDEN);
}
