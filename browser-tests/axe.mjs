// Renders every page of sprachpool in headless Chromium, in German and in English, as each
// demo role, including pages that show form errors and error pages, and checks each with
// axe-core against WCAG 2.1 A and AA. Exits non-zero on any violation.
//
// Expects a server with the demo data at BASE_URL (default http://127.0.0.1:18080).
import { mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { chromium } from "playwright-core";

const require = createRequire(import.meta.url);
const AXE = require.resolve("axe-core/axe.min.js");
const BASE = process.env.BASE_URL ?? "http://127.0.0.1:18080";
const TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"];

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  args: [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
  ],
});

let checked = 0;
const failures = [];

async function audit(page, lang, label) {
  const htmlLang = await page.evaluate(() => document.documentElement.lang);
  if (htmlLang !== lang) failures.push(`${label}: <html lang="${htmlLang}">, expected ${lang}`);
  await page.addScriptTag({ path: AXE });
  const result = await page.evaluate(
    (tags) => window.axe.run(document, { runOnly: { type: "tag", values: tags } }),
    TAGS,
  );
  checked += 1;
  const summary = result.violations.map((v) => `${v.id} (${v.nodes.length}): ${v.help}`);
  console.log(`${result.violations.length === 0 ? "ok  " : "FAIL"} [${lang}] ${label}`);
  for (const line of summary) {
    console.log(`     ${line}`);
    failures.push(`[${lang}] ${label}: ${line}`);
  }
}

async function expectErrorSummary(page, lang, label) {
  const shown = await page.locator(".error-summary").count();
  if (shown === 0) failures.push(`[${lang}] ${label}: no error summary shown`);
}

async function visit(page, path, expectStatus, lang, label) {
  const response = await page.goto(BASE + path);
  if (response.status() !== expectStatus) {
    failures.push(`[${lang}] ${label}: status ${response.status()}, expected ${expectStatus}`);
  }
  await audit(page, lang, label);
}

async function session(lang, username) {
  const context = await browser.newContext({ bypassCSP: true });
  const page = await context.newPage();
  await page.goto(`${BASE}/lang/${lang}?next=/login`);
  if (username) {
    await page.fill("#username", username);
    await page.fill("#password", "demo");
    await Promise.all([page.waitForNavigation(), page.click("form.stack button[type=submit]")]);
    if (new URL(page.url()).pathname !== "/") failures.push(`[${lang}] login of ${username} did not reach the start page`);
  }
  return { context, page };
}

// The checker itself must see a violation where there is one: an unlabelled input.
{
  const context = await browser.newContext({ bypassCSP: true });
  const page = await context.newPage();
  await page.goto(`${BASE}/login`);
  await page.evaluate(() => document.querySelector("main").insertAdjacentHTML("beforeend", '<input type="text" id="unlabelled">'));
  await page.addScriptTag({ path: AXE });
  const result = await page.evaluate((tags) => window.axe.run(document, { runOnly: { type: "tag", values: tags } }), TAGS);
  if (!result.violations.some((v) => v.id === "label")) failures.push("axe-core did not flag an unlabelled input: the check is not working");
  await context.close();
}

/**
 * The dashboard's charts are drawn: each SVG chart takes real space on the page and its bars
 * have width. A screenshot of the charts goes to screenshots/ for a person to look at.
 */
async function chartsRender(page, lang) {
  const charts = await page.locator("svg.chart").all();
  if (charts.length !== 3) failures.push(`[${lang}] dashboard: ${charts.length} charts, expected 3`);
  for (const [k, chart] of charts.entries()) {
    const box = await chart.boundingBox();
    if (!box || box.width < 300 || box.height < 60) failures.push(`[${lang}] dashboard: chart ${k + 1} is not drawn (${JSON.stringify(box)})`);
    const bars = await chart.evaluate((svg) => [...svg.querySelectorAll("rect[height='14']")].filter((r) => r.getBoundingClientRect().width > 1).length);
    if (k === 0 && bars < 2) failures.push(`[${lang}] dashboard: the demand chart shows ${bars} bars`);
  }
  mkdirSync(new URL("screenshots/", import.meta.url), { recursive: true });
  const section = page.locator("section[aria-labelledby=charts-title]");
  await section.screenshot({ path: new URL(`screenshots/dashboard-${lang}.png`, import.meta.url).pathname });
  console.log(`     charts drawn; screenshot in browser-tests/screenshots/dashboard-${lang}.png`);
}

/** A Monday two weeks or more ahead, as YYYY-MM-DD (holidays aside: planning may leave it unfilled). */
function mondayAhead() {
  const d = new Date();
  d.setDate(d.getDate() + 14);
  while (d.getDay() !== 1) d.setDate(d.getDate() + 1);
  return d.toISOString().slice(0, 10);
}

for (const lang of ["de", "en"]) {
  // A caseworker books: the form, a refused form, the list with the new booking.
  {
    const { context, page } = await session(lang, "fachkraft");
    await visit(page, "/bookings", 200, lang, "bookings (caseworker)");
    await page.fill("#client_ref", "123D456789");
    await page.selectOption("#language", "ar");
    await page.fill("#date", mondayAhead());
    await page.fill("#start", "11:00");
    await page.fill("#end", "10:00");
    await Promise.all([page.waitForNavigation(), page.click("form.stack button[type=submit]")]);
    await expectErrorSummary(page, lang, "bookings, end before start");
    await audit(page, lang, "bookings, end before start");
    await page.selectOption("#language", "ar");
    await page.selectOption("#site", "mitte");
    await page.fill("#date", mondayAhead());
    await page.fill("#start", "10:00");
    await page.fill("#end", "11:00");
    await Promise.all([page.waitForNavigation(), page.click("form.stack button[type=submit]")]);
    await audit(page, lang, "bookings, booked");
    await context.close();
  }
  // The volunteer sees the proposal; the team lead plans.
  {
    const { context, page } = await session(lang, "dolmetscher");
    await visit(page, "/assignments", 200, lang, "assignments (volunteer with a proposal)");
    await context.close();
  }
  {
    const { context, page } = await session(lang, "teamleitung");
    await visit(page, "/planning", 200, lang, "planning (team lead)");
    await Promise.all([page.waitForNavigation(), page.click("form.row button[type=submit]")]);
    await audit(page, lang, "planning, after a run");
    await visit(page, "/dashboard", 200, lang, "dashboard (team lead)");
    await chartsRender(page, lang);
    await visit(page, "/dashboard?from=2026-05-01&to=2026-04-01", 422, lang, "dashboard, period ending before it starts");
    await expectErrorSummary(page, lang, "dashboard, period ending before it starts");
    await visit(page, "/report", 200, lang, "annual report (team lead)");
    await visit(page, "/referrals", 200, lang, "referrals pipeline (team lead)");
    await visit(page, "/trainings", 200, lang, "trainings (team lead)");
    await page.fill("#title", "Interkulturelle Kommunikation");
    await page.fill("#starts_on", "2026-05-05");
    await page.fill("#ends_on", "2026-05-04");
    await page.fill("#hours", "7,5");
    await Promise.all([page.waitForNavigation(), page.click("form.stack button[type=submit]")]);
    await expectErrorSummary(page, lang, "trainings, last day before first");
    await audit(page, lang, "trainings, last day before first");
    await context.close();
  }
  // Not logged in: the login page, a failed login, a page that does not exist.
  {
    const { context, page } = await session(lang, null);
    await visit(page, "/login", 200, lang, "login");
    await page.fill("#username", "fachkraft");
    await page.fill("#password", "wrong");
    await Promise.all([page.waitForNavigation(), page.click("form.stack button[type=submit]")]);
    await expectErrorSummary(page, lang, "login, failed");
    await audit(page, lang, "login, failed");
    await visit(page, "/does-not-exist", 404, lang, "not found");
    await context.close();
  }
  // A volunteer: start page, profile, availability, absences, and their form errors.
  {
    const { context, page } = await session(lang, "dolmetscher");
    await visit(page, "/", 200, lang, "start page (volunteer and caseworker)");
    await visit(page, "/profile", 200, lang, "profile");
    await visit(page, "/notifications", 200, lang, "notification settings");
    await visit(page, "/password", 200, lang, "change password");
    await page.fill("#current_password", "demo");
    await page.fill("#new_password", "ein-neues-passwort");
    await page.fill("#new_password_again", "ein-anderes-passwort");
    await Promise.all([page.waitForNavigation(), page.click("form.stack button[type=submit]")]);
    await expectErrorSummary(page, lang, "change password, the two new ones differ");
    await audit(page, lang, "change password, the two new ones differ");
    await visit(page, "/calendar", 200, lang, "calendar subscription");
    await Promise.all([page.waitForNavigation(), page.click("form.stack button[type=submit]")]);
    await audit(page, lang, "calendar subscription, new address shown");
    await visit(page, "/availability", 200, lang, "availability");
    await page.fill("#start", "12:00");
    await page.fill("#end", "09:00");
    await Promise.all([page.waitForNavigation(), page.click("form.stack button[type=submit]")]);
    await expectErrorSummary(page, lang, "availability, window ending before it starts");
    await audit(page, lang, "availability, window ending before it starts");
    await visit(page, "/absences", 200, lang, "absences");
    await page.fill("#first_day", "2031-03-10");
    await page.fill("#last_day", "2031-03-01");
    await Promise.all([page.waitForNavigation(), page.click("form.stack button[type=submit]")]);
    await expectErrorSummary(page, lang, "absences, last day before first day");
    await audit(page, lang, "absences, last day before first day");
    await visit(page, "/pool?language=apc&min_level=B2", 200, lang, "pool (caseworker), filtered");
    await visit(page, "/courses", 200, lang, "courses (caseworker)");
    await visit(page, "/referrals", 200, lang, "referrals (caseworker)");
    await page.fill("#course_client_ref", "123D456789");
    await page.selectOption("#course_programme", "job_b1_b2");
    await page.selectOption("#course_current_level", "B2");
    await page.selectOption("#course_target_level", "B1");
    await Promise.all([page.waitForNavigation(), page.click("section[aria-labelledby=new-course-title] button[type=submit]")]);
    await expectErrorSummary(page, lang, "referrals, target below the current level");
    await audit(page, lang, "referrals, target below the current level");
    await page.selectOption("#course_target_level", "C1");
    await Promise.all([page.waitForNavigation(), page.click("section[aria-labelledby=new-course-title] button[type=submit]")]);
    await audit(page, lang, "referrals, with a referral");
    await context.close();
  }
  // A volunteer without another role meets the forbidden page.
  {
    const { context, page } = await session(lang, "e.schmidt");
    await visit(page, "/pool", 403, lang, "forbidden");
    await context.close();
  }
  for (const [username, label] of [["fachkraft", "caseworker"], ["teamleitung", "team lead"], ["admin", "admin"]]) {
    const { context, page } = await session(lang, username);
    await visit(page, "/", 200, lang, `start page (${label})`);
    await visit(page, "/pool", 200, lang, `pool (${label})`);
    if (username === "admin") {
      await visit(page, "/notifications", 200, lang, "notifications (admin, undeliverable messages)");
      await visit(page, "/courses", 200, lang, "courses (admin, with the import)");
      await page.fill("#csv", "provider;programme\nVHS;x");
      await Promise.all([page.waitForNavigation(), page.click("form.stack button[type=submit]")]);
      await expectErrorSummary(page, lang, "courses, a refused import");
      await audit(page, lang, "courses, a refused import");
    }
    await context.close();
  }
}

await browser.close();
console.log(`\n${checked} page renderings checked with axe-core ${require("axe-core/package.json").version} (${TAGS.join(", ")})`);
if (failures.length > 0) {
  console.log(`${failures.length} problem(s):`);
  for (const f of failures) console.log(`  ${f}`);
  process.exit(1);
}
console.log("no violations");
