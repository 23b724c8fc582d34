//! XML responses in the AWS Query shape.

pub const IAM_NS: &str = "https://iam.amazonaws.com/doc/2010-05-08/";
pub const STS_NS: &str = "https://sts.amazonaws.com/doc/2011-06-15/";

/// Escapes text for element content and attribute values.
pub fn escape(s: &str, out: &mut String) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // XML 1.0 forbids most control characters even escaped; drop them.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => {}
            c => out.push(c),
        }
    }
}

/// A small writer for the element trees AWS responses are made of.
#[derive(Debug, Default)]
pub struct Xml {
    buf: String,
}

impl Xml {
    pub fn new() -> Self {
        Xml::default()
    }

    pub fn open(&mut self, tag: &str) -> &mut Self {
        self.buf.push('<');
        self.buf.push_str(tag);
        self.buf.push('>');
        self
    }

    pub fn close(&mut self, tag: &str) -> &mut Self {
        self.buf.push_str("</");
        self.buf.push_str(tag);
        self.buf.push('>');
        self
    }

    /// `<tag>text</tag>`, text escaped.
    pub fn elem(&mut self, tag: &str, text: &str) -> &mut Self {
        self.open(tag);
        escape(text, &mut self.buf);
        self.close(tag)
    }

    /// Writes the element only when there is a value.
    pub fn opt(&mut self, tag: &str, text: Option<&str>) -> &mut Self {
        if let Some(t) = text {
            self.elem(tag, t);
        }
        self
    }

    pub fn into_string(self) -> String {
        self.buf
    }
}

/// `<{action}Response xmlns=…><{action}Result>…</{action}Result><ResponseMetadata>…`
pub fn response(action: &str, ns: &str, result: &str, request_id: &str) -> String {
    let mut out = String::with_capacity(result.len() + 256);
    out.push('<');
    out.push_str(action);
    out.push_str("Response xmlns=\"");
    out.push_str(ns);
    out.push_str("\">");
    if !result.is_empty() {
        out.push('<');
        out.push_str(action);
        out.push_str("Result>");
        out.push_str(result);
        out.push_str("</");
        out.push_str(action);
        out.push_str("Result>");
    }
    out.push_str("<ResponseMetadata><RequestId>");
    escape(request_id, &mut out);
    out.push_str("</RequestId></ResponseMetadata></");
    out.push_str(action);
    out.push_str("Response>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes() {
        let mut x = Xml::new();
        x.elem("Message", "a<b & 'c' \"d\"\u{1}");
        assert_eq!(
            x.into_string(),
            "<Message>a&lt;b &amp; &apos;c&apos; &quot;d&quot;</Message>"
        );
        let r = response("GetUser", IAM_NS, "<User/>", "rid");
        assert_eq!(
            r,
            "<GetUserResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\"><GetUserResult><User/></GetUserResult><ResponseMetadata><RequestId>rid</RequestId></ResponseMetadata></GetUserResponse>"
        );
    }
}
