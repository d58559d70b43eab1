//! Finds the line of a field in a JSON text, so that an error in a problem file can say
//! "line 214: appointments[3].site: unknown site". serde_json reports lines only for syntax
//! and shape errors; consistency errors are found later, on the parsed value. Any text gives an
//! answer, if only `None`: the scanner always moves forward and never nests deeper than
//! [`MAX_DEPTH`].

/// Deeper nesting gives `None`; serde_json refuses anything deeper than 128 anyway.
pub const MAX_DEPTH: usize = 256;

/// The 1-based line where the value at `path` (`appointments[3].site`) starts.
pub fn line_of(text: &str, path: &str) -> Option<usize> {
    let target = parse_path(path)?;
    let mut scanner = Scanner { bytes: text.as_bytes(), pos: 0, line: 1 };
    scanner.find(&target, 0)
}

#[derive(Debug, PartialEq)]
enum Step {
    Key(String),
    Index(usize),
}

fn parse_path(path: &str) -> Option<Vec<Step>> {
    let mut steps = Vec::new();
    for part in path.split('.') {
        let (name, mut rest) = part.split_once('[').map_or((part, ""), |(n, r)| (n, r));
        if !name.is_empty() {
            steps.push(Step::Key(name.to_owned()));
        }
        while !rest.is_empty() {
            let (index, after) = rest.split_once(']')?;
            steps.push(Step::Index(index.parse().ok()?));
            rest = after.strip_prefix('[').unwrap_or(after);
        }
    }
    Some(steps)
}

struct Scanner<'a> {
    bytes: &'a [u8],
    pos: usize,
    line: usize,
}

impl Scanner<'_> {
    fn skip_ws(&mut self) {
        while let Some(&b) = self.bytes.get(self.pos) {
            match b {
                b'\n' => self.line += 1,
                b' ' | b'\t' | b'\r' => {}
                _ => return,
            }
            self.pos += 1;
        }
    }

    fn string(&mut self) -> Option<String> {
        // At the opening quote.
        self.pos += 1;
        let mut out = Vec::new();
        while let Some(&b) = self.bytes.get(self.pos) {
            self.pos += 1;
            match b {
                b'"' => return String::from_utf8(out).ok(),
                b'\\' => {
                    out.push(*self.bytes.get(self.pos)?);
                    self.pos += 1;
                }
                b'\n' => {
                    self.line += 1;
                    out.push(b);
                }
                _ => out.push(b),
            }
        }
        None
    }

    /// Skips one value, or descends into it if the path continues there.
    fn find(&mut self, target: &[Step], depth: usize) -> Option<usize> {
        if depth > MAX_DEPTH {
            return None;
        }
        self.skip_ws();
        if depth == target.len() {
            return Some(self.line);
        }
        match self.bytes.get(self.pos)? {
            b'{' => {
                self.pos += 1;
                loop {
                    self.skip_ws();
                    match self.bytes.get(self.pos)? {
                        b'}' => {
                            self.pos += 1;
                            return None;
                        }
                        b',' => self.pos += 1,
                        b'"' => {
                            let key = self.string()?;
                            self.skip_ws();
                            if self.bytes.get(self.pos)? != &b':' {
                                return None;
                            }
                            self.pos += 1;
                            if target.get(depth) == Some(&Step::Key(key)) {
                                return self.find(target, depth + 1);
                            }
                            self.skip_value(0)?;
                        }
                        _ => return None,
                    }
                }
            }
            b'[' => {
                self.pos += 1;
                let mut index = 0;
                loop {
                    self.skip_ws();
                    match self.bytes.get(self.pos)? {
                        b']' => {
                            self.pos += 1;
                            return None;
                        }
                        b',' => {
                            self.pos += 1;
                            index += 1;
                        }
                        _ => {
                            if target.get(depth) == Some(&Step::Index(index)) {
                                return self.find(target, depth + 1);
                            }
                            self.skip_value(0)?;
                        }
                    }
                }
            }
            _ => None,
        }
    }

    /// Skips one value; `None` unless that moved past at least one byte, so that a stray
    /// closing bracket cannot hold a loop in place.
    fn skip_value(&mut self, nesting: usize) -> Option<()> {
        if nesting > MAX_DEPTH {
            return None;
        }
        self.skip_ws();
        match self.bytes.get(self.pos)? {
            b'"' => self.string().map(|_| ()),
            open @ (b'{' | b'[') => {
                let close = if *open == b'{' { b'}' } else { b']' };
                self.pos += 1;
                loop {
                    self.skip_ws();
                    let b = *self.bytes.get(self.pos)?;
                    if b == close {
                        self.pos += 1;
                        return Some(());
                    }
                    if matches!(b, b',' | b':') {
                        self.pos += 1;
                    } else {
                        self.skip_value(nesting + 1)?;
                    }
                }
            }
            _ => {
                let from = self.pos;
                while let Some(&b) = self.bytes.get(self.pos) {
                    if matches!(b, b',' | b'}' | b']') || b.is_ascii_whitespace() {
                        break;
                    }
                    self.pos += 1;
                }
                (self.pos > from).then_some(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "{\n  \"format\": \"x\",\n  \"appointments\": [\n    {\"id\": \"a\"},\n    {\n      \"id\": \"b\",\n      \"site\": \"nord\"\n    }\n  ]\n}\n";

    #[test]
    fn finds_nested_fields() {
        assert_eq!(line_of(TEXT, "format"), Some(2));
        assert_eq!(line_of(TEXT, "appointments[0].id"), Some(4));
        assert_eq!(line_of(TEXT, "appointments[1].site"), Some(7));
        assert_eq!(line_of(TEXT, "appointments[2].site"), None);
        assert_eq!(line_of(TEXT, "sites"), None);
    }

    #[test]
    fn a_stray_closing_bracket_ends_the_search() {
        // A bracket that closes nothing is no value: skipping it must fail, not succeed
        // without moving on, or the loop around it never ends.
        assert_eq!(line_of("[}", "a"), None);
        assert_eq!(line_of("{\"a\": [}]}", "b"), None);
        assert_eq!(line_of("[1, }, 2]", "[2]"), None);
    }

    #[test]
    fn deep_nesting_gives_up_instead_of_overflowing_the_stack() {
        let deep = format!("{{\"a\": {}1{}, \"b\": 2}}", "[".repeat(100_000), "]".repeat(100_000));
        assert_eq!(line_of(&deep, "b"), None);
        let path = vec!["[0]"; 100_000].concat();
        assert_eq!(line_of(&"[".repeat(100_000), &path), None);
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2000))]

        /// Any text and any path: an answer, and a line that exists in the text.
        #[test]
        fn any_text_gives_an_answer(
            text in r#"[\[\]{}",:\\ \n0-9a-c]{0,200}"#,
            path in "[a-c]{0,2}(\\[[0-9]\\])?(\\.[a-c]{1,2}(\\[[0-9]\\])?){0,3}",
        ) {
            if let Some(line) = line_of(&text, &path) {
                proptest::prop_assert!((1..=text.matches('\n').count() + 1).contains(&line));
            }
        }

        /// In valid JSON, every member is found on its own line.
        #[test]
        fn finds_every_member_of_an_array(values in proptest::collection::vec(0u32..1000, 1..20), pick in 0usize..20) {
            let text = serde_json::to_string_pretty(&serde_json::json!({ "a": { "b": values } })).unwrap();
            let expected = (pick < values.len()).then_some(pick + 4);
            proptest::prop_assert_eq!(line_of(&text, &format!("a.b[{pick}]")), expected);
        }
    }
}
