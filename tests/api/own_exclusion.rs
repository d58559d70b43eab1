//! A volunteer who is also a caseworker never learns of, nor lifts, an exclusion that keeps
//! them away from a client.

use axum::http::{Method, StatusCode};
use serde_json::json;

use crate::helpers::TestApp;

#[tokio::test]
async fn the_excluded_volunteer_neither_reads_nor_lifts_their_exclusion() {
    let app = TestApp::spawn().await;
    let caseworker = app.login("fachkraft").await;
    let leyla = app.login("dolmetscher").await;
    let own = app.get("/api/v1/me", &leyla).await.body["interpreter_id"].as_i64().unwrap();
    let other = app.get("/api/v1/me", &app.login("v.yilmaz").await).await.body["interpreter_id"]
        .as_i64()
        .unwrap();
    let path = "/api/v1/clients/987X654321";
    let record = json!({ "languages": ["ar"], "gender_preference": null, "exclusions": [
        { "interpreter_id": own, "reason": "Verwandtschaft (Schwester)" },
        { "interpreter_id": other, "reason": "Nachbarschaft" },
    ] });
    let put = app.call(Method::PUT, path, Some(&caseworker), Some(record)).await;
    assert_eq!(put.status, StatusCode::OK, "{}", put.text);

    // Leyla serves the client too: she books for them as a caseworker.
    let (start, end) = crate::booking::weekday_at(3, 9);
    let booked = app
        .call(
            Method::POST,
            "/api/v1/appointments",
            Some(&leyla),
            Some(crate::booking::english_call(&start, &end)),
        )
        .await;
    assert_eq!(booked.status, StatusCode::CREATED, "{}", booked.text);

    // What the excluded volunteer reads says nothing of it.
    let read = app.get(path, &leyla).await;
    assert_eq!(read.status, StatusCode::OK, "{}", read.text);
    assert_eq!(
        read.body["exclusions"],
        json!([{ "interpreter_id": other, "reason": "Nachbarschaft" }])
    );
    let export = app.get(&format!("{path}/export"), &leyla).await;
    assert_eq!(export.status, StatusCode::OK, "{}", export.text);
    assert!(!export.text.contains("Schwester"), "{}", export.text);
    assert!(export.text.contains("Nachbarschaft"), "{}", export.text);

    // Writing the record back without it keeps it.
    let cleared = json!({ "languages": ["ar"], "gender_preference": null, "exclusions": [] });
    let put = app.call(Method::PUT, path, Some(&leyla), Some(cleared)).await;
    assert_eq!(put.status, StatusCode::OK, "{}", put.text);
    assert_eq!(put.body["exclusions"], json!([]));
    let kept = app.get(path, &caseworker).await;
    assert_eq!(
        kept.body["exclusions"],
        json!([{ "interpreter_id": own, "reason": "Verwandtschaft (Schwester)" }])
    );

    // Naming oneself is refused, whatever is stored, and the attempt is audited.
    let lifted = json!({ "languages": ["ar"], "gender_preference": null, "exclusions": [{ "interpreter_id": own, "reason": null }] });
    app.call(Method::PUT, path, Some(&leyla), Some(lifted))
        .await
        .assert_problem(422, Some("exclusions[0].interpreter_id"));
    assert_eq!(app.audited("client.own_exclusion_refused").await, 1);
    assert_eq!(app.get(path, &caseworker).await.body["exclusions"], kept.body["exclusions"]);
}
