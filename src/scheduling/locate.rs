//! Finds the line of a field in a JSON text, so that an error in a problem file can say
//! "line 214: appointments[3].site: unknown site". serde_json reports lines only for syntax
//! and shape errors; consistency errors are found later, on the parsed value.

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
                            self.skip_value()?;
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
                            self.skip_value()?;
                        }
                    }
                }
            }
            _ => None,
        }
    }

    fn skip_value(&mut self) -> Option<()> {
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
                        self.skip_value()?;
                    }
                }
            }
            _ => {
                while let Some(&b) = self.bytes.get(self.pos) {
                    if matches!(b, b',' | b'}' | b']') || b.is_ascii_whitespace() {
                        break;
                    }
                    self.pos += 1;
                }
                Some(())
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
}
