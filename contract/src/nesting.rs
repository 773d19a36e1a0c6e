//! How deeply source text may nest before it is compiled.
//!
//! RustPython's parser and compiler recurse once per level of nesting, and
//! the guest's native stack is the wasm engine's: 100 000 nested
//! parentheses or 200 000 unary minus signs run it out, which traps the
//! whole guest where CPython raises `SyntaxError`. This scan runs before
//! the parser, in one pass over the text with no recursion, and refuses
//! what would nest too deeply, the way CPython's tokenizer does:
//! - more than [`MAX_BRACKETS`] open brackets: "too many nested
//!   parentheses" (CPython's `MAXLEVEL`);
//! - more than [`MAX_INDENT`] levels of indentation: "too many levels of
//!   indentation" (CPython's `MAXINDENT`);
//! - an expression whose operators nest more than [`MAX_EXPRESSION_DEPTH`]
//!   deep: "expression too deeply nested". The scan counts, at each bracket
//!   level, the operators since the last `,`, `=` or `;` (a closed bracket,
//!   `.` after a name, and a `lambda`, which no separator closes, count as
//!   operators too), and adds the counts of the enclosing levels; so
//!   `-(-(-x))`, `1+1+...+1`, `a.b.b...b` and `f()()...()` count, and a long
//!   flat list of negative numbers does not.
//!
//! The scan knows strings and comments, so brackets and operators inside
//! them are not counted, except in f-strings, whose replacement fields are
//! code: there every bracket counts.

/// The most brackets open at once (CPython's tokenizer allows 200).
pub const MAX_BRACKETS: usize = 200;
/// The most indentation levels (CPython's tokenizer allows 100).
pub const MAX_INDENT: usize = 100;
/// The deepest nesting of operators in one expression. Far beyond what
/// people write, and well inside what the guest's stack holds.
pub const MAX_EXPRESSION_DEPTH: usize = 1000;

/// Source text that nests too deeply: the message and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TooDeep {
    /// CPython's wording where CPython has one.
    pub message: &'static str,
    /// 1-based line.
    pub line: usize,
    /// 1-based column (in characters).
    pub column: usize,
}

/// Word operators that start or continue an expression.
const WORD_OPERATORS: &[&str] = &[
    "not", "and", "or", "if", "else", "lambda", "await", "in", "is", "yield",
];

/// Checks `source` against the nesting limits.
pub fn check(source: &str) -> Result<(), TooDeep> {
    let mut scan = Scan::default();
    let chars: Vec<char> = source.chars().collect();
    let mut i = 0;
    let mut line = 1;
    let mut line_start = 0;
    let mut at_line_start = true;
    let mut indents: Vec<usize> = vec![0];
    while i < chars.len() {
        let c = chars[i];
        let here = |i: usize, line: usize, line_start: usize| (line, i - line_start + 1);
        if at_line_start && scan.brackets.is_empty() {
            // Indentation of a logical line (blank and comment lines do not
            // count, as in Python).
            let mut width = 0;
            let mut j = i;
            while j < chars.len() && (chars[j] == ' ' || chars[j] == '\t') {
                width += if chars[j] == '\t' { 8 - width % 8 } else { 1 };
                j += 1;
            }
            let blank = j >= chars.len() || matches!(chars[j], '\n' | '\r' | '#' | '\x0c');
            if !blank {
                if width > *indents.last().unwrap_or(&0) {
                    indents.push(width);
                    if indents.len() > MAX_INDENT + 1 {
                        let (line, column) = here(j, line, line_start);
                        return Err(TooDeep {
                            message: "too many levels of indentation",
                            line,
                            column,
                        });
                    }
                } else {
                    while indents.len() > 1 && width < *indents.last().unwrap_or(&0) {
                        indents.pop();
                    }
                }
            }
            at_line_start = false;
            i = j;
            continue;
        }
        match c {
            '\n' => {
                line += 1;
                i += 1;
                line_start = i;
                if scan.brackets.is_empty() && !scan.continued {
                    at_line_start = true;
                    scan.end_statement();
                }
                scan.continued = false;
            }
            '\\' if chars.get(i + 1) == Some(&'\n') => {
                scan.continued = true;
                i += 1;
            }
            '#' => {
                while i < chars.len() && chars[i] != '\n' {
                    i += 1;
                }
            }
            '\'' | '"' => {
                let prefix = string_prefix(&chars, i);
                let (end, lines, last_newline) = skip_string(&chars, i, &prefix);
                if prefix.contains(['f', 'F']) {
                    // Replacement fields are code: count their brackets.
                    let mut depth = 0usize;
                    for &ch in &chars[i..end] {
                        match ch {
                            '(' | '[' | '{' => depth += 1,
                            ')' | ']' | '}' => depth = depth.saturating_sub(1),
                            _ => {}
                        }
                        if scan.brackets.len() + depth > MAX_BRACKETS {
                            let (line, column) = here(i, line, line_start);
                            return Err(too_many_parentheses(line, column));
                        }
                    }
                }
                line += lines;
                if let Some(last) = last_newline {
                    line_start = last + 1;
                }
                scan.operand();
                i = end;
            }
            '(' | '[' | '{' => {
                scan.open();
                if scan.brackets.len() > MAX_BRACKETS {
                    let (line, column) = here(i, line, line_start);
                    return Err(too_many_parentheses(line, column));
                }
                i += 1;
            }
            ')' | ']' | '}' => {
                // The group just closed (a call, a subscript, a display) is
                // one more operation at the level around it.
                scan.close();
                scan.operator(here(i, line, line_start))?;
                i += 1;
            }
            '.' if i > 0 && is_identifier_char(chars[i - 1]) => {
                scan.operator(here(i, line, line_start))?;
                i += 1;
            }
            ',' | ';' => {
                scan.separator();
                i += 1;
            }
            '=' => {
                // `==`, `<=`, `>=`, `!=`, `:=` and augmented assignments are
                // operators; a lone `=` separates.
                let next = chars.get(i + 1).copied();
                let prev = if i > 0 { chars[i - 1] } else { ' ' };
                if next == Some('=') || "=<>!+-*/%&|^@:".contains(prev) {
                    scan.operator(here(i, line, line_start))?;
                } else {
                    scan.separator();
                }
                i += 1;
            }
            '+' | '-' | '*' | '/' | '%' | '@' | '&' | '|' | '^' | '~' | '<' | '>' | '!' => {
                scan.operator(here(i, line, line_start))?;
                i += 1;
            }
            c if c.is_alphabetic() || c == '_' => {
                let start = i;
                while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                    i += 1;
                }
                // A string prefix (`rb'...'`) is handled with its string.
                if matches!(chars.get(i), Some('\'' | '"')) && is_string_prefix(&chars[start..i]) {
                    continue;
                }
                let word: String = chars[start..i].iter().collect();
                if word == "lambda" {
                    scan.lambda();
                }
                if WORD_OPERATORS.contains(&word.as_str()) {
                    scan.operator(here(start, line, line_start))?;
                } else {
                    scan.operand();
                }
            }
            _ => i += 1,
        }
    }
    Ok(())
}

fn too_many_parentheses(line: usize, column: usize) -> TooDeep {
    TooDeep {
        message: "too many nested parentheses",
        line,
        column,
    }
}

/// Operator counts per open bracket, and the statement's own.
#[derive(Default)]
struct Scan {
    /// Operators since the last separator at each open bracket level.
    brackets: Vec<usize>,
    /// Operators since the last separator outside any bracket.
    top: usize,
    /// `lambda`s at each level (the last is outside any bracket): a
    /// lambda's default or body after a `,` or `=` is still inside it.
    lambdas: Vec<usize>,
    /// The line ended in a backslash.
    continued: bool,
}

impl Scan {
    fn operator(&mut self, (line, column): (usize, usize)) -> Result<(), TooDeep> {
        match self.brackets.last_mut() {
            Some(count) => *count += 1,
            None => self.top += 1,
        }
        let depth = self.top
            + self.brackets.iter().sum::<usize>()
            + self.lambdas.iter().sum::<usize>()
            + self.brackets.len();
        if depth > MAX_EXPRESSION_DEPTH {
            return Err(TooDeep {
                message: "expression too deeply nested",
                line,
                column,
            });
        }
        Ok(())
    }

    fn operand(&mut self) {}

    fn lambda(&mut self) {
        let level = self.brackets.len();
        if self.lambdas.len() <= level {
            self.lambdas.resize(level + 1, 0);
        }
        self.lambdas[level] += 1;
    }

    fn open(&mut self) {
        self.brackets.push(0);
    }

    fn close(&mut self) {
        self.brackets.pop();
        self.lambdas.truncate(self.brackets.len() + 1);
    }

    fn separator(&mut self) {
        match self.brackets.last_mut() {
            Some(count) => *count = 0,
            None => self.top = 0,
        }
    }

    fn end_statement(&mut self) {
        self.top = 0;
        self.lambdas.clear();
    }
}

fn is_string_prefix(word: &[char]) -> bool {
    word.len() <= 2
        && word
            .iter()
            .all(|c| matches!(c.to_ascii_lowercase(), 'r' | 'b' | 'u' | 'f' | 't'))
}

/// The prefix letters just before the quote at `quote`.
fn string_prefix(chars: &[char], quote: usize) -> String {
    let mut start = quote;
    while start > 0 && chars[start - 1].is_ascii_alphabetic() {
        start -= 1;
    }
    let word = &chars[start..quote];
    if is_string_prefix(word) && (start == 0 || !is_identifier_char(chars[start - 1])) {
        word.iter().collect()
    } else {
        String::new()
    }
}

fn is_identifier_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Skips the string literal opening at `start`: returns the index after it,
/// the newlines inside it, and the index of its last newline.
fn skip_string(chars: &[char], start: usize, prefix: &str) -> (usize, usize, Option<usize>) {
    let quote = chars[start];
    let triple = chars.get(start + 1) == Some(&quote) && chars.get(start + 2) == Some(&quote);
    let raw = prefix.contains(['r', 'R']);
    let mut i = start + if triple { 3 } else { 1 };
    let mut lines = 0;
    let mut last_newline = None;
    while i < chars.len() {
        let c = chars[i];
        if c == '\\' {
            // Raw or not, a backslash keeps the next character (a quote)
            // inside the string.
            let _ = raw;
            if chars.get(i + 1) == Some(&'\n') {
                lines += 1;
                last_newline = Some(i + 1);
            }
            i += 2;
            continue;
        }
        if c == '\n' {
            if !triple {
                // An unterminated string: the parser reports it.
                return (i, lines, last_newline);
            }
            lines += 1;
            last_newline = Some(i);
        }
        if c == quote {
            if !triple {
                return (i + 1, lines, last_newline);
            }
            if chars.get(i + 1) == Some(&quote) && chars.get(i + 2) == Some(&quote) {
                return (i + 3, lines, last_newline);
            }
        }
        i += 1;
    }
    (chars.len(), lines, last_newline)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(source: &str) -> Option<&'static str> {
        check(source).err().map(|e| e.message)
    }

    #[test]
    fn ordinary_code_passes() {
        let source = "def f(a, b=-1, *c, **d):\n    return [-x for x in (a, b) if not x]\n\
                      s = 'a ((( b' + \"\"\"\n(((\n\"\"\"\n# ((((\nprint(f'{a}')\n";
        assert_eq!(check(source), Ok(()));
    }

    #[test]
    fn a_long_flat_literal_of_negative_numbers_passes() {
        let items: Vec<String> = (0..100_000).map(|i| format!("-{i}")).collect();
        assert_eq!(check(&format!("x = [{}]\n", items.join(", "))), Ok(()));
    }

    #[test]
    fn many_statements_with_operators_pass() {
        assert_eq!(check(&"x = 1 + 2 - 3\n".repeat(10_000)), Ok(()));
    }

    #[test]
    fn deep_parentheses_are_refused_like_cpython() {
        let source = format!("{}{}", "(".repeat(100_000), ")".repeat(100_000));
        assert_eq!(message(&source), Some("too many nested parentheses"));
        let ok = format!("{}1{}", "(".repeat(200), ")".repeat(200));
        assert_eq!(check(&ok), Ok(()));
    }

    #[test]
    fn brackets_in_strings_and_comments_do_not_count() {
        let text = "(".repeat(1000);
        assert_eq!(check(&format!("s = '{text}'  # {text}\n")), Ok(()));
        assert_eq!(check(&format!("s = r'\\'{text}'\n")), Ok(()));
        assert_eq!(check(&format!("s = '''\n{text}\n'''\n")), Ok(()));
    }

    #[test]
    fn brackets_in_f_string_fields_count() {
        let source = format!("f'{{{}1{}}}'", "(".repeat(300), ")".repeat(300));
        assert_eq!(message(&source), Some("too many nested parentheses"));
    }

    #[test]
    fn chains_of_operators_are_refused() {
        assert_eq!(
            message(&format!("{}1", "-".repeat(200_000))),
            Some("expression too deeply nested")
        );
        assert_eq!(
            message(&format!("x = {}1", "not ".repeat(100_000))),
            Some("expression too deeply nested")
        );
        assert_eq!(
            message(&format!("x = {}1", "1+".repeat(100_000))),
            Some("expression too deeply nested")
        );
        assert_eq!(check(&format!("x = {}1", "-".repeat(500))), Ok(()));
    }

    #[test]
    fn postfix_chains_and_lambdas_count() {
        for source in [
            format!("x = a{}", ".b".repeat(100_000)),
            format!("x = f{}", "()".repeat(100_000)),
            format!("x = a{}", "[0]".repeat(100_000)),
            format!("x = {}0", "lambda a=lambda: 0: ".repeat(50_000)),
            format!("x = {}0", "lambda: ".repeat(100_000)),
            format!("x = {}1", "1 if c else ".repeat(100_000)),
        ] {
            assert_eq!(
                message(&source),
                Some("expression too deeply nested"),
                "{}",
                &source[..40]
            );
        }
        let ok = "x = {1: -1, 2: -2.5, 'a': f(b)[0].c}
ys = [lambda: 0, lambda: 1]
";
        assert_eq!(check(&ok.repeat(1000)), Ok(()));
    }

    #[test]
    fn nesting_adds_up_across_brackets() {
        let level = format!("{}(", "-".repeat(100));
        let source = format!("x = {}1{}", level.repeat(20), ")".repeat(20));
        assert_eq!(message(&source), Some("expression too deeply nested"));
    }

    #[test]
    fn deep_indentation_is_refused_like_cpython() {
        let mut source = String::new();
        for depth in 0..150 {
            source.push_str(&" ".repeat(depth));
            source.push_str("if x:\n");
        }
        source.push_str(&" ".repeat(150));
        source.push_str("pass\n");
        assert_eq!(message(&source), Some("too many levels of indentation"));
    }

    #[test]
    fn the_error_says_where() {
        let err = check(&format!("x = 1\ny = {}", "(".repeat(300))).unwrap_err();
        assert_eq!((err.line, err.column), (2, 205));
    }
}
