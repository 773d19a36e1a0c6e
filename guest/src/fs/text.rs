//! Text encodings for `read_text`/`write_text` and text-mode files.
//!
//! There is no codec registry in the sandbox (it would need `import`), so
//! the encodings scripts actually use are built in: UTF-8 (the default),
//! ASCII and Latin-1, with the `strict`, `replace` and `ignore` error modes.

use rustpython_vm::{PyResult, VirtualMachine, builtins::PyStrRef, function::OptionalArg};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Encoding {
    Utf8,
    Ascii,
    Latin1,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Errors {
    Strict,
    Replace,
    Ignore,
}

/// An encoding and its error handling.
#[derive(Debug, Clone, Copy)]
pub struct Codec {
    encoding: Encoding,
    errors: Errors,
}

impl Codec {
    /// Parses `encoding=` and `errors=` as Python's `open()` takes them.
    pub fn new(
        encoding: OptionalArg<Option<PyStrRef>>,
        errors: OptionalArg<Option<PyStrRef>>,
        vm: &VirtualMachine,
    ) -> PyResult<Codec> {
        let encoding = match encoding.flatten() {
            None => Encoding::Utf8,
            Some(name) => {
                let name = name
                    .to_string_lossy()
                    .to_ascii_lowercase()
                    .replace(['_', ' '], "-");
                match name.as_str() {
                    "utf-8" | "utf8" | "u8" | "locale" => Encoding::Utf8,
                    "ascii" | "us-ascii" => Encoding::Ascii,
                    "latin-1" | "latin1" | "iso-8859-1" | "iso8859-1" | "l1" => Encoding::Latin1,
                    _ => {
                        return Err(vm.new_lookup_error(format!(
                            "unknown encoding: {name} (the sandbox has utf-8, ascii and latin-1)"
                        )));
                    }
                }
            }
        };
        let errors = match errors.flatten() {
            None => Errors::Strict,
            Some(mode) => match &*mode.to_string_lossy() {
                "strict" => Errors::Strict,
                "replace" => Errors::Replace,
                "ignore" => Errors::Ignore,
                other => {
                    return Err(
                        vm.new_lookup_error(format!("unknown error handler name '{other}'"))
                    );
                }
            },
        };
        Ok(Codec { encoding, errors })
    }

    pub fn name(&self) -> &'static str {
        match self.encoding {
            Encoding::Utf8 => "utf-8",
            Encoding::Ascii => "ascii",
            Encoding::Latin1 => "latin-1",
        }
    }

    pub fn decode(&self, data: &[u8], vm: &VirtualMachine) -> PyResult<String> {
        match self.encoding {
            Encoding::Latin1 => Ok(data.iter().map(|&b| b as char).collect()),
            Encoding::Utf8 => match std::str::from_utf8(data) {
                Ok(text) => Ok(text.to_owned()),
                Err(e) => match self.errors {
                    Errors::Strict => Err(self.decode_error(data, e.valid_up_to(), vm)),
                    Errors::Replace => Ok(String::from_utf8_lossy(data).into_owned()),
                    Errors::Ignore => Ok(String::from_utf8_lossy(data).replace('\u{FFFD}', "")),
                },
            },
            Encoding::Ascii => {
                let mut out = String::with_capacity(data.len());
                for (i, &b) in data.iter().enumerate() {
                    if b.is_ascii() {
                        out.push(b as char);
                    } else {
                        match self.errors {
                            Errors::Strict => return Err(self.decode_error(data, i, vm)),
                            Errors::Replace => out.push('\u{FFFD}'),
                            Errors::Ignore => {}
                        }
                    }
                }
                Ok(out)
            }
        }
    }

    fn decode_error(
        &self,
        data: &[u8],
        at: usize,
        vm: &VirtualMachine,
    ) -> rustpython_vm::builtins::PyBaseExceptionRef {
        // CPython's arguments: encoding, the bytes, start, end, reason.
        vm.new_unicode_decode_error(
            vm.ctx.new_str(self.name()),
            vm.ctx.new_bytes(data.to_vec()),
            at,
            at + 1,
            vm.ctx.new_str(if self.encoding == Encoding::Utf8 {
                "invalid utf-8 sequence"
            } else {
                "ordinal not in range(128)"
            }),
        )
    }

    pub fn encode(&self, text: &PyStrRef, vm: &VirtualMachine) -> PyResult<Vec<u8>> {
        let original = text;
        // Lone surrogates are possible in Python strings; strict refuses them.
        let text = match text.to_str() {
            Some(text) => std::borrow::Cow::Borrowed(text),
            None if self.errors == Errors::Strict => {
                let at = text
                    .as_wtf8()
                    .code_points()
                    .position(|c| c.to_char().is_none())
                    .unwrap_or(0);
                return Err(vm.new_unicode_encode_error(
                    vm.ctx.new_str(self.name()),
                    text.clone(),
                    at,
                    at + 1,
                    vm.ctx.new_str("surrogates not allowed"),
                ));
            }
            None => std::borrow::Cow::Owned(text.to_string_lossy().into_owned()),
        };
        match self.encoding {
            Encoding::Utf8 => Ok(text.as_bytes().to_vec()),
            Encoding::Ascii | Encoding::Latin1 => {
                let max = if self.encoding == Encoding::Ascii {
                    0x7f
                } else {
                    0xff
                };
                let mut out = Vec::with_capacity(text.len());
                for (i, c) in text.chars().enumerate() {
                    if (c as u32) <= max {
                        out.push(c as u8);
                    } else {
                        match self.errors {
                            Errors::Strict => {
                                let reason = if max == 0x7f {
                                    "ordinal not in range(128)"
                                } else {
                                    "ordinal not in range(256)"
                                };
                                return Err(vm.new_unicode_encode_error(
                                    vm.ctx.new_str(self.name()),
                                    original.clone(),
                                    i,
                                    i + 1,
                                    vm.ctx.new_str(reason),
                                ));
                            }
                            Errors::Replace => out.push(b'?'),
                            Errors::Ignore => {}
                        }
                    }
                }
                Ok(out)
            }
        }
    }

    /// The first `max_chars` complete characters of `data` (or all there
    /// are): `(bytes, characters)`, the split point of a text read.
    pub fn char_boundary(&self, data: &[u8], max_chars: usize) -> (usize, usize) {
        match self.encoding {
            Encoding::Ascii | Encoding::Latin1 => {
                let n = data.len().min(max_chars);
                (n, n)
            }
            Encoding::Utf8 => {
                let mut chars = 0;
                let mut i = 0;
                while i < data.len() && chars < max_chars {
                    let width = match data[i] {
                        b if b < 0x80 => 1,
                        b if b >= 0xf0 => 4,
                        b if b >= 0xe0 => 3,
                        b if b >= 0xc0 => 2,
                        _ => 1, // a stray continuation byte: decode reports it
                    };
                    if i + width > data.len() {
                        break;
                    }
                    i += width;
                    chars += 1;
                }
                (i, chars)
            }
        }
    }
}
