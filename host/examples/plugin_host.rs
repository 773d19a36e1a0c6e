//! A host application that evaluates a folder of plugin scripts.
//!
//! Each plugin gets a read-only `inbox` directory, its own writable
//! `outbox` directory (with a quota), and one host function, `log`. The
//! host calls each plugin's `run(options)` entry point and reports the
//! result or the error.
//!
//! ```text
//! cargo run -p capy --example plugin_host -- examples/plugins examples/data
//! ```

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{Context, Result};
use capy::{Access, DirGrant, GrantPolicy, Limits};
use serde_json::json;

fn main() -> Result<()> {
    let mut args = std::env::args_os().skip(1).map(PathBuf::from);
    let plugins = args.next().unwrap_or_else(|| "examples/plugins".into());
    let input = args.next().unwrap_or_else(|| "examples/data".into());
    let out_root = tempfile::tempdir()?;

    // One engine for the whole application: compiling or loading the guest
    // happens once.
    let engine = capy::Engine::new()?;
    let messages = Arc::new(Mutex::new(Vec::<String>::new()));

    for script in plugin_files(&plugins)? {
        let name = script.file_stem().unwrap().to_string_lossy().into_owned();
        let source = std::fs::read_to_string(&script)
            .with_context(|| format!("reading {}", script.display()))?;
        let output = out_root.path().join(&name);
        std::fs::create_dir(&output)?;

        let log = messages.clone();
        let plugin_name = name.clone();
        let sandbox = engine
            .sandbox()
            .dir("inbox", &input, Access::ReadOnly)
            .grant(GrantPolicy {
                max_bytes_written: Some(1 << 20),
                max_files_created: Some(10),
                ..GrantPolicy::new(DirGrant {
                    name: "outbox".into(),
                    path: output.clone(),
                    access: Access::ReadWrite,
                })
            })
            .limits(
                Limits::default()
                    .cpu(Duration::from_secs(2))
                    .memory(64 << 20),
            )
            .function("log", move |(message,): (String,)| {
                log.lock()
                    .unwrap()
                    .push(format!("[{plugin_name}] {message}"));
                Ok(())
            })
            .build()?;

        let result = sandbox.load(&source).and_then(|mut plugin| {
            let first: serde_json::Value = plugin.call("run", json!({"min": 1}))?;
            let second: serde_json::Value = plugin.call("run", json!({"min": 2}))?;
            let usage = plugin.total_usage();
            Ok((first, second, usage))
        });
        match result {
            Ok((first, second, usage)) => {
                println!("{name}: ok");
                println!("  first call:  {first}");
                println!("  second call: {second}");
                println!(
                    "  usage: cpu {:?}, memory {} MiB, {} file calls, {} host calls",
                    usage.cpu,
                    usage.memory >> 20,
                    usage.capability_calls,
                    usage.host_function_calls
                );
                for entry in std::fs::read_dir(&output)? {
                    let entry = entry?;
                    println!("  wrote {}", entry.file_name().to_string_lossy());
                }
            }
            Err(error) => println!("{name}: failed: {error}"),
        }
    }
    for message in messages.lock().unwrap().iter() {
        println!("log: {message}");
    }
    Ok(())
}

fn plugin_files(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("reading {}", dir.display()))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.extension().is_some_and(|ext| ext == "py"))
        .collect();
    files.sort();
    Ok(files)
}
