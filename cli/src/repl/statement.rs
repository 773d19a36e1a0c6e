//! When is interactive input complete? Groups physical lines into the
//! statements the REPL runs, with CPython's interactive rules:
//!
//! - an open bracket, an unterminated triple-quoted string or a trailing
//!   backslash asks for more lines;
//! - a compound statement (a header ending in `:`, a decorator, or a line
//!   starting with `if`, `for`, `while`, `def`, `class`, `with`, `try`,
//!   `async`) goes on until a blank line;
//! - anything else is complete at the end of its line.
//!
//! One addition for input written as a file (piped or pasted): a block
//! also ends at a line that starts again at the left margin, unless that
//! line continues the statement (`else:`, `elif`, `except`, `finally`) or
//! the line before it opened the block (a header or a decorator). CPython
//! would report a `SyntaxError` there; we run the block, then the line.
//!
//! This is a scanner, not a parser: it only needs to know where strings,
//! comments and brackets are. Anything it lets through that does not
//! compile gets Python's own `SyntaxError` when it runs.

/// Keywords whose statement is a compound one, even on a single line
/// (`for i in x: print(i)` waits for a blank line, as in CPython).
const COMPOUND: &[&str] = &["if", "for", "while", "def", "class", "with", "try", "async"];

/// Keywords that continue a compound statement at the left margin.
const CONTINUATION: &[&str] = &["else", "elif", "except", "finally"];

/// Collects lines until they form a complete statement.
#[derive(Debug, Default)]
pub struct Statements {
    /// The physical lines of the statement so far.
    lines: Vec<String>,
    /// Lexical state at the end of the last line.
    scan: Scan,
    /// The statement is compound: it ends at a blank line (or a dedent).
    block: bool,
    /// The last logical line opened a block (a header or a decorator), so
    /// the next line belongs to it whatever its indentation.
    opens: bool,
    /// The first physical line of the current logical line, while one is
    /// open across lines (brackets, strings, backslashes).
    logical_start: Option<usize>,
}

impl Statements {
    /// An empty buffer.
    pub fn new() -> Statements {
        Statements::default()
    }

    /// Whether a statement has begun and needs more lines (the REPL then
    /// prompts with `... `).
    pub fn is_pending(&self) -> bool {
        !self.lines.is_empty()
    }

    /// Forgets the statement begun so far (Ctrl-C at the prompt).
    pub fn clear(&mut self) {
        *self = Statements::default();
    }

    /// Adds one physical line (without its newline) and returns the
    /// statements it completed, in order: none, one, or two when a line at
    /// the left margin ends a block and is itself complete.
    pub fn push_line(&mut self, line: &str) -> Vec<String> {
        let mut ready = Vec::new();
        if self.block && !self.scan.continues() {
            if line.trim().is_empty() {
                ready.extend(self.take());
                return ready;
            }
            if !self.opens && starts_new_statement(line) {
                ready.extend(self.take());
            }
        }
        if self.lines.is_empty() && is_blank_or_comment(line) {
            // Nothing to run: a blank or comment-only line at `>>> `.
            return ready;
        }

        let continuing = self.scan.continues();
        let (scan, last) = scan_line(self.scan, line);
        self.scan = scan;
        self.lines.push(line.to_owned());
        if !continuing {
            self.logical_start = Some(self.lines.len() - 1);
        }
        if self.scan.continues() {
            return ready;
        }

        // A logical line ended.
        let start = self.logical_start.take().unwrap_or(0);
        let first = self.lines[start].trim_start();
        if last.is_some() {
            let decorator = first.starts_with('@');
            let header = last == Some(':');
            if start == 0 {
                self.block = header || decorator || COMPOUND.contains(&first_word(first));
            }
            self.opens = header || decorator;
        }
        if !self.block {
            ready.extend(self.take());
        }
        ready
    }

    /// At the end of input: whatever was begun, complete or not (an
    /// unfinished one then gets Python's `SyntaxError`).
    pub fn finish(&mut self) -> Option<String> {
        self.take()
    }

    fn take(&mut self) -> Option<String> {
        let lines = std::mem::take(&mut self.lines);
        self.clear();
        if lines.is_empty() {
            return None;
        }
        let mut source = lines.join("\n");
        source.push('\n');
        Some(source)
    }
}

/// A line at the left margin that is code and does not continue the
/// block before it.
fn starts_new_statement(line: &str) -> bool {
    let at_margin = !line.starts_with([' ', '\t', '\x0c']);
    at_margin && !is_blank_or_comment(line) && !CONTINUATION.contains(&first_word(line))
}

fn is_blank_or_comment(line: &str) -> bool {
    let trimmed = line.trim_start();
    trimmed.is_empty() || trimmed.starts_with('#')
}

/// The leading identifier of `line` (already stripped of indentation).
fn first_word(line: &str) -> &str {
    let end = line
        .find(|c: char| !(c == '_' || c.is_alphanumeric()))
        .unwrap_or(line.len());
    &line[..end]
}

/// What the scanner knows at the end of a physical line.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
struct Scan {
    /// Open brackets: `(`, `[`, `{`.
    depth: usize,
    /// The string literal still open, if any.
    string: Option<Quote>,
    /// The line ended in a backslash (outside a comment).
    backslash: bool,
}

impl Scan {
    /// Whether the logical line goes on into the next physical line.
    fn continues(&self) -> bool {
        self.depth > 0 || self.string.is_some() || self.backslash
    }
}

/// An open string literal: its quote character and whether it is tripled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Quote {
    ch: char,
    triple: bool,
}

/// Scans one physical line from `state`; returns the state after it and
/// the last character outside strings and comments that is not
/// whitespace (a closing quote counts as `'"'`).
fn scan_line(state: Scan, line: &str) -> (Scan, Option<char>) {
    let mut scan = Scan {
        backslash: false,
        ..state
    };
    let mut last = None;
    let chars: Vec<char> = line.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if let Some(quote) = scan.string {
            if c == '\\' {
                if i + 1 == chars.len() {
                    // A backslash-newline inside a string continues it.
                    scan.backslash = !quote.triple;
                }
                i += 2;
                continue;
            }
            if c == quote.ch {
                if !quote.triple {
                    scan.string = None;
                    last = Some('"');
                } else if chars[i..].starts_with(&[c, c, c]) {
                    scan.string = None;
                    last = Some('"');
                    i += 3;
                    continue;
                }
            }
            i += 1;
            continue;
        }
        match c {
            '#' => break,
            '\'' | '"' => {
                let triple = chars[i..].starts_with(&[c, c, c]);
                scan.string = Some(Quote { ch: c, triple });
                i += if triple { 3 } else { 1 };
                continue;
            }
            '(' | '[' | '{' => scan.depth += 1,
            ')' | ']' | '}' => scan.depth = scan.depth.saturating_sub(1),
            '\\' if i + 1 == chars.len() => {
                scan.backslash = true;
                i += 1;
                continue;
            }
            _ => {}
        }
        if !c.is_whitespace() {
            last = Some(c);
        }
        i += 1;
    }
    // A one-quote string cannot span lines without a backslash: the
    // line is a syntax error, which Python will report. Close it so the
    // statement ends here.
    if let Some(quote) = scan.string
        && !quote.triple
        && !scan.backslash
    {
        scan.string = None;
    }
    (scan, last)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Feeds `lines` and returns the statements completed after each one.
    fn feed(lines: &[&str]) -> (Vec<String>, Statements) {
        let mut statements = Statements::new();
        let mut ready = Vec::new();
        for line in lines {
            ready.extend(statements.push_line(line));
        }
        (ready, statements)
    }

    fn complete(lines: &[&str]) -> Vec<String> {
        feed(lines).0
    }

    fn pending(lines: &[&str]) -> bool {
        let (ready, statements) = feed(lines);
        assert!(ready.is_empty(), "completed early: {ready:?}");
        statements.is_pending()
    }

    #[test]
    fn a_simple_statement_is_complete_at_its_end() {
        assert_eq!(complete(&["x = 1"]), ["x = 1\n"]);
        assert_eq!(complete(&["x", "y"]), ["x\n", "y\n"]);
        assert_eq!(
            complete(&["print('a:')  # note:"]),
            ["print('a:')  # note:\n"]
        );
        assert_eq!(complete(&["d = {1: 2}"]), ["d = {1: 2}\n"]);
    }

    #[test]
    fn blank_and_comment_lines_alone_run_nothing() {
        assert!(complete(&["", "   ", "# just a note"]).is_empty());
        assert!(!feed(&["", "# note"]).1.is_pending());
    }

    #[test]
    fn a_header_waits_for_a_blank_line() {
        assert!(pending(&["def f(x):"]));
        assert!(pending(&["def f(x):", "    return x + 1"]));
        assert_eq!(
            complete(&["def f(x):", "    return x + 1", ""]),
            ["def f(x):\n    return x + 1\n"]
        );
        // A header with a trailing comment is still a header.
        assert!(pending(&["if x:  # why"]));
    }

    #[test]
    fn blank_lines_end_a_block_even_when_indented() {
        assert_eq!(
            complete(&["for i in x:", "    print(i)", "    "]),
            ["for i in x:\n    print(i)\n"]
        );
    }

    #[test]
    fn a_one_line_compound_statement_waits_for_a_blank_line() {
        assert!(pending(&["while True: pass"]));
        assert_eq!(
            complete(&["for i in x: print(i)", ""]),
            ["for i in x: print(i)\n"]
        );
    }

    #[test]
    fn a_blank_line_right_after_a_header_ends_it() {
        // Python then reports the missing body.
        assert_eq!(complete(&["if x:", ""]), ["if x:\n"]);
    }

    #[test]
    fn continuation_clauses_stay_in_the_block() {
        let lines = [
            "try:",
            "    a()",
            "except ValueError:",
            "    b()",
            "else:",
            "    c()",
            "finally:",
            "    d()",
        ];
        assert!(pending(&lines));
        let mut with_end = lines.to_vec();
        with_end.push("");
        assert_eq!(complete(&with_end), [lines.join("\n") + "\n"]);
        assert!(pending(&[
            "if a:", "    b", "elif c:", "    d", "else:", "    e"
        ]));
    }

    #[test]
    fn decorators_open_a_block() {
        assert!(pending(&["@cache"]));
        assert!(pending(&[
            "@cache",
            "@other(1)",
            "def f():",
            "    return 1"
        ]));
        assert_eq!(
            complete(&["@cache", "def f(): return 1", ""]),
            ["@cache\ndef f(): return 1\n"]
        );
    }

    #[test]
    fn a_line_at_the_margin_ends_a_block_and_runs_after_it() {
        assert_eq!(
            complete(&["def f():", "    return 1", "f()"]),
            ["def f():\n    return 1\n", "f()\n"]
        );
        assert_eq!(
            complete(&["if x: y()", "z = 2"]),
            ["if x: y()\n", "z = 2\n"]
        );
        // The new line may itself begin a block.
        let (ready, statements) = feed(&["def f():", "    return 1", "class A:"]);
        assert_eq!(ready, ["def f():\n    return 1\n"]);
        assert!(statements.is_pending());
    }

    #[test]
    fn a_header_owns_the_next_line_whatever_its_indent() {
        // Python reports the IndentationError; the line is not split off.
        assert_eq!(
            complete(&["def f():", "return 1", ""]),
            ["def f():\nreturn 1\n"]
        );
    }

    #[test]
    fn comments_at_the_margin_do_not_end_a_block() {
        assert!(pending(&[
            "def f():",
            "    a = 1",
            "# note",
            "    return a"
        ]));
    }

    #[test]
    fn open_brackets_continue_across_lines_and_blank_lines() {
        assert!(pending(&["x = ["]));
        assert!(pending(&["x = [", "  1,", ""]));
        assert_eq!(complete(&["x = [", "  1,", "]"]), ["x = [\n  1,\n]\n"]);
        assert_eq!(
            complete(&["f(a,", "  {'k': (1,", "2)})"]),
            ["f(a,\n  {'k': (1,\n2)})\n"]
        );
    }

    #[test]
    fn brackets_inside_strings_and_comments_do_not_count() {
        assert_eq!(complete(&["s = '(['"]), ["s = '(['\n"]);
        assert_eq!(complete(&["x = 1  # ("]), ["x = 1  # (\n"]);
        assert_eq!(
            complete(&[r#"s = "a\"(""#]),
            [concat!(r#"s = "a\"(""#, "\n")]
        );
        // A colon inside a string is not a header.
        assert_eq!(complete(&["s = 'if x:'"]), ["s = 'if x:'\n"]);
    }

    #[test]
    fn triple_quoted_strings_span_lines() {
        assert!(pending(&["s = '''one"]));
        assert!(pending(&["s = \"\"\"one", "", "two ''' still open"]));
        assert_eq!(
            complete(&["s = '''one", "", "two'''"]),
            ["s = '''one\n\ntwo'''\n"]
        );
        assert_eq!(complete(&["s = '''a''' + 'b'"]), ["s = '''a''' + 'b'\n"]);
    }

    #[test]
    fn a_docstring_inside_a_block() {
        let lines = [
            "def f():",
            "    \"\"\"Doc.",
            "",
            "    More.\"\"\"",
            "    return 1",
        ];
        assert!(pending(&lines));
    }

    #[test]
    fn backslashes_continue_lines() {
        assert!(pending(&["x = 1 + \\"]));
        assert_eq!(complete(&["x = 1 + \\", "  2"]), ["x = 1 + \\\n  2\n"]);
        assert!(pending(&["s = 'abc\\"]));
        assert_eq!(complete(&["s = 'abc\\", "def'"]), ["s = 'abc\\\ndef'\n"]);
        // A backslash in a comment is just text.
        assert_eq!(complete(&["x = 1  # \\"]), ["x = 1  # \\\n"]);
    }

    #[test]
    fn an_unterminated_one_quote_string_ends_the_statement() {
        // Python reports it; the REPL must not wait forever.
        assert_eq!(complete(&["s = 'abc"]), ["s = 'abc\n"]);
    }

    #[test]
    fn a_header_inside_brackets_is_not_a_header() {
        assert!(pending(&["d = {"]));
        assert_eq!(complete(&["d = {", "'a':", "1}"]), ["d = {\n'a':\n1}\n"]);
    }

    #[test]
    fn clear_forgets_the_statement() {
        let (_, mut statements) = feed(&["def f():", "    pass"]);
        statements.clear();
        assert!(!statements.is_pending());
        assert_eq!(statements.push_line("1"), ["1\n"]);
    }

    #[test]
    fn finish_returns_what_was_begun() {
        let (_, mut statements) = feed(&["def f():", "    return 1"]);
        assert_eq!(
            statements.finish().as_deref(),
            Some("def f():\n    return 1\n")
        );
        assert_eq!(statements.finish(), None);
    }

    #[test]
    fn names_that_start_with_a_keyword_are_not_keywords() {
        assert_eq!(complete(&["iffy = 1"]), ["iffy = 1\n"]);
        assert_eq!(complete(&["format(1)"]), ["format(1)\n"]);
    }
}
