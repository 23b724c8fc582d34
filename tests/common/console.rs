//! A browser for the console's handler tests: a reqwest client that follows no redirects by
//! itself (each is looked at), keeps cookies by hand as a browser would (per name, deleted
//! by `Max-Age=0`), and reads hidden form fields out of pages.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;

pub struct Page {
    pub status: u16,
    pub location: Option<String>,
    pub body: String,
    pub headers: reqwest::header::HeaderMap,
}

impl Page {
    /// The value of the first `<input … name="{name}" value="…">` on the page.
    pub fn hidden(&self, name: &str) -> String {
        let needle = format!("name=\"{name}\" value=\"");
        let at = self
            .body
            .find(&needle)
            .unwrap_or_else(|| panic!("no field {name} in:\n{}", self.body));
        let rest = &self.body[at + needle.len()..];
        unescape(&rest[..rest.find('"').unwrap()])
    }
}

pub fn unescape(s: &str) -> String {
    s.replace("&quot;", "\"")
        .replace("&#x27;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

pub struct Browser {
    pub base: String,
    client: reqwest::Client,
    pub cookies: BTreeMap<String, String>,
    /// The CSRF token of the last console page seen.
    pub csrf: String,
}

impl Browser {
    pub fn new(base: &str) -> Browser {
        Browser {
            base: base.trim_end_matches('/').to_owned(),
            client: crate::common::browser(),
            cookies: BTreeMap::new(),
            csrf: String::new(),
        }
    }

    fn url(&self, path: &str) -> String {
        if path.starts_with("http") {
            path.to_owned()
        } else {
            format!("{}{path}", self.base)
        }
    }

    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    async fn finish(&mut self, resp: reqwest::Response) -> Page {
        for c in resp.headers().get_all(reqwest::header::SET_COOKIE) {
            let c = c.to_str().unwrap();
            let first = c.split(';').next().unwrap();
            let (k, v) = first.split_once('=').unwrap();
            if c.contains("Max-Age=0") {
                self.cookies.remove(k);
            } else {
                self.cookies.insert(k.to_owned(), v.to_owned());
            }
        }
        let status = resp.status().as_u16();
        let location = resp
            .headers()
            .get(reqwest::header::LOCATION)
            .map(|v| v.to_str().unwrap().to_owned());
        let headers = resp.headers().clone();
        let body = resp.text().await.unwrap();
        let page = Page {
            status,
            location,
            body,
            headers,
        };
        if page.body.contains("name=\"csrf\" value=\"") {
            self.csrf = page.hidden("csrf");
        }
        page
    }

    pub async fn get(&mut self, path: &str) -> Page {
        let resp = self
            .client
            .get(self.url(path))
            .header(reqwest::header::COOKIE, self.cookie_header())
            .send()
            .await
            .unwrap();
        self.finish(resp).await
    }

    /// POSTs `fields` as a form.
    pub async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> Page {
        let mut ser = form_urlencoded::Serializer::new(String::new());
        for (k, v) in fields {
            ser.append_pair(k, v);
        }
        let resp = self
            .client
            .post(self.url(path))
            .header(reqwest::header::COOKIE, self.cookie_header())
            .header(
                reqwest::header::CONTENT_TYPE,
                "application/x-www-form-urlencoded",
            )
            .body(ser.finish())
            .send()
            .await
            .unwrap();
        self.finish(resp).await
    }

    /// Follows redirects from `page` (GETs), returning the last page.
    pub async fn follow(&mut self, mut page: Page) -> Page {
        for _ in 0..10 {
            match (page.status, page.location.clone()) {
                (301..=303 | 307 | 308, Some(l)) => page = self.get(&l).await,
                _ => return page,
            }
        }
        page
    }

    /// Signs in at `/{account}/console` with the sign-in form; returns the page after it
    /// (redirects not followed).
    pub async fn sign_in(&mut self, account: &str, user: Option<&str>, password: &str) -> Page {
        let form = self.get(&format!("/{account}/console")).await;
        assert_eq!(form.status, 200, "{}", form.body);
        let presign = form.hidden("presign");
        let kind = if user.is_some() { "iam" } else { "root" };
        self.post(
            "/console/signin",
            &[
                ("presign", &presign),
                ("account", account),
                ("kind", kind),
                ("username", user.unwrap_or("")),
                ("password", password),
            ],
        )
        .await
    }

    /// Runs IAM action `action` through the console's `/console/do` with the current CSRF
    /// token, returning the answer (a redirect on success).
    pub async fn act(&mut self, action: &str, params: &[(&str, &str)]) -> Page {
        let csrf = self.csrf.clone();
        let mut fields: Vec<(&str, &str)> = vec![
            ("csrf", &csrf),
            ("Action", action),
            ("next", "/console/home"),
        ];
        fields.extend_from_slice(params);
        self.post("/console/do", &fields).await
    }
}
