//! Embedding: plugins with entry points, plain data across the boundary,
//! host functions, async hosts, revocation, interrupts, and many sandboxes
//! on many threads.

use std::time::Duration;

use capy::{Access, Error, HostError, RunError, Value};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::engine;
use crate::tree::Tree;

fn load(source: &str) -> capy::Plugin {
    engine()
        .sandbox()
        .build()
        .unwrap()
        .load(source)
        .expect("plugin loads")
}

fn exception(error: Error) -> capy::PythonException {
    match error {
        Error::Run(RunError::Exception(exception)) => exception,
        other => panic!("expected a Python exception, got {other:?}"),
    }
}

#[test]
fn a_plugin_keeps_its_state_between_calls() {
    let mut plugin = load(
        "seen = []\n\
         def add(item):\n    seen.append(item)\n    return len(seen)\n\
         def items():\n    return seen\n",
    );
    assert_eq!(plugin.call::<i64>("add", "a").unwrap(), 1);
    assert_eq!(plugin.call::<i64>("add", json!({"b": 2})).unwrap(), 2);
    assert_eq!(
        plugin.call_args::<serde_json::Value>("items", ()).unwrap(),
        json!(["a", {"b": 2}])
    );
}

#[test]
fn arguments_and_results_round_trip() {
    let mut plugin = load("def echo(*args):\n    return list(args)\n");
    let cases = [
        json!(null),
        json!(true),
        json!(-7),
        json!(1.5),
        json!("unicode: héllo ☃ 🐍"),
        json!([1, [2, [3, []]], {"k": [null, false]}]),
        json!({"nested": {"list": [1, 2.5, "x"], "empty": {}}}),
        json!(u64::MAX),
    ];
    for case in cases {
        let back: serde_json::Value = plugin.call("echo", &case).unwrap();
        assert_eq!(back, json!([case]));
    }
    // Values serde_json cannot hold: big ints, bytes, non-string keys.
    let big = Value::from_decimal("123456789012345678901234567890123456789").unwrap();
    let rich = Value::Dict(vec![
        (Value::Int(1), Value::Bytes(vec![0, 159, 255])),
        (Value::from("big"), big.clone()),
        (Value::from("neg"), Value::from(i128::MIN)),
        (Value::from("inf"), Value::Float(f64::INFINITY)),
    ]);
    let back: Value = plugin.call("echo", &rich).unwrap();
    assert_eq!(back, Value::List(vec![rich]));
    // Python sees real ints and bytes, and computes with them.
    let mut math = load("def f(b, n):\n    return [len(b), b[1], n * 2, type(n).__name__]\n");
    let back: Value = math
        .call_args("f", (Value::Bytes(vec![1, 2, 3]), big))
        .unwrap();
    assert_eq!(
        back,
        Value::List(vec![
            Value::Int(3),
            Value::Int(2),
            Value::from_decimal("246913578024691357802469135780246913578").unwrap(),
            Value::from("int"),
        ])
    );
}

#[test]
fn typed_structs_cross_as_dicts() {
    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    struct Order {
        id: u32,
        items: Vec<String>,
        note: Option<String>,
    }
    let mut plugin = load(
        "def fulfil(order):\n    order['items'] = [i.upper() for i in order['items']]\n    \
         order['note'] = 'done'\n    return order\n",
    );
    let order = Order {
        id: 7,
        items: vec!["tea".into(), "cake".into()],
        note: None,
    };
    let done: Order = plugin.call("fulfil", &order).unwrap();
    assert_eq!(
        done,
        Order {
            id: 7,
            items: vec!["TEA".into(), "CAKE".into()],
            note: Some("done".into()),
        }
    );
}

#[test]
fn a_plugin_exception_is_a_typed_error_with_message_and_traceback() {
    let mut plugin = load(
        "def check(x):\n    if x < 0:\n        raise ValueError(f'negative: {x}')\n    return x\n",
    );
    let exc = exception(plugin.call::<i64>("check", -3).unwrap_err());
    assert_eq!(exc.type_name, "ValueError");
    assert_eq!(exc.message, "negative: -3");
    assert!(
        exc.traceback.contains("line 3, in check"),
        "{}",
        exc.traceback
    );
    // The plugin is still usable.
    assert_eq!(plugin.call::<i64>("check", 4).unwrap(), 4);
}

#[test]
fn missing_functions_and_bad_arguments_are_typed_errors() {
    let mut plugin =
        load("def one(x):\n    return x\nvalue = 3\ndef broken(x):\n    return len(x)\n");
    assert!(matches!(
        plugin.call::<i64>("nope", 1).unwrap_err(),
        Error::NoSuchFunction(name) if name == "nope"
    ));
    // A global that is not callable is not a function.
    assert!(matches!(
        plugin.call::<i64>("value", 1).unwrap_err(),
        Error::NoSuchFunction(_)
    ));
    match plugin.call_args::<i64>("one", (1, 2)).unwrap_err() {
        Error::BadArguments { function, message } => {
            assert_eq!(function, "one");
            assert!(message.contains("TypeError"), "{message}");
        }
        other => panic!("expected BadArguments, got {other:?}"),
    }
    // A TypeError raised inside the function is the function's exception,
    // not a bad call.
    assert_eq!(
        exception(plugin.call::<i64>("broken", 5).unwrap_err()).type_name,
        "TypeError"
    );
    // Not a sequence of positional arguments.
    assert!(matches!(
        plugin.call_args::<i64>("one", 5).unwrap_err(),
        Error::BadArguments { .. }
    ));
    // A result that does not fit the type asked for.
    assert!(matches!(
        plugin.call::<i64>("one", "text").unwrap_err(),
        Error::BadResult { .. }
    ));
}

#[test]
fn keyword_arguments_reach_the_function_as_in_python() {
    let mut plugin = load(
        "def greet(name, punct='.', *, times=1):\n    return (name + punct) * times\n\
         def collect(*args, **kwargs):\n    return [list(args), sorted(kwargs.items())]\n",
    );
    let text: String = plugin
        .call_kwargs("greet", ("capy",), json!({"punct": "!", "times": 2}))
        .unwrap();
    assert_eq!(text, "capy!capy!");
    // No keywords at all, as `()` or an empty map.
    let text: String = plugin.call_kwargs("greet", ("a",), ()).unwrap();
    assert_eq!(text, "a.");
    let seen: serde_json::Value = plugin
        .call_kwargs("collect", (1, 2), json!({"b": 2, "a": [1]}))
        .unwrap();
    assert_eq!(seen, json!([[1, 2], [["a", [1]], ["b", 2]]]));
    // A keyword the function does not take is a bad call, as in Python.
    match plugin.call_kwargs::<String>("greet", ("a",), json!({"colour": 1})) {
        Err(Error::BadArguments { function, message }) => {
            assert_eq!(function, "greet");
            assert!(message.contains("colour"), "{message}");
        }
        other => panic!("expected BadArguments, got {other:?}"),
    }
    // Keywords must be a map with string keys.
    for kwargs in [json!([1, 2]), json!(3)] {
        assert!(matches!(
            plugin.call_kwargs::<String>("greet", ("a",), kwargs),
            Err(Error::BadArguments { .. })
        ));
    }
    let numbered = std::collections::BTreeMap::from([(1, "x")]);
    match plugin.call_kwargs::<String>("greet", ("a",), numbered) {
        Err(Error::BadArguments { message, .. }) => {
            assert!(message.contains("must be strings"), "{message}");
        }
        other => panic!("expected BadArguments, got {other:?}"),
    }
}

#[test]
fn a_result_that_is_not_plain_data_is_refused() {
    let mut plugin =
        load("def f():\n    return f\ndef g():\n    return {[1]: 2} if False else object()\n");
    for name in ["f", "g"] {
        match plugin.call_args::<Value>(name, ()).unwrap_err() {
            Error::BadResult { message, .. } => {
                assert!(message.contains("cannot cross"), "{message}")
            }
            other => panic!("expected BadResult, got {other:?}"),
        }
    }
}

#[test]
fn a_plugin_whose_top_level_fails_does_not_load() {
    let sandbox = engine().sandbox().build().unwrap();
    let err = sandbox
        .load("def f(): pass\nraise RuntimeError('no config')")
        .err()
        .unwrap();
    assert_eq!(exception(err).message, "no config");
}

#[test]
fn a_time_limit_hit_in_one_call_leaves_the_plugin_usable() {
    let mut plugin = engine()
        .sandbox()
        .limits(capy::Limits::default().cpu(Duration::from_millis(200)))
        .build()
        .unwrap()
        .load("calls = 0\ndef spin():\n    while True:\n        pass\ndef count():\n    global calls\n    calls += 1\n    return calls\n")
        .unwrap();
    assert_eq!(plugin.call_args::<i64>("count", ()).unwrap(), 1);
    match plugin.call_args::<Value>("spin", ()).unwrap_err() {
        Error::Run(RunError::LimitExceeded(capy::Limit::Cpu(d))) => {
            assert_eq!(d, Duration::from_millis(200))
        }
        other => panic!("expected a CPU limit, got {other:?}"),
    }
    // The state survived the limit.
    assert_eq!(plugin.call_args::<i64>("count", ()).unwrap(), 2);
}

#[test]
fn a_total_cpu_budget_spans_all_calls() {
    let mut plugin = engine()
        .sandbox()
        .limits(
            capy::Limits::default()
                .cpu(Duration::from_secs(5))
                .total_cpu(Duration::from_millis(300)),
        )
        .build()
        .unwrap()
        .load("def work():\n    n = 0\n    for i in range(200000):\n        n += i\n    return n\n")
        .unwrap();
    let mut calls = 0;
    let error = loop {
        match plugin.call_args::<i64>("work", ()) {
            Ok(_) => calls += 1,
            Err(error) => break error,
        }
        assert!(calls < 10_000, "the total budget never ran out");
    };
    assert!(calls >= 1, "the first call should fit in the budget");
    assert!(
        matches!(
            error,
            Error::Run(RunError::LimitExceeded(capy::Limit::TotalCpu(_)))
        ),
        "{error:?}"
    );
    assert!(plugin.total_usage().cpu >= Duration::from_millis(300));
}

#[test]
fn a_hard_limit_stops_the_plugin_but_not_the_engine() {
    let mut plugin = engine()
        .sandbox()
        .limits(capy::Limits::default().output(10))
        .build()
        .unwrap()
        .load("def shout():\n    print('x' * 100)\n")
        .unwrap();
    assert!(matches!(
        plugin.call_args::<Value>("shout", ()).unwrap_err(),
        Error::Run(RunError::LimitExceeded(capy::Limit::Output(10)))
    ));
    assert!(matches!(
        plugin.call_args::<Value>("shout", ()).unwrap_err(),
        Error::Stopped(_)
    ));
    let mut other = load("def ok():\n    return 'fine'\n");
    assert_eq!(other.call_args::<String>("ok", ()).unwrap(), "fine");
}

#[test]
fn calls_report_output_and_usage() {
    let tree = Tree::new();
    tree.file("grant/h.txt", "hello");
    let mut plugin = engine()
        .sandbox()
        .dir("data", tree.grant(), Access::ReadOnly)
        .function("ping", |(): ()| Ok("pong"))
        .build()
        .unwrap()
        .load("def go():\n    print('working')\n    ping()\n    return data.joinpath('h.txt').read_text() + data.joinpath('h.txt').read_text()\n")
        .unwrap();
    assert_eq!(plugin.call_args::<String>("go", ()).unwrap(), "hellohello");
    let usage = plugin.last_usage();
    assert_eq!(usage.capability_calls, 2);
    assert_eq!(usage.host_function_calls, 1);
    assert!(
        usage.memory >= 1 << 20 && usage.memory <= 256 << 20,
        "{usage:?}"
    );
    assert!(usage.wall >= usage.cpu);
    assert_eq!(plugin.take_output().0, b"working\n");
    assert_eq!(plugin.take_output().0, b"");
}

#[test]
fn host_functions_receive_and_return_plain_data() {
    let mut sandbox = engine()
        .sandbox()
        .function("add", |(a, b): (i64, i64)| Ok(a + b))
        .function("describe", |args: Vec<Value>| {
            Ok(args.iter().map(Value::type_name).collect::<Vec<_>>())
        })
        .function("lookup", |(key,): (String,)| match key.as_str() {
            "known" => Ok(json!({"found": true, "tags": ["a", "b"]})),
            _ => Err(HostError::key(key)),
        })
        .build()
        .unwrap();
    let outcome = sandbox
        .run(
            "print(add(2, 40))\n\
             print(describe(None, 1, 2.0, 'x', b'y', [1], (2,), {'k': 1}, True))\n\
             print(lookup('known'))\n\
             try:\n    lookup('missing')\nexcept KeyError as e:\n    print('KeyError', e)\n\
             print(add)\n",
        )
        .unwrap();
    assert_eq!(outcome.error, None, "{}", outcome.stderr_text());
    assert_eq!(
        outcome.stdout_text(),
        "42\n\
         ['NoneType', 'int', 'float', 'str', 'bytes', 'list', 'list', 'dict', 'bool']\n\
         {'found': True, 'tags': ['a', 'b']}\n\
         KeyError 'missing'\n\
         <host function add>\n"
    );
}

#[test]
fn host_function_errors_are_catchable_python_exceptions() {
    let mut sandbox = engine()
        .sandbox()
        .function("fail", |(kind,): (String,)| -> Result<(), HostError> {
            Err(match kind.as_str() {
                "value" => HostError::value("bad value"),
                "permission" => HostError::permission("not allowed"),
                // Another error's text reaches the script only when the host
                // function says so (there is no blanket `From`).
                _ => HostError::runtime("x".parse::<i32>().unwrap_err().to_string()),
            })
        })
        .function("add", |(a, b): (i64, i64)| Ok(a + b))
        .build()
        .unwrap();
    let outcome = sandbox
        .run(
            "for kind in ['value', 'permission', 'other']:\n    \
                 try:\n        fail(kind)\n    except Exception as e:\n        \
                 print(type(e).__name__, e)\n\
             for bad in [lambda: add(1), lambda: add('a', 'b'), lambda: add(1, b=2), lambda: add(object(), 1)]:\n    \
                 try:\n        bad()\n    except TypeError as e:\n        print('TypeError')\n",
        )
        .unwrap();
    assert_eq!(outcome.error, None, "{}", outcome.stderr_text());
    assert_eq!(
        outcome.stdout_text(),
        "ValueError bad value\nPermissionError not allowed\n\
         RuntimeError invalid digit found in string\n\
         TypeError\nTypeError\nTypeError\nTypeError\n"
    );
}

#[test]
fn host_functions_hand_over_no_host_objects() {
    let mut sandbox = engine()
        .sandbox()
        .function("f", |(): ()| Ok(1))
        .build()
        .unwrap();
    let outcome = sandbox
        .run(
            "print(vars(f) if hasattr(f, '__dict__') else 'no dict')\n\
             print([a for a in dir(f) if not a.startswith('__')])\n\
             try:\n    type(f)('g')\nexcept TypeError:\n    print('cannot make one')\n",
        )
        .unwrap();
    assert_eq!(outcome.error, None, "{}", outcome.stderr_text());
    assert_eq!(outcome.stdout_text(), "no dict\n[]\ncannot make one\n");
}

#[test]
fn the_policy_decides_which_host_functions_a_sandbox_gets() {
    let policy =
        capy::Policy::from_toml_str("functions = [\"allowed\"]\n", std::path::Path::new("."))
            .unwrap();
    let mut sandbox = engine()
        .sandbox()
        .function("allowed", |(): ()| Ok(1))
        .function("secret", |(): ()| Ok(2))
        .policy(&policy)
        .build()
        .unwrap();
    let outcome = sandbox.run("print(allowed())\nprint(secret())").unwrap();
    assert_eq!(outcome.stdout_text(), "1\n");
    assert!(matches!(outcome.error, Some(RunError::Exception(e)) if e.type_name == "NameError"));

    let policy =
        capy::Policy::from_toml_str("functions = [\"ghost\"]\n", std::path::Path::new("."))
            .unwrap();
    let err = engine().sandbox().policy(&policy).build().err().unwrap();
    assert!(err.to_string().contains("`ghost`"), "{err}");
}

#[test]
fn host_function_names_must_not_clash_with_grants_or_builtins() {
    let tree = Tree::new();
    let err = engine()
        .sandbox()
        .dir("data", tree.grant(), Access::ReadOnly)
        .function("data", |(): ()| Ok(1))
        .build()
        .err()
        .unwrap();
    assert!(matches!(err, Error::Grant(_)), "{err}");
    let err = engine()
        .sandbox()
        .function("print", |(): ()| Ok(1))
        .build()
        .err()
        .unwrap();
    assert!(matches!(err, Error::Grant(_)), "{err}");
}

#[test]
fn host_function_calls_are_audited() {
    let log = crate::fs::SharedBuffer::default();
    let mut sandbox = engine()
        .sandbox()
        .function("ping", |(): ()| Ok("pong"))
        .function("fail", |(): ()| -> Result<(), HostError> {
            Err(HostError::value("no"))
        })
        .audit(log.clone())
        .build()
        .unwrap();
    sandbox
        .run("ping()\ntry:\n    fail()\nexcept ValueError:\n    pass")
        .unwrap();
    let text = String::from_utf8(log.0.lock().unwrap().clone()).unwrap();
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert_eq!(lines[0]["function"], "ping");
    assert_eq!(lines[0]["op"], "call");
    assert_eq!(lines[0]["outcome"], "ok");
    assert_eq!(lines[1]["function"], "fail");
    assert_eq!(lines[1]["outcome"], "error");
}

#[test]
fn revoking_a_grant_turns_later_calls_into_permission_errors() {
    let tree = Tree::new();
    tree.file("grant/s.txt", "secret");
    let mut plugin = engine()
        .sandbox()
        .dir("data", tree.grant(), Access::ReadOnly)
        .build()
        .unwrap()
        .load("f = data.joinpath('s.txt').open()\ndef read():\n    return data.joinpath('s.txt').read_text()\ndef read_open():\n    return f.read()\n")
        .unwrap();
    assert_eq!(plugin.call_args::<String>("read", ()).unwrap(), "secret");
    plugin.handle().revoke_grant("data");
    for name in ["read", "read_open"] {
        let exc = exception(plugin.call_args::<String>(name, ()).unwrap_err());
        assert_eq!(exc.type_name, "PermissionError", "{name}");
    }
}

#[test]
fn revoking_a_host_function_turns_later_calls_into_permission_errors() {
    let mut sandbox = engine()
        .sandbox()
        .function("ping", |(): ()| Ok("pong"))
        .build()
        .unwrap();
    assert_eq!(
        sandbox.run("print(ping())").unwrap().stdout_text(),
        "pong\n"
    );
    sandbox.handle().revoke_function("ping");
    let outcome = sandbox
        .run("try:\n    ping()\nexcept PermissionError as e:\n    print('revoked:', e)")
        .unwrap();
    assert_eq!(
        outcome.stdout_text(),
        "revoked: host function ping() was revoked\n"
    );
}

#[test]
fn interrupt_raises_keyboard_interrupt_and_keeps_the_session() {
    let mut sandbox = engine().sandbox().build().unwrap();
    sandbox.run("state = 'kept'").unwrap();
    let handle = sandbox.handle();
    let interrupter = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(200));
        handle.interrupt();
    });
    let outcome = sandbox.run("while True:\n    pass").unwrap();
    interrupter.join().unwrap();
    match outcome.error {
        Some(RunError::Exception(e)) => assert_eq!(e.type_name, "KeyboardInterrupt"),
        other => panic!("expected KeyboardInterrupt, got {other:?}"),
    }
    assert_eq!(sandbox.run("print(state)").unwrap().stdout_text(), "kept\n");
}

#[test]
fn terminate_ends_even_a_script_that_swallows_interrupts() {
    let mut sandbox = engine().sandbox().build().unwrap();
    let handle = sandbox.handle();
    let stopper = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(100));
        handle.interrupt();
        std::thread::sleep(Duration::from_millis(100));
        handle.terminate();
    });
    let outcome = sandbox
        .run("while True:\n    try:\n        while True:\n            pass\n    except BaseException:\n        pass")
        .unwrap();
    stopper.join().unwrap();
    assert_eq!(outcome.error, Some(RunError::Terminated));
    assert!(matches!(sandbox.run("1").unwrap_err(), Error::Stopped(_)));
}

/// An interrupt that lands while a sandbox sets itself up (its first run
/// grants modules and builds `__main__` before the script starts) is
/// delivered to the script or dropped, never a crash: it used to panic the
/// guest at "grant modules" in about a third of such tries.
#[test]
fn an_interrupt_during_the_first_runs_set_up_never_crashes() {
    for attempt in 0..60u64 {
        let mut sandbox = engine().sandbox().build().unwrap();
        let handle = sandbox.handle();
        let delay = Duration::from_micros(attempt * 15);
        let interrupter = std::thread::spawn(move || {
            std::thread::sleep(delay);
            handle.interrupt();
        });
        let outcome = sandbox.run("total = sum(range(20000))").unwrap();
        interrupter.join().unwrap();
        match &outcome.error {
            None => {}
            Some(RunError::Exception(e)) if e.type_name == "KeyboardInterrupt" => {}
            other => {
                panic!("attempt {attempt}: expected success or KeyboardInterrupt, got {other:?}")
            }
        }
        let after = sandbox.run("print(sum(range(10)))").unwrap();
        assert_eq!(
            after.stdout_text(),
            "45\n",
            "attempt {attempt}: {:?}",
            after.error
        );
    }
}

/// The same for a CPU limit so small that it runs out during set-up.
#[test]
fn a_tiny_cpu_limit_on_the_first_run_is_a_limit_not_a_crash() {
    for micros in [20, 50, 100, 200, 400] {
        let mut sandbox = engine()
            .sandbox()
            .limits(capy::Limits::default().cpu(Duration::from_micros(micros)))
            .build()
            .unwrap();
        let outcome = sandbox.run("for i in range(10**6): pass").unwrap();
        assert!(
            matches!(
                outcome.error,
                Some(RunError::LimitExceeded(capy::Limit::Cpu(_)))
            ),
            "{micros} µs: {:?}",
            outcome.error
        );
    }
}

#[test]
fn a_terminate_between_runs_stops_the_sandbox_at_once() {
    let mut sandbox = engine().sandbox().build().unwrap();
    assert_eq!(sandbox.run("print(1)").unwrap().error, None);
    sandbox.handle().terminate();
    assert!(sandbox.is_stopped(), "stopped as soon as terminated");
    // Neither a short run nor one longer than an epoch tick runs now.
    for source in ["1", "for i in range(10**6): pass"] {
        match sandbox.run(source) {
            Err(Error::Stopped(reason)) => assert!(reason.contains("terminated"), "{reason}"),
            other => panic!("expected Stopped, got {other:?}"),
        }
    }
}

#[test]
fn a_terminate_before_the_first_run_or_call_means_neither_starts() {
    let mut sandbox = engine().sandbox().build().unwrap();
    sandbox.handle().terminate();
    assert!(matches!(sandbox.run("1"), Err(Error::Stopped(_))));
    let mut plugin = engine()
        .sandbox()
        .build()
        .unwrap()
        .load("def f():\n    return 1\n")
        .unwrap();
    plugin.handle().terminate();
    let called = plugin.call_values("f", capy::Value::List(vec![]), capy::Value::Dict(vec![]));
    assert!(matches!(called, Err(Error::Stopped(_))), "{called:?}");
}

#[test]
fn eight_threads_run_sandboxes_concurrently_with_separate_results() {
    let threads: Vec<_> = (0..8)
        .map(|i| {
            std::thread::spawn(move || {
                let mut plugin = engine()
                    .sandbox()
                    .build()
                    .unwrap()
                    .load(&format!(
                        "me = {i}\ndef work(n):\n    return [me, sum(range(n))]\n"
                    ))
                    .unwrap();
                (0..5)
                    .map(|round| plugin.call::<(i64, i64)>("work", 1000 * round).unwrap())
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    for (i, thread) in threads.into_iter().enumerate() {
        let results = thread.join().unwrap();
        for (round, (me, total)) in results.into_iter().enumerate() {
            let n = 1000 * round as i64;
            assert_eq!((me, total), (i as i64, n * (n - 1) / 2));
        }
    }
}

#[test]
fn a_sandbox_cannot_see_another_sandboxes_patches_or_grants() {
    let tree = Tree::new();
    tree.file("grant/m.txt", "mine");
    let mut first = engine()
        .sandbox()
        .dir("data", tree.grant(), Access::ReadWrite)
        .function("secret_fn", |(): ()| Ok("secret"))
        .build()
        .unwrap();
    first
        .run(
            "import_ = None\n\
             __builtins__['len'] = lambda x: 99\n\
             __builtins__['print'] = lambda *a: None\n\
             int.__doc__\n\
             shared = 'first'\n",
        )
        .unwrap();
    let mut second = engine().sandbox().build().unwrap();
    let outcome = second
        .run(
            "print(len([1, 2]))\n\
             print([n for n in ('data', 'secret_fn', 'shared') if n in globals() or n in dir(__builtins__)])\n",
        )
        .unwrap();
    assert_eq!(outcome.error, None, "{}", outcome.stderr_text());
    assert_eq!(outcome.stdout_text(), "2\n[]\n");
}

#[test]
fn async_host_functions_can_await_timers() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let mut sandbox = engine()
            .sandbox()
            .function_async("fetch", |(key,): (String,)| async move {
                tokio::time::sleep(Duration::from_millis(50)).await;
                Ok::<_, HostError>(format!("value of {key}"))
            })
            .build_async()
            .await
            .unwrap();
        let started = std::time::Instant::now();
        let outcome = sandbox
            .run_async("print(fetch('a'))\nprint(fetch('b'))")
            .await
            .unwrap();
        assert_eq!(outcome.error, None, "{}", outcome.stderr_text());
        assert_eq!(outcome.stdout_text(), "value of a\nvalue of b\n");
        assert!(started.elapsed() >= Duration::from_millis(100));
        // Time awaiting the host is not the script's CPU time.
        assert!(
            outcome.usage.cpu < Duration::from_millis(100),
            "{:?}",
            outcome.usage
        );
    });
}

#[test]
fn a_long_script_does_not_block_the_async_executor() {
    // One worker thread: if the guest never yielded, the ticker task could
    // not run until the script ended.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let ticks = std::sync::Arc::new(std::sync::atomic::AtomicU32::new(0));
        let counter = ticks.clone();
        let ticker = tokio::spawn(async move {
            loop {
                tokio::time::sleep(Duration::from_millis(5)).await;
                counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            }
        });
        let mut plugin = engine()
            .sandbox()
            .build_async()
            .await
            .unwrap()
            .load_async(
                "def spin(n):\n    x = 0\n    for i in range(n):\n        x += i\n    return x\n",
            )
            .await
            .unwrap();
        let started = std::time::Instant::now();
        let mut n = 100_000;
        // Long enough to span many epoch ticks (10 ms each).
        while started.elapsed() < Duration::from_millis(300) {
            let _: i64 = plugin.call_async("spin", n).await.unwrap();
            n *= 2;
        }
        ticker.abort();
        let ticks = ticks.load(std::sync::atomic::Ordering::Relaxed);
        assert!(ticks >= 5, "the executor ran only {ticks} ticks in 300 ms");
    });
}

#[test]
fn the_blocking_api_works_inside_an_async_runtime() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let mut sandbox = engine()
            .sandbox()
            .function_async("later", |(): ()| async {
                tokio::time::sleep(Duration::from_millis(1)).await;
                Ok::<_, HostError>(5)
            })
            .build()
            .unwrap();
        assert_eq!(sandbox.run("print(later())").unwrap().stdout_text(), "5\n");
        // Dropping it here, on the executor's thread, must not panic.
        drop(sandbox);
    });
}

#[test]
fn deep_values_are_refused_not_overflowed() {
    let mut plugin = load(
        "def deep(n):\n    v = []\n    for _ in range(n):\n        v = [v]\n    return v\n\
         def depth(v):\n    d = 0\n    while v:\n        v = v[0]\n        d += 1\n    return d\n",
    );
    let ok: Value = plugin.call("deep", 100).unwrap();
    assert_eq!(plugin.call::<i64>("depth", &ok).unwrap(), 100);
    assert!(matches!(
        plugin.call::<Value>("deep", 100_000).unwrap_err(),
        Error::BadResult { .. }
    ));
    let mut deep = Value::None;
    for _ in 0..1000 {
        deep = Value::List(vec![deep]);
    }
    assert!(matches!(
        plugin.call::<i64>("depth", &deep).unwrap_err(),
        Error::BadArguments { .. }
    ));
}

#[test]
fn sandboxes_plugins_and_handles_move_between_threads() {
    fn is_send<T: Send>() {}
    fn is_send_sync<T: Send + Sync>() {}
    is_send::<capy::Sandbox>();
    is_send::<capy::Plugin>();
    is_send_sync::<capy::Engine>();
    is_send_sync::<capy::SandboxHandle>();
    // And for real: built on one thread, used on another.
    let mut plugin = load("def hello(name):\n    return f'hello {name}'\n");
    let greeting = std::thread::spawn(move || plugin.call::<String>("hello", "thread").unwrap())
        .join()
        .unwrap();
    assert_eq!(greeting, "hello thread");
}

#[test]
fn a_panicking_host_function_is_a_runtime_error_and_the_sandbox_goes_on() {
    // Issue 23 item 10: a panic used to unwind out of `run()` and leave a
    // sandbox whose next run crashed. It is caught: the script gets a
    // RuntimeError naming the function (not the panic's text, which is the
    // host's), and later runs work.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let mut sandbox = engine()
            .sandbox()
            .function("boom", |(): ()| -> Result<(), HostError> {
                panic!("secret host detail")
            })
            .function_async("later_boom", |(): ()| async {
                tokio::task::yield_now().await;
                if true {
                    panic!("secret host detail");
                }
                Ok::<_, HostError>(1)
            })
            .function("fine", |(): ()| Ok(7))
            .build_async()
            .await
            .unwrap();
        let outcome = sandbox
            .run_async(
                "for f in (boom, later_boom):\n    try:\n        f()\n    except RuntimeError as e:\n        print(type(e).__name__, e)\n",
            )
            .await
            .unwrap();
        assert_eq!(outcome.error, None, "{}", outcome.stderr_text());
        assert_eq!(
            outcome.stdout_text(),
            "RuntimeError host function boom() panicked\n\
             RuntimeError host function later_boom() panicked\n"
        );
        assert!(!sandbox.is_stopped());
        let outcome = sandbox.run_async("print(fine())").await.unwrap();
        assert_eq!(outcome.stdout_text(), "7\n");
    });
}

#[test]
fn a_panicking_output_callback_loses_no_output_and_no_sandbox() {
    let mut sandbox = engine()
        .sandbox()
        .stream_output(|_, _| panic!("embedder bug"))
        .build()
        .unwrap();
    let outcome = sandbox.run("print('a')\nprint('b')").unwrap();
    assert_eq!(outcome.error, None, "{}", outcome.stderr_text());
    assert_eq!(outcome.stdout_text(), "a\nb\n");
    assert!(!sandbox.is_stopped());
    assert_eq!(sandbox.run("print(1 + 1)").unwrap().stdout_text(), "2\n");
}

#[test]
fn dropping_a_run_future_mid_call_stops_the_sandbox_cleanly() {
    // Issue 23 item 10: the next run used to fail as a crash ("cannot enter
    // component instance"). The guest was abandoned mid-call, so the
    // sandbox is stopped and says why.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let mut sandbox = engine()
            .sandbox()
            .function_async("never", |(): ()| async {
                std::future::pending::<()>().await;
                Ok::<_, HostError>(())
            })
            .build_async()
            .await
            .unwrap();
        let abandoned =
            tokio::time::timeout(Duration::from_millis(200), sandbox.run_async("never()")).await;
        assert!(abandoned.is_err(), "the run cannot finish");
        assert!(sandbox.is_stopped());
        match sandbox.run_async("print(1)").await {
            Err(capy::Error::Stopped(reason)) => {
                assert!(reason.contains("dropped"), "{reason}");
            }
            other => panic!("expected Error::Stopped, got {other:?}"),
        }
    });
}

/// A script that waits on `never()`, an async host function that never
/// finishes, and flags the moment its future is first polled.
fn sandbox_waiting_forever(limits: capy::Limits) -> (capy::Sandbox, std::sync::mpsc::Receiver<()>) {
    let (polled_tx, polled_rx) = std::sync::mpsc::sync_channel(1);
    let sandbox = engine()
        .sandbox()
        .limits(limits)
        .function_async("never", move |(): ()| {
            let polled = polled_tx.clone();
            async move {
                let _ = polled.try_send(());
                std::future::pending::<()>().await;
                Ok::<_, HostError>(())
            }
        })
        .build()
        .unwrap();
    (sandbox, polled_rx)
}

#[test]
fn an_async_host_call_that_never_finishes_ends_at_the_wall_limit() {
    // Issue 23 item 9: the blocking `run` used to hang for good. The call
    // is abandoned when the wall budget runs out: the script gets a
    // RuntimeError, then the limit to unwind from, and the sandbox lives on.
    let wall = Duration::from_millis(300);
    let (mut sandbox, _polled) = sandbox_waiting_forever(capy::Limits::default().wall(wall));
    let started = std::time::Instant::now();
    let outcome = sandbox
        .run("try:\n    never()\nexcept RuntimeError as e:\n    print(e)\nwhile True:\n    pass\n")
        .unwrap();
    let took = started.elapsed();
    assert_eq!(
        outcome.error,
        Some(RunError::LimitExceeded(capy::Limit::Wall(wall)))
    );
    assert_eq!(
        outcome.stdout_text(),
        "host function never() was abandoned: the run's wall-clock limit passed\n"
    );
    assert!(took >= wall && took < wall * 4, "took {took:?}");
    assert!(!sandbox.is_stopped());
    assert_eq!(sandbox.run("print(1 + 1)").unwrap().stdout_text(), "2\n");
}

#[test]
fn terminate_ends_a_run_waiting_on_an_async_host_call() {
    let (mut sandbox, polled) =
        sandbox_waiting_forever(capy::Limits::default().wall(Duration::from_secs(600)));
    let handle = sandbox.handle();
    let terminator = std::thread::spawn(move || {
        polled.recv().unwrap();
        handle.terminate();
    });
    let outcome = sandbox.run("never()").unwrap();
    terminator.join().unwrap();
    assert_eq!(outcome.error, Some(RunError::Terminated));
    assert!(matches!(sandbox.run("print(1)"), Err(Error::Stopped(_))));
}

#[test]
fn the_wall_limit_holds_for_async_hosts_without_tokio_timers() {
    // A caller's runtime with no time driver: the deadline must not need one.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let wall = Duration::from_millis(200);
    runtime.block_on(async {
        let mut sandbox = engine()
            .sandbox()
            .limits(capy::Limits::default().wall(wall))
            .function_async("never", |(): ()| async {
                std::future::pending::<()>().await;
                Ok::<_, HostError>(())
            })
            .build_async()
            .await
            .unwrap();
        let outcome = sandbox.run_async("never()").await.unwrap();
        assert_eq!(
            outcome.error,
            Some(RunError::LimitExceeded(capy::Limit::Wall(wall)))
        );
    });
}

#[test]
fn a_slow_sync_host_call_runs_to_its_end_and_the_script_then_gets_its_grace() {
    // A sync host function cannot be pre-empted (documented on
    // `SandboxBuilder::function`): the run ends at the wall limit as soon
    // as it returns, and the script still gets the whole grace period to
    // unwind, so the sandbox is not ended by force.
    let wall = Duration::from_millis(100);
    let mut sandbox = engine()
        .sandbox()
        .limits(capy::Limits::default().wall(wall))
        .function("slow", |(): ()| {
            std::thread::sleep(Duration::from_millis(500));
            Ok(1)
        })
        .build()
        .unwrap();
    let outcome = sandbox.run("slow()\nwhile True:\n    pass\n").unwrap();
    assert_eq!(
        outcome.error,
        Some(RunError::LimitExceeded(capy::Limit::Wall(wall)))
    );
    assert!(outcome.usage.wall >= Duration::from_millis(500));
    assert!(!sandbox.is_stopped(), "the script unwound within its grace");
}

#[test]
fn blocking_work_behind_an_async_host_function_can_be_abandoned() {
    // The recipe `SandboxBuilder::function` gives for host work that may
    // block: run it on Tokio's blocking pool from an async host function,
    // which the wall limit can abandon.
    let wall = Duration::from_millis(200);
    let mut sandbox = engine()
        .sandbox()
        .limits(capy::Limits::default().wall(wall))
        .function_async("lookup", |(key,): (String,)| async move {
            tokio::task::spawn_blocking(move || {
                std::thread::sleep(Duration::from_secs(2));
                key.len()
            })
            .await
            .map_err(|_| HostError::runtime("lookup failed"))
        })
        .build()
        .unwrap();
    let started = std::time::Instant::now();
    let outcome = sandbox.run("lookup('k')").unwrap();
    assert_eq!(
        outcome.error,
        Some(RunError::LimitExceeded(capy::Limit::Wall(wall)))
    );
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
}
