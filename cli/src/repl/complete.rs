//! Tab completion at the prompt: the name or dotted path before the
//! cursor, completed by the sandbox itself (so proxies' methods appear as
//! they do to `dir()`).

use std::cell::RefCell;
use std::rc::Rc;

use rustyline::completion::{Completer, Pair};
use rustyline::highlight::Highlighter;
use rustyline::hint::Hinter;
use rustyline::validate::Validator;

use super::session::Session;

/// What Tab inserts at the start of a line: one indentation step.
const INDENT: &str = "    ";

/// rustyline's helper for the REPL. It shares the session with the main
/// loop, which never holds it while reading a line, the only time
/// rustyline calls in here (both run on the main thread).
pub struct ReplHelper {
    pub session: Rc<RefCell<Session>>,
}

impl Completer for ReplHelper {
    type Candidate = Pair;

    fn complete(
        &self,
        line: &str,
        pos: usize,
        _ctx: &rustyline::Context<'_>,
    ) -> rustyline::Result<(usize, Vec<Pair>)> {
        let before = &line[..pos];
        let start = token_start(before);
        let token = &before[start..];
        if token.is_empty() {
            if before.chars().all(char::is_whitespace) {
                return Ok((pos, vec![pair(INDENT, INDENT.to_owned())]));
            }
            return Ok((pos, Vec::new()));
        }
        if token.starts_with(|c: char| c == '.' || c.is_ascii_digit()) {
            return Ok((pos, Vec::new()));
        }
        let Ok(mut session) = self.session.try_borrow_mut() else {
            return Ok((pos, Vec::new()));
        };
        let found = session.complete(token);
        let candidates = found
            .into_iter()
            .map(|full| {
                // Listed by their last part, replaced whole.
                let last = full.rsplit('.').next().unwrap_or(&full).to_owned();
                pair(&last, full)
            })
            .collect();
        Ok((start, candidates))
    }
}

fn pair(display: &str, replacement: String) -> Pair {
    Pair {
        display: display.to_owned(),
        replacement,
    }
}

/// Where the identifier or dotted path that ends at the end of `before`
/// begins.
fn token_start(before: &str) -> usize {
    before
        .char_indices()
        .rev()
        .take_while(|&(_, c)| c == '_' || c == '.' || c.is_alphanumeric())
        .last()
        .map_or(before.len(), |(i, _)| i)
}

impl Hinter for ReplHelper {
    type Hint = String;
}

impl Highlighter for ReplHelper {}

impl Validator for ReplHelper {}

impl rustyline::Helper for ReplHelper {}

#[cfg(test)]
mod tests {
    use super::token_start;

    fn token(before: &str) -> &str {
        &before[token_start(before)..]
    }

    #[test]
    fn the_token_is_the_dotted_path_before_the_cursor() {
        assert_eq!(token("data.rea"), "data.rea");
        assert_eq!(token("x = len(data.rea"), "data.rea");
        assert_eq!(token("print(pri"), "pri");
        assert_eq!(token("a + b"), "b");
        assert_eq!(token("f(x)."), ".");
        assert_eq!(token("f(x) "), "");
        assert_eq!(token(""), "");
        assert_eq!(token("données.ré"), "données.ré");
    }
}
