//! A small W3C WebDriver client for the console's browser tests: it starts its own
//! `chromedriver --port=<free port>` (one per test, so tests run in parallel), opens one
//! headless Chromium session, and drives it over the W3C protocol (JSON over HTTP, with
//! reqwest and serde_json).
//!
//! Chromium (`/usr/bin/chromium`, Debian's; `scripts/setup.sh` installs it and chromedriver)
//! is started with:
//! - `--headless --no-sandbox --disable-gpu`: no display, no setuid sandbox (containers and
//!   CI users cannot set it up), no GPU process;
//! - `--disable-quic --no-first-run --disable-background-networking
//!   --disable-component-update --disable-sync`: without these Chromium reaches for Google
//!   (updates, field trials, sync) on start-up, which fails on a machine without internet;
//! - `--disable-dev-shm-usage`: shared memory in /tmp, as /dev/shm is small in containers;
//! - `--window-size=1280,900`, and `--user-data-dir=<a new temporary directory>` so every
//!   session starts with an empty profile (no cookies) and parallel sessions never share one.
//!
//! The session is deleted (Chromium quits) and chromedriver killed on [`Driver::close`] or on
//! drop, also when a test panics.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use serde_json::{Value, json};
use std::io::{Read, Write};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The W3C key under which an element reference is returned.
const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";
/// How long [`Driver::find`] and [`Driver::wait_path`] keep trying.
const WAIT: Duration = Duration::from_secs(5);
/// How long chromedriver may take to say it is ready.
const START_TIMEOUT: Duration = Duration::from_secs(20);

pub const CHROMIUM: &str = "/usr/bin/chromium";
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
pub const CHROMIUM_FLAGS: &[&str] = &[
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--window-size=1280,900",
];

pub struct Driver {
    http: reqwest::Client,
    port: u16,
    /// `http://127.0.0.1:{port}/session/{id}`.
    session: String,
    session_id: String,
    chromedriver: Option<Child>,
    closed: bool,
    _profile: tempfile::TempDir,
}

impl Driver {
    /// Starts chromedriver on a free port, waits until it is ready, and opens a session.
    pub async fn start() -> Driver {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("no free local port for chromedriver")
            .port();
        let child = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {CHROMEDRIVER} (scripts/setup.sh): {e}"));
        let profile = tempfile::tempdir().expect("no temporary directory for the profile");
        let mut d = Driver {
            http: crate::common::http(),
            port,
            session: String::new(),
            session_id: String::new(),
            chromedriver: Some(child),
            closed: false,
            _profile: profile,
        };
        d.wait_ready().await;
        let mut args: Vec<String> = CHROMIUM_FLAGS.iter().map(|s| (*s).to_owned()).collect();
        args.push(format!("--user-data-dir={}", d._profile.path().display()));
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {"binary": CHROMIUM, "args": args},
        }}});
        let base = format!("http://127.0.0.1:{port}");
        let v = d.call("POST", &format!("{base}/session"), Some(caps)).await;
        d.session_id = v["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no sessionId in new-session reply: {v}"))
            .to_owned();
        d.session = format!("{base}/session/{}", d.session_id);
        d
    }

    async fn wait_ready(&mut self) {
        let url = format!("http://127.0.0.1:{}/status", self.port);
        let until = Instant::now() + START_TIMEOUT;
        loop {
            if let Ok(r) = self.http.get(&url).send().await
                && let Ok(t) = r.text().await
                && let Ok(v) = serde_json::from_str::<Value>(&t)
                && v["value"]["ready"] == json!(true)
            {
                return;
            }
            if let Some(Ok(Some(st))) = self.chromedriver.as_mut().map(Child::try_wait) {
                panic!("chromedriver exited before it was ready: {st}");
            }
            assert!(
                Instant::now() < until,
                "chromedriver not ready on port {} after {START_TIMEOUT:?}",
                self.port
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// One WebDriver command; returns its `value`, or panics with the WebDriver error.
    async fn call(&self, method: &str, url: &str, body: Option<Value>) -> Value {
        self.try_call(method, url, body)
            .await
            .unwrap_or_else(|(e, m)| panic!("WebDriver {method} {url}: {e}: {m}"))
    }

    /// One WebDriver command; `Err((error code, message))` on a WebDriver error.
    async fn try_call(
        &self,
        method: &str,
        url: &str,
        body: Option<Value>,
    ) -> Result<Value, (String, String)> {
        let m = reqwest::Method::from_bytes(method.as_bytes()).expect("HTTP method");
        let mut req = self.http.request(m, url);
        if let Some(b) = body {
            req = req
                .header("content-type", "application/json")
                .body(b.to_string());
        }
        let resp = req
            .send()
            .await
            .map_err(|e| ("transport".to_owned(), e.to_string()))?;
        let ok = resp.status().is_success();
        let text = resp
            .text()
            .await
            .map_err(|e| ("transport".to_owned(), e.to_string()))?;
        let v: Value = serde_json::from_str(&text)
            .map_err(|e| ("bad reply".to_owned(), format!("{e}: {text}")))?;
        let value = v.get("value").cloned().unwrap_or(Value::Null);
        if ok {
            return Ok(value);
        }
        let err = value["error"].as_str().unwrap_or("HTTP error").to_owned();
        Err((err, value["message"].as_str().unwrap_or(&text).to_owned()))
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.session)
    }

    pub async fn goto(&self, url: &str) {
        self.call("POST", &self.url("/url"), Some(json!({"url": url})))
            .await;
    }

    /// The element matched by `css`, waiting up to 5 s for it to appear.
    pub async fn find(&self, css: &str) -> String {
        self.find_by("css selector", css).await
    }

    /// The `<button>` whose text is `text`, waiting up to 5 s.
    pub async fn find_button(&self, text: &str) -> String {
        self.find_by("xpath", &format!("//button[normalize-space()='{text}']"))
            .await
    }

    async fn find_by(&self, using: &str, value: &str) -> String {
        let until = Instant::now() + WAIT;
        let body = json!({"using": using, "value": value});
        loop {
            match self
                .try_call("POST", &self.url("/element"), Some(body.clone()))
                .await
            {
                Ok(v) => {
                    return v[ELEMENT_KEY]
                        .as_str()
                        .unwrap_or_else(|| panic!("no element reference in {v}"))
                        .to_owned();
                }
                Err((e, _)) if e == "no such element" && Instant::now() < until => {
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                Err((e, m)) => panic!(
                    "no element {value:?} ({e}: {m}) on {} — page:\n{}",
                    self.current_url().await,
                    self.page_source().await
                ),
            }
        }
    }

    pub async fn click(&self, css: &str) {
        let el = self.find(css).await;
        self.click_element(&el).await;
    }

    pub async fn click_button(&self, text: &str) {
        let el = self.find_button(text).await;
        self.click_element(&el).await;
    }

    async fn click_element(&self, el: &str) {
        let url = self.url(&format!("/element/{el}/click"));
        self.call("POST", &url, Some(json!({}))).await;
    }

    /// Clears the field matched by `css`, then types `text` into it.
    pub async fn type_into(&self, css: &str, text: &str) {
        let el = self.find(css).await;
        let clear = self.url(&format!("/element/{el}/clear"));
        self.call("POST", &clear, Some(json!({}))).await;
        let keys = self.url(&format!("/element/{el}/value"));
        self.call("POST", &keys, Some(json!({"text": text}))).await;
    }

    /// The rendered text of the element matched by `css`.
    pub async fn text(&self, css: &str) -> String {
        let el = self.find(css).await;
        let url = self.url(&format!("/element/{el}/text"));
        let v = self.call("GET", &url, None).await;
        v.as_str().unwrap_or_default().to_owned()
    }

    /// The current `value` of the form field matched by `css`.
    pub async fn value(&self, css: &str) -> String {
        let el = self.find(css).await;
        let url = self.url(&format!("/element/{el}/property/value"));
        let v = self.call("GET", &url, None).await;
        v.as_str().unwrap_or_default().to_owned()
    }

    /// Whether the checkbox, radio button or option matched by `css` is selected.
    pub async fn is_selected(&self, css: &str) -> bool {
        let el = self.find(css).await;
        let url = self.url(&format!("/element/{el}/selected"));
        self.call("GET", &url, None).await == json!(true)
    }

    pub async fn page_source(&self) -> String {
        let v = self.call("GET", &self.url("/source"), None).await;
        v.as_str().unwrap_or_default().to_owned()
    }

    pub async fn current_url(&self) -> String {
        let v = self.call("GET", &self.url("/url"), None).await;
        v.as_str().unwrap_or_default().to_owned()
    }

    pub async fn title(&self) -> String {
        let v = self.call("GET", &self.url("/title"), None).await;
        v.as_str().unwrap_or_default().to_owned()
    }

    /// Waits up to 5 s for the current URL's path (without query) to be `path`; returns
    /// the full URL, or panics with the page it is on.
    pub async fn wait_path(&self, path: &str) -> String {
        let until = Instant::now() + WAIT;
        loop {
            let url = self.current_url().await;
            let after_host = url.splitn(4, '/').nth(3).unwrap_or_default();
            let here = format!(
                "/{}",
                after_host.split(['?', '#']).next().unwrap_or_default()
            );
            if here == path {
                return url;
            }
            assert!(
                Instant::now() < until,
                "expected to be on {path}, still on {url} — page:\n{}",
                self.page_source().await
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Waits up to 5 s for `text` to be gone from the page (a form that posts back to the
    /// page it is on leaves the path unchanged, so [`Driver::wait_path`] cannot tell that
    /// the answer has arrived); panics with the page when it stays.
    pub async fn wait_gone(&self, text: &str) {
        let until = Instant::now() + WAIT;
        loop {
            let page = self.page_source().await;
            if !page.contains(text) {
                return;
            }
            assert!(
                Instant::now() < until,
                "{text:?} still on the page:\n{page}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Waits up to 5 s for `text` to be on the page; panics with the page when it is not.
    pub async fn wait_text(&self, text: &str) {
        let until = Instant::now() + WAIT;
        loop {
            let page = self.page_source().await;
            if page.contains(text) {
                return;
            }
            assert!(Instant::now() < until, "{text:?} not on the page:\n{page}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Saves a PNG of the viewport to `path`, creating its directory.
    pub async fn screenshot(&self, path: &Path) {
        use base64::Engine as _;
        let v = self.call("GET", &self.url("/screenshot"), None).await;
        let png = base64::engine::general_purpose::STANDARD
            .decode(v.as_str().unwrap_or_default())
            .expect("screenshot is not base64");
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)
                .unwrap_or_else(|e| panic!("cannot create {}: {e}", dir.display()));
        }
        std::fs::write(path, png)
            .unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
    }

    /// Deletes the session (Chromium quits) and stops chromedriver.
    pub async fn close(mut self) {
        if !self.session.is_empty() {
            let _ = self.try_call("DELETE", &self.session.clone(), None).await;
        }
        self.closed = true;
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        if !self.closed && !self.session_id.is_empty() {
            // No await in drop: a plain blocking DELETE, so Chromium quits even after a panic.
            let req = format!(
                "DELETE /session/{} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n",
                self.session_id, self.port
            );
            if let Ok(mut s) = std::net::TcpStream::connect(("127.0.0.1", self.port)) {
                let _ = s.set_read_timeout(Some(Duration::from_secs(10)));
                // The reply's first bytes come once Chromium has quit; chromedriver may
                // keep the connection open after it, so read no further.
                if s.write_all(req.as_bytes()).is_ok() {
                    let _ = s.read(&mut [0u8; 512]);
                }
            }
        }
        if let Some(mut c) = self.chromedriver.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}
