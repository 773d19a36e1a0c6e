//! Host functions: privileged entry points a script may call with plain
//! data, in the privsep style. The host decides what each call may do; the
//! script never touches the host objects behind them.
//!
//! ```text
//! cargo run -p capy --example host_functions
//! ```

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use anyhow::Result;
use capy::{HostError, Value};

fn main() -> Result<()> {
    let engine = capy::Engine::new()?;
    let inventory: Arc<Mutex<HashMap<String, i64>>> = Arc::new(Mutex::new(HashMap::from([
        ("apple".to_owned(), 3),
        ("pear".to_owned(), 0),
    ])));

    let stock = inventory.clone();
    let orders = inventory.clone();
    let mut sandbox = engine
        .sandbox()
        // Typed arguments: a one-element tuple for one positional argument.
        .function("stock", move |(item,): (String,)| {
            stock
                .lock()
                .unwrap()
                .get(&item)
                .copied()
                .ok_or_else(|| HostError::key(item))
        })
        // The host checks every request; the script cannot bypass it.
        .function("order", move |(item, count): (String, i64)| {
            if count <= 0 {
                return Err(HostError::value("count must be positive"));
            }
            let mut inventory = orders.lock().unwrap();
            let have = inventory
                .get_mut(&item)
                .ok_or_else(|| HostError::key(item.clone()))?;
            if *have < count {
                return Err(HostError::permission(format!("only {have} {item} left")));
            }
            *have -= count;
            Ok(Value::from(*have))
        })
        // Any plain data goes both ways.
        .function("summarise", |(rows,): (Vec<Value>,)| {
            Ok(serde_json::json!({"rows": rows.len()}))
        })
        .build()?;

    let outcome = sandbox.run(
        r#"
print("apples:", stock("apple"))
print("left after ordering 2:", order("apple", 2))
for item, count in [("apple", 5), ("pear", 1), ("plum", 1), ("apple", -1)]:
    try:
        order(item, count)
    except (PermissionError, KeyError, ValueError) as e:
        print(f"order({item!r}, {count}) refused: {type(e).__name__}: {e}")
print(summarise([{"a": 1}, [1, 2], b"bytes", 10**30]))
"#,
    )?;
    print!("{}", outcome.stdout_text());
    if let Some(error) = outcome.error {
        println!("script failed: {error}");
    }
    println!("host inventory now: {:?}", inventory.lock().unwrap());
    Ok(())
}
