//! [`Overrides`]: settings a host gives on top of a policy file (the CLI's
//! flags, the Python package's keyword arguments), applied one way for all.

use std::time::{Duration, SystemTime};

use crate::policy::{GrantPolicy, Policy, PolicyError};

/// Settings that override a [`Policy`]; each one set wins over the file.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    /// Grants added, or overriding the file's grant of the same name: the
    /// path changes, the file's restrictions stay
    /// ([`Policy::override_grant`]).
    pub grants: Vec<GrantPolicy>,
    /// Modules added to the file's list ([`Policy::add_module`]); given at
    /// all (even empty), only the modules named here and in the file are
    /// granted, not the default of every module.
    pub modules: Option<Vec<String>>,
    /// The random seed.
    pub random_seed: Option<u64>,
    /// A fixed clock.
    pub clock: Option<SystemTime>,
    /// Most bytes of output.
    pub max_output: Option<u64>,
    /// Most CPU time per run.
    pub cpu: Option<Duration>,
    /// Most CPU time summed over every run.
    pub total_cpu: Option<Duration>,
    /// Most wall-clock time per run.
    pub wall: Option<Duration>,
    /// Most guest memory in bytes.
    pub memory: Option<u64>,
    /// Most files open at once.
    pub open_files: Option<u32>,
}

impl Policy {
    /// Applies `overrides` on top of this policy, then
    /// [`validate`](Policy::validate)s the result (so a bad grant path or
    /// module name given either way is reported the same way).
    ///
    /// ```
    /// use std::time::Duration;
    /// let mut policy = capy_policy::Policy::default();
    /// policy
    ///     .apply(capy_policy::Overrides {
    ///         cpu: Some(Duration::from_secs(2)),
    ///         modules: Some(vec!["json".into()]),
    ///         ..Default::default()
    ///     })
    ///     .unwrap();
    /// assert_eq!(policy.limits.cpu, Duration::from_secs(2));
    /// assert_eq!(policy.modules(), ["json"]);
    /// ```
    pub fn apply(&mut self, overrides: Overrides) -> Result<(), PolicyError> {
        for grant in overrides.grants {
            self.override_grant(grant)?;
        }
        if let Some(modules) = overrides.modules {
            self.modules.get_or_insert_with(Vec::new);
            for module in modules {
                self.add_module(module);
            }
        }
        if let Some(seed) = overrides.random_seed {
            self.determinism.random_seed = Some(seed);
        }
        if let Some(clock) = overrides.clock {
            self.determinism.clock = Some(clock);
        }
        let limits = &mut self.limits;
        if let Some(bytes) = overrides.max_output {
            limits.max_output = bytes;
        }
        if let Some(cpu) = overrides.cpu {
            limits.cpu = cpu;
        }
        if let Some(total) = overrides.total_cpu {
            limits.total_cpu = Some(total);
        }
        if let Some(wall) = overrides.wall {
            limits.wall = wall;
        }
        if let Some(bytes) = overrides.memory {
            limits.memory = bytes;
        }
        if let Some(count) = overrides.open_files {
            limits.open_files = count;
        }
        self.validate()
    }
}
