// evalrun view in a real browser (Debian's Chromium, driven by playwright-core):
// the runs page, a link to a run, the filter to unreadable verdicts, a turn
// with its two judge games. Fails on any console error, page error, or
// request to anything but the viewer on 127.0.0.1. Screenshots go to SHOTS.
// Usage: node view.mjs BASE_URL SHOTS_DIR
import { chromium } from "playwright-core";

const [base, shots] = process.argv.slice(2);
const problems = [];
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--no-first-run"],
});
function check(condition, what) {
  if (!condition) throw new Error("check failed: " + what);
}
try {
  const page = await browser.newPage({ viewport: { width: 1300, height: 1000 } });
  page.on("console", m => { if (m.type() === "error") problems.push("console error: " + m.text()); });
  page.on("pageerror", e => problems.push("page error: " + e.message));
  page.on("request", r => {
    const url = r.url();
    if (!url.startsWith(base) && !url.startsWith("data:")) problems.push("request outside the viewer: " + url);
  });
  const ready = () => page.waitForSelector('main[data-ready="yes"]', { timeout: 15000 });

  // The runs: one row per run, each a link.
  await page.goto(base + "/");
  await ready();
  const runRows = await page.locator("#runs tbody tr").count();
  check(runRows === 2, "two runs listed, not " + runRows);
  await page.screenshot({ path: shots + "/1-runs.png", fullPage: true });

  // Follow the link to the Arena-Hard run.
  const arena = page.locator("#runs tbody tr", { hasText: "arenahard" });
  await arena.locator("a").first().click();
  await page.waitForURL(/#\/run\/\d+$/);
  await ready();
  check((await page.locator("h1").textContent()).includes("arenahard"), "the run's title");
  check((await page.locator("#verdicts tbody tr").count()) === 50, "a first page of 50 verdicts");
  check((await page.locator("#pager").textContent()).includes("of 500"), "500 verdicts in all");
  await page.screenshot({ path: shots + "/2-run.png" });

  // Only the unreadable ones (parse failures).
  await page.selectOption("#filter-status", "unreadable");
  await page.waitForURL(/status=unreadable/);
  await ready();
  const failed = page.locator("#verdicts tbody tr");
  const failures = await failed.count();
  check(failures >= 1, "at least one unreadable verdict");
  for (let i = 0; i < failures; ++i) {
    const status = await failed.nth(i).locator("td").nth(4).textContent();
    check(status === "parse_failed" || status === "out_of_range", "row " + i + " is unreadable: " + status);
  }
  await page.screenshot({ path: shots + "/3-unreadable.png" });

  // Its turn: both games' judge calls, each with its reply.
  await failed.first().locator("a").first().click();
  await page.waitForURL(/\/item\//);
  await ready();
  const calls = page.locator("#judge-calls .judge-call");
  const n = await calls.count();
  check(n >= 2, "both judge calls shown, not " + n);
  const text = await page.locator("#judge-calls").textContent();
  check(text.includes("model-first") && text.includes("baseline-first"), "both orders of the pair");
  for (let i = 0; i < n; ++i) {
    check(((await calls.nth(i).locator("pre.reply").textContent()) || "").length > 0, "call " + i + "'s reply");
  }
  check((await page.locator("#candidate-answer pre").textContent()).length > 0, "the candidate's answer");
  check((await page.locator("#baseline-answer pre").textContent()).length > 0, "the baseline's answer");
  await page.screenshot({ path: shots + "/4-item.png", fullPage: true });

  // A deep link opens the same turn directly.
  const deep = page.url();
  const fresh = await browser.newPage();
  fresh.on("console", m => { if (m.type() === "error") problems.push("console error: " + m.text()); });
  await fresh.goto(deep);
  await fresh.waitForSelector('main[data-ready="yes"]');
  check((await fresh.locator("#judge-calls .judge-call").count()) === n, "the deep link");
  console.log(`view_in_browser: ${runRows} runs, ${failures} unreadable, ${n} judge calls, screenshots in ${shots}`);
} finally {
  await browser.close();
}
if (problems.length) {
  console.error(problems.join("\n"));
  process.exit(1);
}
